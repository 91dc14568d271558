/**
 * The network model's architecture: three small quantized MLP heads, one per capability domain,
 * held in one consensus model (one hash, one delta, one score). Every layer is int8 weights
 * (input-major: w[i * outputs + o]) plus int32 biases; activations are 7-bit unsigned (0..127).
 *
 * Fixed-point convention (docs/training.md): an input or hidden activation q stands for q/127;
 * a weight q stands for q / 2^shift; a bias q stands for q / (127 · 2^shift). A hidden layer
 * outputs clamp((Σ x·w + b + 2^(shift-1)) >> shift, 0, 127), i.e. the float value
 * clamp(z, 0, 1) rounded to 1/127; the last layer's int32 sums are the logits, and the prediction
 * is their argmax (lowest index on ties). Integer-only: no floats, no transcendental functions.
 */

export const DOMAINS = ['digits', 'text', 'math'] as const;
export type Domain = (typeof DOMAINS)[number];

export interface LayerSpec {
  readonly inputs: number;
  readonly outputs: number;
  /** Weight scale exponent: weight q stands for q / 2^shift; hidden layers shift sums right by it. */
  readonly shift: number;
}

export interface HeadSpec {
  readonly domain: Domain;
  readonly layers: readonly LayerSpec[];
}

/** Digits: 14×14 images (MNIST 28×28 downsampled 2×2). */
export const DIGIT_SIDE = 14;
export const DIGIT_INPUTS = DIGIT_SIDE * DIGIT_SIDE;
/** Text: hashed bag of words. */
export const TEXT_INPUTS = 1024;
/** Math: one-hot operator (2), operand digits (2 × 3 × 10). */
export const MATH_INPUTS = 2 + 60;

export const MODEL_VERSION = 1;

export const ARCH: readonly HeadSpec[] = [
  {
    domain: 'digits',
    layers: [
      { inputs: DIGIT_INPUTS, outputs: 64, shift: 8 },
      { inputs: 64, outputs: 10, shift: 6 },
    ],
  },
  {
    domain: 'text',
    layers: [
      { inputs: TEXT_INPUTS, outputs: 32, shift: 8 },
      { inputs: 32, outputs: 2, shift: 6 },
    ],
  },
  {
    domain: 'math',
    layers: [
      { inputs: MATH_INPUTS, outputs: 128, shift: 7 },
      { inputs: 128, outputs: 10, shift: 6 },
    ],
  },
];

/** Activation and weight bounds. Weights are symmetric int8 (−128 is not a valid weight). */
export const ACT_MAX = 127;
export const WEIGHT_MAX = 127;
/** |bias| bound: with ≤ 1024 inputs, |Σ x·w| < 2^24, so sums stay far inside int32. */
export const BIAS_MAX = 1 << 24;
/** Delta bounds: weights move by int8 steps, biases by int16 steps, per update. */
export const DELTA_W_MAX = 127;
export const DELTA_B_MAX = 32_767;

export function headIndex(domain: Domain): number {
  return DOMAINS.indexOf(domain);
}

/** Number of trainable parameters (weights + biases). */
export function parameterCount(arch: readonly HeadSpec[] = ARCH): number {
  let n = 0;
  for (const h of arch) for (const l of h.layers) n += l.inputs * l.outputs + l.outputs;
  return n;
}
