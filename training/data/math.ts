/**
 * Mathematics: arithmetic generated procedurally at a difficulty level that is chain state
 * (consensus poi/levels.ts): never a stored pool, so it cannot be memorised.
 *
 * A task at level L has `terms` operands of `digits` decimal digits each (uniform in [0, 10^d − 1])
 * joined by operators drawn from the level's set, evaluated left to right:
 * v = ((x0 op1 x1) op2 x2). Its answer is the last digit of the bin ⌊10^p · (v − lo) / (hi − lo + 1)⌋
 * of v within the range [lo, hi] that this operator sequence can produce (interval arithmetic over
 * the operands' range), at the level's precision p: at p = 1 the bin itself (ten equal bins of the
 * range), at p = 2 the tenth of that bin v falls in, at p = 3 the hundredth (bins about 2 wide:
 * the units digit of the exact value matters). The bin depends on every digit near a bin edge
 * (carries and borrows), so a level is learnable step by step but exact only with real
 * arithmetic; each finer precision asks for more of the exact value, so the task stays open for
 * a long time after the coarse levels are learnt.
 *
 * | level | digits | terms | operators |
 * | 0 | 3 | 2 | + − |    (the original task: 2,000,000 distinct tasks)
 * | 1 | 4 | 2 | + − |
 * | 2 | 3 | 3 | + − |
 * | 3 | 4 | 3 | + − |
 * | 4 | 5 | 3 | + − |
 * | 5 | 6 | 3 | + − |
 * | 6 | 3 | 2 | + − × |
 * | 7 | 4 | 3 | + − × |
 * | 8 | 5 | 3 | + − × |
 * | 9 | 6 | 3 | + − × |   (the widest the input layout holds: MATH_MAX_DIGITS × MATH_MAX_TERMS)
 *
 * then the same shapes again at precision 2 (levels 10–15) and 3 (levels 16–22):
 *
 * | 10 | 3 | 2 | + − | p 2 |   | 16 | 3 | 2 | + − | p 3 |
 * | 11 | 4 | 2 | + − | p 2 |   | 17 | 4 | 2 | + − | p 3 |
 * | 12 | 3 | 3 | + − | p 2 |   | 18 | 3 | 3 | + − | p 3 |
 * | 13 | 4 | 3 | + − | p 2 |   | 19 | 4 | 3 | + − | p 3 |
 * | 14 | 3 | 2 | + − × | p 2 | | 20 | 5 | 3 | + − | p 3 |
 * | 15 | 4 | 3 | + − × | p 2 | | 21 | 6 | 3 | + − | p 3 |
 * |    |   |   |       |     | | 22 | 3 | 2 | + − × | p 3 |
 *
 * Every range has at least 10^p values, and 10^p · (hi − lo) stays below 2^53 at every level with
 * precision above 1, so the bin is exact in doubles (the precision-1 levels with × exceed 2^53 in
 * the value itself at 6 digits; IEEE doubles round it the same way on every machine).
 *
 * Input (MATH_INPUTS one-hot features, value 127): operator slot s ∈ {0,1} × {+,−,×} at [3s, 3s+3);
 * operand k's digit at position p (ones first) at 6 + 60k + 10p + digit. Only the digits and
 * operator slots the level uses are active. All arithmetic is on integers below 2^53.
 */
import { ACT_MAX, MATH_INPUTS, MATH_MAX_DIGITS, MATH_MAX_TERMS } from '../arch.js';

export interface MathLevel {
  readonly digits: number;
  readonly terms: number;
  /** Number of operators in use: 2 (+ −) or 3 (+ − ×). */
  readonly ops: number;
  /** The answer is the last digit of the bin at 10^precision bins of the range. */
  readonly precision: number;
}

