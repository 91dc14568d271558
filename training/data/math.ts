/**
 * Mathematics: three-digit addition and subtraction, generated procedurally, never from a stored
 * pool. A task is (op, a, b) with a, b ∈ [0, 999]; the answer is the bin ⌊v / 200⌋ ∈ 0..9 of
 * v = a + b (add) or v = a − b + 999 (sub). The bin depends on all six digits (exactly so near
 * a bin edge, through the carry or borrow from the lower digits), so the task is learnable step
 * by step but exact only with real arithmetic; 2,000,000 distinct tasks, far more than the model
 * can memorise. Input: 7 one-hot features (value 127) out of MATH_INPUTS:
 *   [0,2) operator | [2,32) a's digits (10 per position, ones first) | [32,62) b's digits.
 */
import { ACT_MAX } from '../arch.js';

export interface MathTask {
  readonly op: 0 | 1;
  readonly a: number;
  readonly b: number;
}

/** Task from two u32 of randomness (multiply-shift ranges, exact in doubles). */
export function mathTaskFrom(r0: number, r1: number): MathTask {
  const a = Math.floor(((r0 & 0xffff) * 1000) / 0x10000);
  const b = Math.floor(((r0 >>> 16) * 1000) / 0x10000);
  const op = (r1 & 1) as 0 | 1;
  return { op, a, b };
}

export function mathAnswer(t: MathTask): number {
  const v = t.op === 0 ? t.a + t.b : t.a - t.b + 999;
  return Math.floor(v / 200);
}

/** Writes the 7 active feature indices (ascending) of `t` into `idx` at `off`; values are ACT_MAX. */
export function mathFeatures(t: MathTask, idx: Uint16Array, off: number): void {
  idx[off] = t.op;
  idx[off + 1] = 2 + (t.a % 10);
  idx[off + 2] = 12 + (Math.floor(t.a / 10) % 10);
  idx[off + 3] = 22 + Math.floor(t.a / 100);
  idx[off + 4] = 32 + (t.b % 10);
  idx[off + 5] = 42 + (Math.floor(t.b / 10) % 10);
  idx[off + 6] = 52 + Math.floor(t.b / 100);
}

export const MATH_ACTIVE = 7;
export const MATH_VALUE = ACT_MAX;
