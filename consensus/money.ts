/**
 * Issuance rules. All amounts are bigint base units; 1 QXC = COIN units.
 *
 * Base schedule: the block at height h (genesis is height 0) has base subsidy
 *   initialSubsidy >> floor(h / halvingInterval), and 0 from the 64th halving on.
 * Improvement bonus: a block whose update claims p ppm (claimedPpm, never more than the verified
 *   improvement) earns bonus = floor(base * min(bonusScale * min(p, maxImprovementPpm), 10^6) / 10^6):
 *   with bonusScale 10, a verified gain of 1% of the evaluation sample adds 10% of the base
 *   subsidy, and the bonus never exceeds one base subsidy.
 * Supply cap (the rule): a block's reward is min(base + bonus, maxSupply - issuedBefore), where
 *   issuedBefore is everything issued by its ancestors. Total issuance can therefore never pass
 *   maxSupply; once it reaches maxSupply every later reward is 0. A chain state with
 *   issuedBefore > maxSupply is invalid ('bad-supply').
 * Split: what a block's coinbase creates for the block itself, plus its contributors' pool, is
 *   split floor(total * genesisSharePercent / 100) to the network's genesis address and the rest
 *   (which absorbs the rounding) to the miner side.
 * Contributors: of the miner side, pool = floor(bonus * contributorSharePercent / 100) belongs to
 *   the update's contributors, where bonus = reward(p) − reward(0), both capped as above. The
 *   block's own coinbase leaves the pool out; each contribution is credited by what it measurably
 *   added on the block's evaluation sample (poi/credit.ts) and paid
 *   floor(pool * credit_i / Σ credit) (credits of one payout address summed, first-seen order,
 *   zero shares left out) by the NEXT block's coinbase, right after its genesis output: the
 *   credit depends on the block's own hash, which its miner cannot know while building it. The
 *   pool counts as issued by the block that earns it, so what is not paid (rounding, or a block
 *   whose contributions all have zero credit) is never created, and the miner gains nothing by
 *   leaving contributors unpaid. With 20% / 60%: the bonus goes 20% to the genesis address, 60%
 *   to the contributors, 20% to the miner; the base subsidy and fees to genesis and miner.
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
  'initialSubsidy' | 'halvingInterval' | 'maxSupply' | 'maxImprovementPpm' | 'bonusScale'
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
  let scaled = cappedImprovement(improvementPpm, params) * params.bonusScale;
  if (scaled > PPM) scaled = PPM;
  const bonus = (base * scaled) / PPM;
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

/** The contributors' pool of a block whose update earns `bonus` (see the module comment). */
export function contributorPool(
  bonus: bigint,
  params: Pick<NetworkParams, 'contributorSharePercent'>,
): bigint {
  if (bonus < 0n) throw new VerdictError('bad-cb-amount', `negative bonus ${bonus}`);
  return (bonus * params.contributorSharePercent) / 100n;
}

export interface Credit {
  readonly pubKeyHash: Uint8Array;
  /** Measured credit (poi/credit.ts), a natural number. */
  readonly credit: number;
}

/**
 * What the next block's coinbase owes the contributors of a pool (see the module comment): one
 * payout per address in first-seen order, floor(pool * credit / Σ credit), zero shares left out;
 * nothing when no credit is positive.
 */
export function creditPayouts(pool: bigint, credits: readonly Credit[]): Payout[] {
  if (pool < 0n) throw new VerdictError('bad-cb-amount', `negative pool ${pool}`);
  const byAddress = new Map<string, { pubKeyHash: Uint8Array; credit: bigint }>();
  let total = 0n;
  for (const c of credits) {
    if (!Number.isSafeInteger(c.credit) || c.credit < 0) {
      throw new VerdictError('bad-model-contributors', `credit ${c.credit} is not a natural number`);
    }
    if (c.credit === 0) continue;
    const k = hexKey(c.pubKeyHash);
    const held = byAddress.get(k);
    if (held) held.credit += BigInt(c.credit);
    else byAddress.set(k, { pubKeyHash: c.pubKeyHash, credit: BigInt(c.credit) });
    total += BigInt(c.credit);
  }
  if (total === 0n || pool === 0n) return [];
  const out: Payout[] = [];
  for (const a of byAddress.values()) {
    const value = (pool * a.credit) / total;
    if (value > 0n) out.push({ pubKeyHash: a.pubKeyHash, value });
  }
  return out;
}

function hexKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
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
