/**
 * Using the chain model: next-character prediction and text generation with the language head,
 * and answers of the math head. Not consensus: generation samples with floats (softmax of the
 * integer logits) from a seeded PRNG, so a given (model, prompt, seed, temperature) always gives
 * the same text on a machine.
 */
import { DOMAINS } from './arch.js';
import { decodeLm, encodeLmText, LM_ACTIVE, LM_VOCAB, lmFeatures } from './data/lm.js';
import {
  MATH_LEVELS,
  MATH_VALUE,
  type MathLevel,
  type MathTask,
  mathBin,
  mathFeatures,
  mathLevel,
  mathRange,
  mathValue,
} from './data/math.js';
import { TrainingError } from './errors.js';
import { headLogitsJs } from './kernel/index.js';
import type { NetworkModel } from './model.js';
import { Xoshiro128 } from './prng.js';

/** A logit of the last layer stands for logit / LOGIT_SCALE (the weight shift of the output layers is 6). */
const LOGIT_SCALE = 127 * 64;
export const MAX_PROMPT_CHARS = 4_096;
export const MAX_GENERATE_CHARS = 2_000;

function lmHead(model: NetworkModel) {
  return model.heads[DOMAINS.indexOf('lm')]!;
}

/** The language head's logits for the character after `classes[0..len)`. */
function nextLogits(model: NetworkModel, classes: Uint8Array, len: number, out: Int32Array): void {
  const idx = new Uint16Array(LM_ACTIVE);
  lmFeatures(classes, len, idx, 0);
  headLogitsJs(lmHead(model), idx, LM_ACTIVE, 127, out);
}

function softmax(logits: Int32Array, temperature: number): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i]! - max) / (LOGIT_SCALE * temperature));
    sum += p[i]!;
  }
  for (let i = 0; i < p.length; i++) p[i] = p[i]! / sum;
  return p;
}

function checkPrompt(prompt: string): Uint8Array {
  if (prompt.length > MAX_PROMPT_CHARS)
    throw new TrainingError({
      code: 'TRAINING_BAD_INPUT',
      reason: `prompt longer than ${MAX_PROMPT_CHARS} characters`,
    });
  return encodeLmText(prompt);
}

export interface NextCharPrediction {
  readonly char: string;
  /** Softmax probability at temperature 1 (display only). */
  readonly probability: number;
}

/** The `top` most likely next characters after `text`, most likely first. */
export function predictNextChars(model: NetworkModel, text: string, top = 5): NextCharPrediction[] {
  const enc = checkPrompt(text);
  const classes = new Uint8Array(enc.length + 1);
  classes.set(enc);
  const logits = new Int32Array(LM_VOCAB);
  nextLogits(model, classes, enc.length, logits);
  const p = softmax(logits, 1);
  const order = Array.from({ length: LM_VOCAB }, (_, i) => i).sort(
    (a, b) => logits[b]! - logits[a]! || a - b,
  );
  return order.slice(0, Math.max(1, Math.min(top, LM_VOCAB))).map((c) => ({
    char: decodeLm([c]),
    probability: Math.round(p[c]! * 10_000) / 10_000,
  }));
}

export interface GenerateOptions {
  /** Characters to generate (1..MAX_GENERATE_CHARS). */
  readonly length: number;
  /** Sampling seed: the same seed gives the same text. */
  readonly seed: number;
  /** 0: always the most likely character (greedy); otherwise softmax sampling at this temperature. */
  readonly temperature: number;
}

