/**
 * Near-duplicate contributions. A copier who takes another trainer's delta, perturbs it a little
 * and submits it under its own key must not be paid twice for one piece of work, so two
 * contributions of a block whose weight steps point the same way are rejected
 * (VerdictError 'bad-model-duplicate'). The test is exact, in integers: over every weight entry,
 * dot = Σ aᵢbᵢ, na = Σ aᵢ², nb = Σ bᵢ²; a and b are duplicates iff dot > 0 and
 * dot² · 10⁴ ≥ T100² · na · nb (cosine ≥ T100 / 100), products in BigInt. Byte-identical deltas
 * are duplicates too (this also covers bias-only deltas, which have no weight steps).
 */
import { equalBytes, VerdictError } from '../../consensus/index.js';
import type { SparseDelta } from '../delta.js';

/**
 * T100: the cosine threshold in hundredths. Measured by scripts/experiments/similarity.ts
 * (see there for the protocol): MEASURED.
 */
export const DUPLICATE_THRESHOLD_100 = 50;

/** Whether weight vectors with these integer products are near-duplicates (cosine ≥ t100 / 100). */
export function nearDuplicate(dot: number, na: number, nb: number, t100: number = DUPLICATE_THRESHOLD_100): boolean {
  if (!(dot > 0)) return false;
  const d = BigInt(dot);
  return d * d * 10_000n >= BigInt(t100 * t100) * BigInt(na) * BigInt(nb);
}

/** The cosine as a float, for messages and experiments only (never for the verdict). */
export function cosine(dot: number, na: number, nb: number): number {
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function duplicateError(i: number, j: number, dot: number, na: number, nb: number): VerdictError {
  return new VerdictError(
    'bad-model-duplicate',
    `contributions ${i} and ${j}: weight-step cosine ${cosine(dot, na, nb).toFixed(4)} ≥ ${(DUPLICATE_THRESHOLD_100 / 100).toFixed(2)}`,
  );
}

/** Σ v² over the weight steps of d. */
export function weightNorm(d: SparseDelta): number {
  let s = 0;
  for (const t of d.w) for (let k = 0; k < t.val.length; k++) s += t.val[k]! * t.val[k]!;
  return s;
}

/**
 * The weight-step dot products of every pair (dots[i][j], i < j). Per tensor, each delta in turn
 * is scattered into one scratch array and the later ones are read against it: O(n² · entries).
 */
export function pairwiseDots(deltas: readonly SparseDelta[]): number[][] {
  const n = deltas.length;
  const dots = deltas.map(() => new Array<number>(n).fill(0));
  const tensors = deltas[0]?.w.length ?? 0;
  let scratch = new Int16Array(0);
  for (let t = 0; t < tensors; t++) {
    const size = deltas[0]!.w[t]!.size;
    if (scratch.length < size) scratch = new Int16Array(size);
    for (let a = 0; a < n - 1; a++) {
      const ea = deltas[a]!.w[t]!;
      if (ea.idx.length === 0) continue;
      for (let k = 0; k < ea.idx.length; k++) scratch[ea.idx[k]!] = ea.val[k]!;
      const row = dots[a]!;
      for (let b = a + 1; b < n; b++) {
        const eb = deltas[b]!.w[t]!;
        let s = 0;
        for (let k = 0; k < eb.idx.length; k++) s += scratch[eb.idx[k]!]! * eb.val[k]!;
        row[b]! += s;
      }
      for (let k = 0; k < ea.idx.length; k++) scratch[ea.idx[k]!] = 0;
    }
  }
  return dots;
}

/**
 * Throws VerdictError('bad-model-duplicate') for the first pair (i < j, in order) of contributions
 * that are byte-identical or whose weight steps are near-duplicates.
 */
export function checkDuplicates(bytes: readonly Uint8Array[], deltas: readonly SparseDelta[]): void {
  for (let i = 0; i < bytes.length; i++) {
    for (let j = i + 1; j < bytes.length; j++) {
      if (equalBytes(bytes[i]!, bytes[j]!)) {
        throw new VerdictError('bad-model-duplicate', `contributions ${i} and ${j} are byte-identical`);
      }
    }
  }
  const norms = deltas.map(weightNorm);
  const dots = pairwiseDots(deltas);
  for (let i = 0; i < deltas.length; i++) {
    for (let j = i + 1; j < deltas.length; j++) {
      const dot = dots[i]![j]!;
      if (nearDuplicate(dot, norms[i]!, norms[j]!)) throw duplicateError(i, j, dot, norms[i]!, norms[j]!);
    }
  }
}
