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
 * T100: the cosine threshold in hundredths. Measured by scripts/experiments/similarity.ts: 10
 * honest trainers on shards 0..9 of 10 (plus 5 more sharing shard 0, as nodes that draw the same
 * shard from their peer ids do), one round from the same base, compressed at
 * DEFAULT_DELTA_DENSITY (first round, no error-feedback remainder: the most alike they get).
 * Cosines, min–max over the pairs (different shards / same shard):
 *
 *   base (chain samples)  round    honest, other shards  honest, same shard
 *   400,000               20,000   0.20–0.26             0.23–0.28
 *   400,000              100,000   0.16–0.21             0.20–0.25
 *   100,000               20,000   0.26–0.33             0.29–0.32
 *    20,000               20,000   0.42–0.49             0.46–0.50
 *         0 (genesis)      5,000   0.72–0.77             0.75–0.77
 *         0 (genesis)     20,000   0.73–0.76             0.75–0.77
 *         0 (genesis)    100,000   0.59–0.65             0.64–0.66
 *
 * Honest deltas are most alike early in the chain, when every trainer's largest steps are the
 * same obvious ones. A copier's delta against its original, at every base and round above:
 * sign of 1% of the entries flipped 0.97–0.99, 10% of them moved to random coordinates
 * 0.89–0.91, 10% more random ±s entries 0.98–0.99, all three at once 0.85–0.88. So 0.81 sits
 * between the most alike honest pair seen (0.773) and the least alike lazy copy (0.853), about
 * 0.04 from each. A copier that moves a quarter of the entries (0.74–0.76) gets under any
 * threshold that spares honest genesis-era trainers: the rule stops lazy copies only. Such a
 * copy carries less of the original, and leave-one-out credit (poi/credit.ts) pays it for the
 * samples that needed it, which the original mostly covers (it lowers the original's credit too).
 */
export const DUPLICATE_THRESHOLD_100 = 81;

/** Whether weight vectors with these integer products are near-duplicates (cosine ≥ t100 / 100). */
export function nearDuplicate(
  dot: number,
  na: number,
  nb: number,
  t100: number = DUPLICATE_THRESHOLD_100,
): boolean {
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
 * The weight-step dot products of every pair (dots[i][j], i < j). Per tensor: a first pass counts
 * the contributions at each coordinate; only the entries at a shared coordinate (few: compressed
 * deltas pick their own top entries) are then threaded into per-coordinate lists (head[j] → the
 * last entry there → the one before…, stored as entry + 1 so that zeros are empty lists) and
 * multiplied with the earlier ones: O(entries + overlaps), whatever the number of pairs.
 */
export function pairwiseDots(deltas: readonly SparseDelta[]): number[][] {
  const n = deltas.length;
  // flat, row i at i·n (exact: integer sums far below 2^53)
  const flat = new Float64Array(n * n);
  const tensors = deltas[0]?.w.length ?? 0;
  let count = new Uint8Array(0);
  let head = new Int32Array(0);
  for (let t = 0; t < tensors; t++) {
    const size = deltas[0]!.w[t]!.size;
    if (count.length < size) {
      count = new Uint8Array(size);
      head = new Int32Array(size);
    }
    let shared = 0;
    for (const d of deltas) {
      const idx = d.w[t]!.idx;
      for (let k = 0; k < idx.length; k++) {
        const j = idx[k]!;
        const c = count[j]!;
        if (c !== 0) shared++;
        if (c < 2) count[j] = c + 1;
      }
    }
    if (shared > 0) {
      // the entries at shared coordinates: `shared` later ones plus one first at each, ≤ 2·shared
      const owner = new Int32Array(2 * shared);
      const value = new Int32Array(2 * shared);
      const next = new Int32Array(2 * shared);
      let e = 0;
      for (let b = 0; b < n; b++) {
        const { idx, val } = deltas[b]!.w[t]!;
        for (let k = 0; k < idx.length; k++) {
          const j = idx[k]!;
          if (count[j] !== 2) continue;
          const v = val[k]!;
          for (let p = head[j]! - 1; p >= 0; p = next[p]! - 1) {
            const at = owner[p]! * n + b;
            flat[at] = flat[at]! + value[p]! * v;
          }
          owner[e] = b;
          value[e] = v;
          next[e] = head[j]!;
          head[j] = ++e;
        }
      }
      for (const d of deltas) {
        const idx = d.w[t]!.idx;
        for (let k = 0; k < idx.length; k++) head[idx[k]!] = 0;
      }
    }
    for (const d of deltas) {
      const idx = d.w[t]!.idx;
      for (let k = 0; k < idx.length; k++) count[idx[k]!] = 0;
    }
  }
  return deltas.map((_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
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