/** Continues `prompt` with the language head. */
export function generateText(model: NetworkModel, prompt: string, opts: GenerateOptions): string {
  if (!Number.isInteger(opts.length) || opts.length < 1 || opts.length > MAX_GENERATE_CHARS)
    throw new TrainingError({
      code: 'TRAINING_BAD_INPUT',
      reason: `length must be 1..${MAX_GENERATE_CHARS}`,
    });
  if (!(opts.temperature >= 0 && opts.temperature <= 10))
    throw new TrainingError({ code: 'TRAINING_BAD_INPUT', reason: 'temperature must be in [0, 10]' });
  const enc = checkPrompt(prompt);
  const classes = new Uint8Array(enc.length + opts.length + 1);
  classes.set(enc);
  const rng = new Xoshiro128(`qenex/generate/${opts.seed}`);
  const logits = new Int32Array(LM_VOCAB);
  let len = enc.length;
  for (let i = 0; i < opts.length; i++) {
    nextLogits(model, classes, len, logits);
    let c = 0;
    if (opts.temperature === 0) {
      for (let o = 1; o < LM_VOCAB; o++) if (logits[o]! > logits[c]!) c = o;
    } else {
      const p = softmax(logits, opts.temperature);
      let u = rng.nextU32() / 0x1_0000_0000;
      for (c = 0; c < LM_VOCAB - 1; c++) {
        u -= p[c]!;
        if (u < 0) break;
      }
    }
    classes[len++] = c;
  }
  return decodeLm(classes.subarray(enc.length, len));
}

export interface MathPrediction {
  readonly expression: string;
  readonly level: number;
  /** The level's precision: the answer is the last digit of the bin at 10^precision bins. */
  readonly precision: number;
  readonly value: number;
  /** The answer the task asks for, 0..9: at precision 1 the bin of the value within its range. */
  readonly bin: number;
  readonly predictedBin: number;
  /** The value range the predicted answer stands for (the coarser digits taken as the true ones). */
  readonly predictedRange: readonly [number, number];
  readonly correct: boolean;
}

/**
 * The math head's answer for an expression such as "123+456" or "1200-35*2" (left to right;
 * operands of up to 6 digits, up to 3 terms). The head is trained at the chain's level, whose
 * precision (how fine the answer bins are) the input does not carry, so the task is read at the
 * easiest level of the chain level's precision whose shape fits (digits, terms, operators); at a
 * precision with no fitting shape, at the easiest fitting level of any precision.
 */
export function predictMath(model: NetworkModel, expression: string, chainLevel = 0): MathPrediction {
  const m = /^\s*(\d+)\s*([-+*×])\s*(\d+)\s*(?:([-+*×])\s*(\d+)\s*)?$/.exec(expression);
  if (!m) {
    throw new TrainingError({
      code: 'TRAINING_BAD_INPUT',
      reason: 'expression must be 2 or 3 non-negative integers joined by +, - or * (e.g. "123+456")',
    });
  }
  const nums = [m[1], m[3], m[5]].filter((x): x is string => x !== undefined);
  const ops = [m[2], m[4]]
    .filter((x): x is string => x !== undefined)
    .map((o) => (o === '+' ? 0 : o === '-' ? 1 : 2));
  const digits = Math.max(...nums.map((n) => n.replace(/^0+(?=\d)/, '').length));
  const fits = (l: MathLevel) => l.digits >= digits && l.terms === nums.length && ops.every((o) => o < l.ops);
  const precision = MATH_LEVELS[chainLevel]?.precision ?? 1;
  let level = MATH_LEVELS.findIndex((l) => fits(l) && l.precision === precision);
  if (level < 0) level = MATH_LEVELS.findIndex(fits);
  if (level < 0)
    throw new TrainingError({
      code: 'TRAINING_BAD_INPUT',
      reason: 'no math level has this shape (digits, terms, operators)',
    });
  const task: MathTask = { level, x: nums.map(Number), op: ops };
  const idx = new Uint16Array(32);
  const n = mathFeatures(task, idx, 0);
  const logits = new Int32Array(10);
  headLogitsJs(model.heads[DOMAINS.indexOf('math')]!, idx, n, MATH_VALUE, logits);
  let best = 0;
  for (let o = 1; o < 10; o++) if (logits[o]! > logits[best]!) best = o;
  const p = mathLevel(level).precision;
  const bins = 10 ** p;
  const fine = mathBin(task);
  const predictedFine = fine - (fine % 10) + best;
  const [lo, hi] = mathRange(task);
  const width = hi - lo + 1;
  const binLo = lo + Math.ceil((predictedFine * width) / bins);
  const binHi = lo + Math.ceil(((predictedFine + 1) * width) / bins) - 1;
  const bin = fine % 10;
  return {
    expression: expression.trim(),
    level,
    precision: p,
    value: mathValue(task),
    bin,
    predictedBin: best,
    predictedRange: [binLo, binHi],
    correct: best === bin,
  };
}
