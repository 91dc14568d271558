/**
 * Fork choice weight. A block's weight is its proof-of-work scaled by its verified improvement:
 *   weight = floor(work * (1_000_000 + min(improvementPpm, maxImprovementPpm)) / 1_000_000)
 * so zero work always gives zero weight, whatever the improvement (no weight without work).
 * A chain's weight is the sum of its blocks' weights; the best chain has the greatest cumulative
 * weight; among equal weights every node picks the same tip (tieWinner).
 */
import { VerdictError } from './errors.js';
import { cappedImprovement, PPM } from './money.js';
import type { NetworkParams } from './params/types.js';
import { workFromBits } from './pow/work.js';
import { concatBytes, sha256Of } from './primitives/hash.js';

/** Weight of one block. Throws 'bad-model-improvement' for a negative/non-integer improvement. */
export function blockWeight(
  work: bigint,
  improvementPpm: number,
  params: Pick<NetworkParams, 'maxImprovementPpm'>,
): bigint {
  if (work < 0n) {
    throw new VerdictError('bad-diffbits', `negative work ${work}`);
  }
  return (work * (PPM + cappedImprovement(improvementPpm, params))) / PPM;
}

/**
 * The most weight a block with compact `bits` can add: its work at the improvement cap (×2 at
 * 1e6 ppm). A header proves its work but not its improvement (only verifying the block's model
 * update does), so this bounds what an unverified header chain can weigh: a branch whose bound
 * does not pass the best chain's weight cannot become the best chain, whatever its blocks hold.
 * Throws VerdictError('bad-diffbits') for bits that encode no valid target.
 */
export function maxBlockWeight(bits: number, params: Pick<NetworkParams, 'maxImprovementPpm'>): bigint {
  return blockWeight(workFromBits(bits), params.maxImprovementPpm, params);
}

/** Cumulative weight of a chain ending in a block: parent chain's weight plus the block's. */
export function cumulativeWeight(parentWeight: bigint, weight: bigint): bigint {
  if (parentWeight < 0n || weight < 0n) {
    throw new VerdictError('bad-diffbits', `negative chain weight ${parentWeight} + ${weight}`);
  }
  return parentWeight + weight;
}

export interface ChainTip {
  /** The tip block's hash. */
  readonly hash: Uint8Array;
  /** Cumulative weight of the chain ending at this tip. */
  readonly weight: bigint;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The tip every node picks among tips of equal weight, whatever order it saw them in: the tips'
 * hashes in ascending byte order are hashed together (sha256 of their concatenation), and that
 * digest's first 8 bytes, read big-endian, modulo the number of tips, index the sorted list.
 *
 * Why not the first seen (Bitcoin's rule): nodes that saw a tie's blocks in different orders stay
 * split until the next block, a minute or more one time in seven at 30 s spacing. Why not the
 * lowest hash: a miner who finds a block with a low hash knows it will win most ties and can
 * withhold it at little risk. Here the winner depends on every tied hash, so a miner withholding a
 * block cannot know its chance against a block not yet found: for two tips it wins half the ties
 * (Eyal and Sirer's γ = 1/2, which random tie-breaking gives), and every node still agrees.
 * Throws RangeError for no tips (a caller's bug); hashes are expected distinct.
 */
export function tieWinner<T extends Pick<ChainTip, 'hash'>>(tied: readonly T[]): T {
  if (tied.length === 0) throw new RangeError('tieWinner of no tips');
  if (tied.length === 1) return tied[0]!;
  const sorted = [...tied].sort((a, b) => compareBytes(a.hash, b.hash));
  const digest = sha256Of(concatBytes(...sorted.map((t) => t.hash)));
  let r = 0n;
  for (let i = 0; i < 8; i++) r = (r << 8n) | BigInt(digest[i]!);
  return sorted[Number(r % BigInt(sorted.length))]!;
}

/**
 * The best of `tips`: the greatest weight, and among tips of that weight the tieWinner.
 * Throws RangeError for no tips.
 */
export function bestTip<T extends ChainTip>(tips: Iterable<T>): T {
  let top: T[] = [];
  for (const t of tips) {
    if (top.length === 0 || t.weight > top[0]!.weight) top = [t];
    else if (t.weight === top[0]!.weight) top.push(t);
  }
  return tieWinner(top);
}
