/** The node's training service (the delta's life itself is training/federation). */
export { NodeTrainingError, type NodeTrainingErrorType } from './errors.js';
export { payoutPubKeyHash } from './payout.js';
export { NodeScoring, type NodeScoringDeps } from './scoring.js';
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
