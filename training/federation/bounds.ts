/**
 * What a block may carry as one contribution's delta (a trainer's compressed delta, compress.ts):
 * at most MAX_CONTRIBUTION_DELTA_SIZE encoded bytes of a canonical delta (delta.ts) for the
 * parent's shape (its growth), not all zero, and in every weight tensor of n entries at most
 * maxContributionEntries(n) non-zero steps, i.e. max(MIN_DELTA_ENTRIES, ⌈n / 64⌉): twice the
 * trainer's default share (DEFAULT_DELTA_DENSITY = 1/128) as head-room. Biases (a few hundred
 * values) are not bounded in count. The entry bound is what keeps a contribution a compressed
 * update (cheap to combine and to leave out, poi/credit.ts) rather than a whole new model. The
 * largest delta these bounds allow (every weight tensor at its bound with the longest gaps, every
 * bias at ±32,767) encodes to 21,298 bytes at MAX_GROWTH (test/unit/training/federation), well
 * inside MAX_CONTRIBUTION_DELTA_SIZE; a trainer's is about 6 KB at genesis size, 10 KB at the largest.
 */
import { MAX_CONTRIBUTION_DELTA_SIZE, VerdictError } from '../../consensus/index.js';
import type { Growth } from '../arch.js';
import { MIN_DELTA_ENTRIES } from '../compress.js';
import { decodeSparseDelta, type SparseDelta, sameGrowth } from '../delta.js';
import { TrainingError } from '../errors.js';

/** Largest share of a weight tensor a contribution may carry (twice DEFAULT_DELTA_DENSITY; constants.ts). */
export { MAX_CONTRIBUTION_DENSITY } from '../constants.js';

/** Largest number of non-zero steps a contribution may carry in a weight tensor of n entries. */
export function maxContributionEntries(n: number): number {
  return Math.max(MIN_DELTA_ENTRIES, Math.ceil(n / 64));
}

function bad(i: number, reason: string): VerdictError {
  return new VerdictError('bad-model-contribution', `contribution ${i}: ${reason}`);
}

/**
 * The i-th contribution's delta, decoded and checked against the bounds above for a parent of
 * `growth`. Throws VerdictError('bad-model-contribution') only.
 */
export function decodeContribution(bytes: Uint8Array, i: number, growth: Growth): SparseDelta {
  if (!(bytes instanceof Uint8Array)) throw bad(i, 'delta is not bytes');
  if (bytes.length > MAX_CONTRIBUTION_DELTA_SIZE) {
    throw bad(i, `delta of ${bytes.length} bytes, above ${MAX_CONTRIBUTION_DELTA_SIZE}`);
  }
  let d: SparseDelta;
  try {
    d = decodeSparseDelta(bytes);
  } catch (e) {
    if (e instanceof TrainingError) throw bad(i, e.message);
    throw e;
  }
  checkContribution(d, i, growth);
  return d;
}

/**
 * The bounds above on a decoded delta (the i-th contribution) for a parent of `growth`. Throws
 * VerdictError('bad-model-contribution') only.
 */
export function checkContribution(d: SparseDelta, i: number, growth: Growth): void {
  if (!sameGrowth(d.growth, growth)) {
    throw bad(i, `delta for growth [${d.growth.join(',')}], parent model at [${growth.join(',')}]`);
  }
  let nonZero = false;
  d.w.forEach((t, li) => {
    const max = maxContributionEntries(t.size);
    if (t.idx.length > max) {
      throw bad(i, `weight tensor ${li} has ${t.idx.length} non-zero steps, above ${max}`);
    }
    if (t.idx.length > 0) nonZero = true;
  });
  if (!nonZero && d.b.every((t) => t.idx.length === 0)) throw bad(i, 'zero delta');
}
