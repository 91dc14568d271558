/**
 * The network model's architecture: small quantized MLP heads, one per capability domain, held in
 * one consensus model (one hash, one delta, one score). Every layer is int8 weights (input-major:
 * w[i * outputs + o]) plus int32 biases; activations are 7-bit unsigned (0..127).
 *
 *  - lm:   the next character of English text and source code (data/lm.ts), from hashed context
 *          features: an open-ended task (a corpus far larger than the model) scored at positions
 *          drawn from the block hash;
 *  - math: generated arithmetic at a difficulty level that rises by consensus rule
 *          (data/math.ts, consensus poi/levels.ts).
 *
 * Fixed-point convention (docs/training.md): an input or hidden activation q stands for q/127;
 * a weight q stands for q / 2^shift; a bias q stands for q / (127 · 2^shift). A hidden layer
 * outputs clamp((Σ x·w + b + 2^(shift-1)) >> shift, 0, 127), i.e. the float value
 * clamp(z, 0, 1) rounded to 1/127; the last layer's int32 sums are the logits, and the prediction
 * is their argmax (lowest index on ties). Integer-only: no floats, no transcendental functions.
 */
import { LM_INPUTS, LM_VOCAB } from './data/lm.js';

export const DOMAINS = ['lm', 'math'] as const;
export type Domain = (typeof DOMAINS)[number];

/** Domains with a difficulty level (chain state), in the order of the consensus level arrays. */
export const LEVELED_DOMAINS: readonly Domain[] = ['math'];

export interface LayerSpec {
  readonly inputs: number;
  readonly outputs: number;
  /** Weight scale exponent: weight q stands for q / 2^shift; hidden layers shift sums right by it. */
  readonly shift: number;
}

export interface HeadSpec {
  readonly domain: Domain;
  readonly layers: readonly LayerSpec[];
  /** Hidden units one growth step adds (consensus capacity growth, see archAt). */
  readonly growBy: number;
  /** Growth steps this head may take at most. */
  readonly maxGrowth: number;
}

/** Math: two operator slots × {+, −, ×}, three operands × six digits × ten one-hot values. */
export const MATH_MAX_DIGITS = 6;
export const MATH_MAX_TERMS = 3;
export const MATH_INPUTS = 3 * (MATH_MAX_TERMS - 1) + 10 * MATH_MAX_DIGITS * MATH_MAX_TERMS;

/** Hidden width of the language head. */
export const LM_HIDDEN = 32;

export const MODEL_VERSION = 2;

/** The architecture at growth 0 (the genesis model). */
export const ARCH: readonly HeadSpec[] = [
  {
    domain: 'lm',
    growBy: 8,
    maxGrowth: 4,
    layers: [
      { inputs: LM_INPUTS, outputs: LM_HIDDEN, shift: 8 },
      { inputs: LM_HIDDEN, outputs: LM_VOCAB, shift: 6 },
    ],
  },
  {
    domain: 'math',
    growBy: 32,
    maxGrowth: 2,
    layers: [
      { inputs: MATH_INPUTS, outputs: 128, shift: 7 },
      { inputs: 128, outputs: 10, shift: 6 },
    ],
  },
];

/**
 * Capacity growth (consensus rule, poi/growth.ts): when a domain's verified improvements stall, a
 * block may widen that head's hidden layer by its `growBy` units, at most `maxGrowth` times. New
 * units get seeded incoming weights and ZERO outgoing weights, so the grown model computes exactly
 * the same function (same predictions, same score) and training then has new units to use.
 * Bounded so that verification stays within budget: at most 64 hidden units of the language head
 * (32 + 4 × 8) and 192 of the math head (128 + 2 × 32).
 */
export type Growth = readonly number[];

/** Growth steps per head of the genesis model. */
export const NO_GROWTH: Growth = ARCH.map(() => 0);

/** The largest growth of every head. */
export const MAX_GROWTH: Growth = ARCH.map((h) => h.maxGrowth);

export function validGrowth(growth: Growth): boolean {
  return (
    growth.length === ARCH.length &&
    growth.every((g, i) => Number.isInteger(g) && g >= 0 && g <= ARCH[i]!.maxGrowth)
  );
}

/** The architecture after `growth[h]` growth steps of each head h. */
export function archAt(growth: Growth): readonly HeadSpec[] {
  return ARCH.map((h, hi) => {
    const extra = (growth[hi] ?? 0) * h.growBy;
    if (extra === 0) return h;
    const [first, ...rest] = h.layers;
    return {
      ...h,
      layers: [
        { ...first!, outputs: first!.outputs + extra },
        ...rest.map((l, i) => (i === 0 ? { ...l, inputs: l.inputs + extra } : l)),
      ],
    };
  });
}

/** Activation and weight bounds. Weights are symmetric int8 (−128 is not a valid weight). */
export const ACT_MAX = 127;
export const WEIGHT_MAX = 127;
/**
 * |bias| bound. A row has at most 192 active inputs in every head (sparse first layers; hidden
 * layers ≤ 192 units at MAX_GROWTH), so |Σ x·w| ≤ 192·127·127 < 2^22 and every sum stays far
 * inside int32.
 */
export const BIAS_MAX = 1 << 24;
/** Delta bounds: weights move by int8 steps, biases by int16 steps, per update. */
export const DELTA_W_MAX = 127;
export const DELTA_B_MAX = 32_767;

export function headIndex(domain: Domain): number {
  return DOMAINS.indexOf(domain);
}

/** Number of trainable parameters (weights + biases) of an architecture (default: genesis). */
export function parameterCount(arch: readonly HeadSpec[] = ARCH): number {
  let n = 0;
  for (const h of arch) for (const l of h.layers) n += l.inputs * l.outputs + l.outputs;
  return n;
}