export const MATH_LEVELS: readonly MathLevel[] = [
  { digits: 3, terms: 2, ops: 2, precision: 1 },
  { digits: 4, terms: 2, ops: 2, precision: 1 },
  { digits: 3, terms: 3, ops: 2, precision: 1 },
  { digits: 4, terms: 3, ops: 2, precision: 1 },
  { digits: 5, terms: 3, ops: 2, precision: 1 },
  { digits: 6, terms: 3, ops: 2, precision: 1 },
  { digits: 3, terms: 2, ops: 3, precision: 1 },
  { digits: 4, terms: 3, ops: 3, precision: 1 },
  { digits: 5, terms: 3, ops: 3, precision: 1 },
  { digits: 6, terms: 3, ops: 3, precision: 1 },
  { digits: 3, terms: 2, ops: 2, precision: 2 },
  { digits: 4, terms: 2, ops: 2, precision: 2 },
  { digits: 3, terms: 3, ops: 2, precision: 2 },
  { digits: 4, terms: 3, ops: 2, precision: 2 },
  { digits: 3, terms: 2, ops: 3, precision: 2 },
  { digits: 4, terms: 3, ops: 3, precision: 2 },
  { digits: 3, terms: 2, ops: 2, precision: 3 },
  { digits: 4, terms: 2, ops: 2, precision: 3 },
  { digits: 3, terms: 3, ops: 2, precision: 3 },
  { digits: 4, terms: 3, ops: 2, precision: 3 },
  { digits: 5, terms: 3, ops: 2, precision: 3 },
  { digits: 6, terms: 3, ops: 2, precision: 3 },
  { digits: 3, terms: 2, ops: 3, precision: 3 },
];
export const MATH_MAX_LEVEL = MATH_LEVELS.length - 1;
export const MATH_OP_SLOTS = MATH_MAX_TERMS - 1;
export { MATH_INPUTS };
/** Most active features of any level. */
export const MATH_MAX_ACTIVE = MATH_MAX_TERMS * MATH_MAX_DIGITS + MATH_OP_SLOTS;
export const MATH_VALUE = ACT_MAX;

export interface MathTask {
  readonly level: number;
  /** Operands x0..x(terms−1). */
  readonly x: readonly number[];
  /** Operators between them: 0 +, 1 −, 2 ×. */
  readonly op: readonly number[];
}

export function mathLevel(level: number): MathLevel {
  const l = MATH_LEVELS[level];
  if (!l) throw new RangeError(`math level ${level} out of range`);
  return l;
}

/** Task at `level` from four u32 of randomness (multiply-shift ranges, exact in doubles). */
export function mathTaskFrom(level: number, r0: number, r1: number, r2: number, r3: number): MathTask {
  const L = mathLevel(level);
  const span = 10 ** L.digits;
  const rs = [r0, r1, r2];
  const x: number[] = [];
  for (let k = 0; k < L.terms; k++) x.push(Math.floor(((rs[k]! >>> 0) * span) / 0x1_0000_0000));
  const op: number[] = [];
  for (let s = 0; s < L.terms - 1; s++) op.push(Math.floor((((r3 >>> (16 * s)) & 0xffff) * L.ops) / 0x10000));
  return { level, x, op };
}

function combine(a: number, op: number, b: number): number {
  return op === 0 ? a + b : op === 1 ? a - b : a * b;
}

/** [lo, hi] of the values this operator sequence can produce at the task's level. */
export function mathRange(t: MathTask): readonly [number, number] {
  const max = 10 ** mathLevel(t.level).digits - 1;
  let lo = 0;
  let hi = max;
  for (const op of t.op) {
    if (op === 0) hi += max;
    else if (op === 1) lo -= max;
    else {
      lo = Math.min(0, lo * max);
      hi = Math.max(0, hi * max);
    }
  }
  return [lo, hi];
}

export function mathValue(t: MathTask): number {
  let v = t.x[0]!;
  for (let s = 0; s < t.op.length; s++) v = combine(v, t.op[s]!, t.x[s + 1]!);
  return v;
}

/** The bin of the task's value at 10^precision equal bins of its range (0 .. 10^precision − 1). */
export function mathBin(t: MathTask, precision = mathLevel(t.level).precision): number {
  const [lo, hi] = mathRange(t);
  return Math.floor((10 ** precision * (mathValue(t) - lo)) / (hi - lo + 1));
}

/** The answer (0..9): the last digit of the bin at the level's precision. */
export function mathAnswer(t: MathTask): number {
  return mathBin(t) % 10;
}

/** Writes the active feature indices (ascending) of `t` into `idx` at `off`; returns how many. */
export function mathFeatures(t: MathTask, idx: Uint16Array, off: number): number {
  const L = mathLevel(t.level);
  let n = off;
  for (let s = 0; s < t.op.length; s++) idx[n++] = 3 * s + t.op[s]!;
  for (let k = 0; k < t.x.length; k++) {
    let v = t.x[k]!;
    for (let p = 0; p < L.digits; p++) {
      idx[n++] = 3 * MATH_OP_SLOTS + 60 * k + 10 * p + (v % 10);
      v = Math.floor(v / 10);
    }
  }
  return n - off;
}
