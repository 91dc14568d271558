import { OUTPOINT_SIZE, OUTPUT_SIZE, WITNESS_SIZE } from '../../consensus/index.js';
import type { FeeEstimateMode } from './types.js';

/** Bitcoin Core's largest confirmation target (its longest estimation horizon). */
export const MAX_CONF_TARGET = 1008;

/** Size of the smallest transaction (one input, one output, one witness): what a full block has no room for. */
export const MIN_TX_SIZE = 4 + 1 + OUTPOINT_SIZE + 1 + OUTPUT_SIZE + 4 + WITNESS_SIZE;

/** How far one mode looks back: `windows` windows of `target` blocks, `percent` of which must have confirmed. */
export interface FeeModeOptions {
  readonly windows: number;
  readonly percent: number;
}

export interface FeeEstimatorOptions {
  readonly modes?: Partial<Record<FeeEstimateMode, FeeModeOptions>>;
  /** Blocks whose fee statistics are kept in memory. */
  readonly cachedBlocks?: number;
}

export interface ResolvedFeeEstimatorOptions {
  readonly modes: Readonly<Record<FeeEstimateMode, FeeModeOptions>>;
  readonly cachedBlocks: number;
}

export const FEE_ESTIMATOR_DEFAULTS: ResolvedFeeEstimatorOptions = {
  modes: {
    economical: { windows: 12, percent: 85 },
    conservative: { windows: 48, percent: 95 },
  },
  // the longest look-back (MAX_CONF_TARGET + 47 blocks) twice over
  cachedBlocks: 2 * (MAX_CONF_TARGET + 48),
};

export function resolveFeeEstimatorOptions(opts: FeeEstimatorOptions): ResolvedFeeEstimatorOptions {
  return {
    modes: { ...FEE_ESTIMATOR_DEFAULTS.modes, ...opts.modes },
    cachedBlocks: opts.cachedBlocks ?? FEE_ESTIMATOR_DEFAULTS.cachedBlocks,
  };
}
