/**
 * Difficulty retargeting, as Bitcoin's GetNextWorkRequired / CalculateNextWorkRequired (without
 * testnet's 20-minute min-difficulty rule).
 *
 * Every `retargetInterval` blocks (at heights h with h % retargetInterval === 0, h > 0) the target
 * is scaled by actualTimespan / expectedTimespan, where
 *   expectedTimespan = retargetInterval * targetSpacing
 *   actualTimespan   = time(block h-1) - time(block h-retargetInterval)
 * clamped to [floor(expected / 4), expected * 4]. Like Bitcoin this measures retargetInterval-1
 * block spacings (the historical off-by-one is kept on purpose: it is the documented rule).
 * The new target is computed from the parent's decoded compact target, capped at powLimit, and
 * re-encoded canonically. At all other heights, and always when `noRetargeting` is set, the new
 * block's bits equal its parent's.
 */
import { VerdictError } from '../errors.js';
import type { NetworkParams } from '../params/types.js';
import { bitsToTarget, targetToBits } from './compact.js';

export type RetargetParams = Pick<
  NetworkParams,
  'powLimitBits' | 'targetSpacing' | 'retargetInterval' | 'noRetargeting'
>;

/** Plain data the caller reads from its chain index. All times are header `time` fields (seconds). */
export interface RetargetContext {
  /** Height of the NEW block whose bits are being computed (>= 1; genesis bits come from params). */
  readonly height: number;
  /** `bits` of the parent block (height - 1). */
  readonly parentBits: number;
  /** `time` of the parent block (height - 1). */
  readonly parentTime: number;
  /**
   * `time` of the block at height `height - retargetInterval` (the first block of the interval
   * that ends at the parent; see `retargetStartHeight`). Read only at retarget heights; at other
   * heights any value is ignored.
   */
  readonly intervalStartTime: number;
}

/** True when a block at `height` starts a new difficulty period (and retargeting is on). */
export function isRetargetHeight(height: number, params: RetargetParams): boolean {
  return !params.noRetargeting && height > 0 && height % params.retargetInterval === 0;
}

/**
 * Height of the block whose time the caller must pass as `intervalStartTime` for a new block at
 * `height`, or null when that height does not retarget (no start time is needed).
 */
export function retargetStartHeight(height: number, params: RetargetParams): number | null {
  return isRetargetHeight(height, params) ? height - params.retargetInterval : null;
}

/**
 * Required compact bits for the block at `ctx.height`. Throws VerdictError('bad-diffbits') if
 * `ctx.height` is not an integer >= 1 or `ctx.parentBits` is not a valid compact target.
 */
export function nextBits(ctx: RetargetContext, params: RetargetParams): number {
  if (!Number.isSafeInteger(ctx.height) || ctx.height < 1) {
    throw new VerdictError('bad-diffbits', `retarget height ${ctx.height} must be an integer >= 1`);
  }
  if (!isRetargetHeight(ctx.height, params)) {
    bitsToTarget(ctx.parentBits); // parent bits must at least be valid
    return ctx.parentBits;
  }
  const expected = BigInt(params.retargetInterval) * BigInt(params.targetSpacing);
  const minSpan = expected / 4n;
  const maxSpan = expected * 4n;
  let actual = BigInt(ctx.parentTime) - BigInt(ctx.intervalStartTime);
  if (actual < minSpan) actual = minSpan;
  if (actual > maxSpan) actual = maxSpan;

  const powLimit = bitsToTarget(params.powLimitBits);
  let target = (bitsToTarget(ctx.parentBits) * actual) / expected;
  if (target > powLimit) target = powLimit;
  // Bitcoin would encode a zero target as bits 0, which no block can meet; the hardest
  // representable target is 1. Unreachable with a realistic powLimit, kept for totality.
  if (target < 1n) target = 1n;
  return targetToBits(target);
}

/** Header bits must equal the required bits exactly: VerdictError('bad-diffbits') otherwise. */
export function checkBits(headerBits: number, expected: number): void {
  if (headerBits !== expected) {
    throw new VerdictError(
      'bad-diffbits',
      `header bits 0x${(headerBits >>> 0).toString(16)} != required 0x${(expected >>> 0).toString(16)}`,
    );
  }
}
