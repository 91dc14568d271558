/**
 * Fork choice weight. A block's weight is its proof-of-work scaled by its verified improvement:
 *   weight = floor(work * (1_000_000 + min(improvementPpm, maxImprovementPpm)) / 1_000_000)
 * so zero work always gives zero weight, whatever the improvement (no weight without work).
 * A chain's weight is the sum of its blocks' weights; the best chain has the greatest cumulative
 * weight, and among equal weights the tip seen first (lowest `seq`) wins.
 */
import { VerdictError } from './errors.js';
import { cappedImprovement, PPM } from './money.js';
import type { NetworkParams } from './params/types.js';
import { workFromBits } from './pow/work.js';

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
  /** Cumulative weight of the chain ending at this tip. */
  readonly weight: bigint;
  /** Order in which the node first saw the tip; lower = earlier. */
  readonly seq: number;
}

/**
 * Compare two chain tips: returns 1 if `a` is the better chain, -1 if `b` is, 0 if they tie on
 * both weight and seq. Higher weight wins; on equal weight the lower seq (first seen) wins.
 * To sort best-first: `tips.sort((x, y) => compareChainWeight(y, x))`.
 */
export function compareChainWeight(a: ChainTip, b: ChainTip): -1 | 0 | 1 {
  if (a.weight !== b.weight) return a.weight > b.weight ? 1 : -1;
  if (a.seq !== b.seq) return a.seq < b.seq ? 1 : -1;
  return 0;
}
