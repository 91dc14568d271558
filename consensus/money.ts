/**
 * Issuance rules. All amounts are bigint base units; 1 QXC = COIN units.
 *
 * Base schedule: the block at height h (genesis is height 0) has base subsidy
 *   initialSubsidy >> floor(h / halvingInterval), and 0 from the 64th halving on.
 * Improvement bonus: a block with verified improvement p (parts per million) earns
 *   bonus = floor(base * min(p, maxImprovementPpm) / 1_000_000).
 * Supply cap (the rule): a block's reward is min(base + bonus, maxSupply - issuedBefore), where
 *   issuedBefore is everything issued by its ancestors. Total issuance can therefore never pass
 *   maxSupply; once it reaches maxSupply every later reward is 0. A chain state with
 *   issuedBefore > maxSupply is invalid ('bad-supply').
 * Split: the reward is paid floor(total * genesisSharePercent / 100) to the network's genesis
 *   address and the rest (which absorbs the rounding) to the miner side.
 * Contributors: a block whose model update claims p ppm (claimedPpm, never more than the verified
 *   improvement) has bonus = reward(p) − reward(0), both capped as above. Of the miner side,
 *   pool = floor(bonus * contributorSharePercent / 100) is owed to the update's contributors, each
 *   floor(pool * samples_i / Σ samples) in the update's order (a zero share gets no output); the
 *   rounding stays with the miner. So with 20% / 40%: the bonus goes 20% to the genesis address,
 *   40% to the contributors, 40% to the miner; the base subsidy and fees to genesis and miner.
 */
import { VerdictError } from './errors.js';
import type { NetworkParams } from './params/types.js';

export const COIN = 100_000_000n;

/** Improvement is measured in parts per million. */
export const PPM = 1_000_000n;

/** After this many halvings the base subsidy is zero (as Bitcoin: a shift by >= 64 is 0). */
export const MAX_HALVINGS = 64;

export type SubsidyParams = Pick<NetworkParams, 'initialSubsidy' | 'halvingInterval'>;
export type RewardParams = Pick<
  NetworkParams,
  'initialSubsidy' | 'halvingInterval' | 'maxSupply' | 'maxImprovementPpm'
>;

/** Base subsidy (no improvement bonus) of the block at `height`. Throws 'bad-cb-height' for a bad height. */
export function baseSubsidy(height: number, params: SubsidyParams): bigint {
  checkHeight(height);
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= MAX_HALVINGS) return 0n;
  return params.initialSubsidy >> BigInt(halvings);
}

export interface RewardInput {
  /** Height of the block being rewarded (genesis = 0). */
  readonly height: number;
  /** Verified improvement of the block in ppm (0 when the block carries no model update). */
  readonly improvementPpm: number;
  /** Total issued by all blocks before this one (its ancestors, genesis included). */
  readonly issuedBefore: bigint;
}

/**
 * Maximum coinbase reward of a block (see the module comment for the rule). Throws VerdictError
 * 'bad-supply' if issuedBefore is negative or above maxSupply, 'bad-model-improvement' if
 * improvementPpm is not a non-negative integer, 'bad-cb-height' for a bad height.
 */
export function blockReward(input: RewardInput, params: RewardParams): bigint {
  const { height, improvementPpm, issuedBefore } = input;
  if (issuedBefore < 0n || issuedBefore > params.maxSupply) {
    throw new VerdictError(
      'bad-supply',
      `issued before block ${issuedBefore} outside [0, ${params.maxSupply}]`,
    );
  }
  const base = baseSubsidy(height, params);
  const bonus = (base * cappedImprovement(improvementPpm, params)) / PPM;
  const remaining = params.maxSupply - issuedBefore;
  const uncapped = base + bonus;
  // Supply cap (bigint: Math.min does not apply).
  if (uncapped > remaining) return remaining;
  return uncapped;
}

