/** Fee estimation (Bitcoin Core's estimatesmartfee) from recent blocks' fee rates and the mempool. */
export { FeeEstimatorError, type FeeEstimatorErrorType } from './errors.js';
export { FeeEstimator } from './estimator.js';
export {
  FEE_ESTIMATOR_DEFAULTS,
  type FeeEstimatorOptions,
  type FeeModeOptions,
  MAX_CONF_TARGET,
  type ResolvedFeeEstimatorOptions,
  resolveFeeEstimatorOptions,
} from './options.js';
export type {
  BlockFeeStats,
  FeeEstimate,
  FeeEstimateMode,
  FeeEstimatorChain,
  FeeEstimatorDeps,
  FeeEstimatorMempool,
} from './types.js';
