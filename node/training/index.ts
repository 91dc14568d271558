/** The node's training service and delta pool. */
export { DeltaPool, type DeltaPoolDeps, type DeltaPoolOptions, type DeltaPoolStats } from './deltaPool.js';
export { type DeltaRejectLevel, NodeTrainingError, type NodeTrainingErrorType } from './errors.js';
export { UpdateProposer, type UpdateProposerDeps, type UpdateProposerOptions } from './proposer.js';
export {
  loadTrainingKey,
  shardFor,
  TRAINING_KEY_FILE,
  type TrainingChain,
  TrainingService,
  type TrainingServiceDeps,
  type TrainingServiceOptions,
  type TrainingStats,
  type TrainingTip,
} from './service.js';