/** min(improvementPpm, maxImprovementPpm) as bigint; rejects negative or non-integer improvement. */
export function cappedImprovement(
  improvementPpm: number,
  params: Pick<NetworkParams, 'maxImprovementPpm'>,
): bigint {
  if (!Number.isSafeInteger(improvementPpm) || improvementPpm < 0) {
    throw new VerdictError(
      'bad-model-improvement',
      `improvement ${improvementPpm} ppm is not a natural number`,
    );
  }
  return BigInt(Math.min(improvementPpm, params.maxImprovementPpm));
}

/** Split a coinbase total between the genesis address and the miner side (miner gets the rounding). */
export function splitCoinbase(
  total: bigint,
  params: Pick<NetworkParams, 'genesisSharePercent'>,
): { genesis: bigint; miner: bigint } {
  if (total < 0n) {
    throw new VerdictError('bad-cb-amount', `negative coinbase total ${total}`);
  }
  const genesis = (total * params.genesisSharePercent) / 100n;
  return { genesis, miner: total - genesis };
}

/** The improvement bonus a block claiming `claimedPpm` may add: reward(claimed) − reward(0). */
export function improvementBonus(input: RewardInput, params: RewardParams): bigint {
  return blockReward(input, params) - blockReward({ ...input, improvementPpm: 0 }, params);
}

export interface Payout {
  readonly pubKeyHash: Uint8Array;
  readonly value: bigint;
}

/**
 * What the coinbase owes each contributor of a model update given its bonus (see the module
 * comment): in the contributors' order, zero shares left out. Throws 'bad-model-contributors' if
 * the sample total is not positive.
 */
export function contributorPayouts(
  bonus: bigint,
  contributors: readonly { readonly pubKeyHash: Uint8Array; readonly samples: number }[],
  params: Pick<NetworkParams, 'contributorSharePercent'>,
): Payout[] {
  if (bonus < 0n) throw new VerdictError('bad-cb-amount', `negative bonus ${bonus}`);
  const pool = (bonus * params.contributorSharePercent) / 100n;
  if (pool === 0n) return [];
  let total = 0n;
  for (const c of contributors) total += BigInt(c.samples);
  if (total <= 0n) throw new VerdictError('bad-model-contributors', 'contributors report no samples');
  const out: Payout[] = [];
  for (const c of contributors) {
    const value = (pool * BigInt(c.samples)) / total;
    if (value > 0n) out.push({ pubKeyHash: c.pubKeyHash, value });
  }
  return out;
}

/** Bitcoin's MoneyRange: 0 <= v <= maxSupply. */
export function isMoneyRange(v: bigint, params: Pick<NetworkParams, 'maxSupply'>): boolean {
  return v >= 0n && v <= params.maxSupply;
}

/** Sum of the base subsidy over all heights, computed era by era (at most 64 terms). */
export function totalBaseIssuance(params: SubsidyParams): bigint {
  let total = 0n;
  const interval = BigInt(params.halvingInterval);
  for (let era = 0; era < MAX_HALVINGS; era++) {
    total += interval * (params.initialSubsidy >> BigInt(era));
  }
  return total;
}

/**
 * Base-schedule issuance of heights 0..height INCLUSIVE (the total after block `height` is
 * connected, ignoring improvement bonuses and the cap), in closed form per era.
 */
export function issuedAtHeight(height: number, params: SubsidyParams): bigint {
  checkHeight(height);
  const blocks = height + 1;
  const fullEras = Math.floor(blocks / params.halvingInterval);
  const rest = BigInt(blocks % params.halvingInterval);
  const interval = BigInt(params.halvingInterval);
  let total = 0n;
  for (let era = 0; era < Math.min(fullEras, MAX_HALVINGS); era++) {
    total += interval * (params.initialSubsidy >> BigInt(era));
  }
  if (fullEras < MAX_HALVINGS) total += rest * (params.initialSubsidy >> BigInt(fullEras));
  return total;
}

function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new VerdictError('bad-cb-height', `height ${height} is not a natural number`);
  }
}
