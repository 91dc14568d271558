/** Public API of the training layer. */
export {
  ARCH,
  archAt,
  DELTA_B_MAX,
  DELTA_W_MAX,
  DOMAINS,
  type Domain,
  type HeadSpec,
  type LayerSpec,
  LEVELED_DOMAINS,
  MAX_GROWTH,
  MODEL_VERSION,
  NO_GROWTH,
  parameterCount,
} from './arch.js';
export {
  checkDensity,
  compressUpdate,
  DEFAULT_DELTA_DENSITY,
  MIN_DELTA_ENTRIES,
} from './compress.js';
export {
  applyModelDelta,
  DELTA_VERSION,
  decodeDelta,
  decodeSparseDelta,
  denseDeltaBytes,
  diffModels,
  encodeDelta,
  isZeroDelta,
  MAX_DELTA_BYTES,
  type ModelDelta,
  type SparseDelta,
  type TensorEntries,
  tensorEntries,
  toDenseDelta,
  zeroDelta,
} from './delta.js';
export { TrainingError, type TrainingErrorCode, type TrainingErrorType } from './errors.js';
export {
  createNetworkEvaluator,
  type DomainScore,
  HELD_OUT_LM,
  HELD_OUT_MATH,
  type NetworkEvaluator,
  type NetworkEvaluatorOptions,
  networkEvaluator,
} from './evaluator.js';
export {
  AGGREGATION_RULES,
  type AggregateOptions,
  type AggregationRule,
  aggregateDeltas,
  combineContributions,
  cosine,
  DeltaPool,
  type DeltaPoolDeps,
  type DeltaPoolOptions,
  type DeltaPoolStats,
  type DeltaRejectLevel,
  DUPLICATE_THRESHOLD_100,
  decodeContribution,
  decodeSignedDelta,
  encodeSignedDelta,
  FEDERATION_RULES,
  FederationError,
  type FederationErrorType,
  type FederationRule,
  MAX_CONTRIBUTION_DENSITY,
  MAX_SIGNED_DELTA_BYTES,
  maxContributionEntries,
  nearDuplicate,
  type Proposal,
  type ProposalContext,
  type ProposerLogger,
  pairwiseDots,
  type SignDeltaInput,
  type SignedDelta,
  signDelta,
  signedDeltaSighash,
  toContribution,
  UpdateProposer,
  type UpdateProposerDeps,
  type UpdateProposerOptions,
  uniqueDeltas,
  type VerifiedDelta,
  verifySignedDelta,
  weightNorm,
} from './federation/index.js';
export {
  defaultTrainKernel,
  dequantizeModel,
  type FloatHead,
  jsTrainKernel,
  loadWasmTrainKernel,
  type TrainKernel,
  type TrainKernelChoice,
  type TrainKernelName,
  trainKernel,
  wasmTrainerPath,
} from './float/index.js';
export { defaultKernel, jsKernel, loadWasmKernel, type ScoreKernel, wasmKernelPath } from './kernel/index.js';
export { LOSS_ONE_BIT, lossZ } from './kernel/loss.js';
export {
  CLASSES,
  FEATURES,
  improvingDelta,
  initialModel,
  type LinearModel,
  linearEvaluator,
  sampleAt,
} from './linear.js';
export { LocalTrainer, type LocalTrainerOptions } from './local.js';
export {
  cloneModel,
  decodeNetworkModel,
  encodeNetworkModel,
  growNetworkModel,
  initialNetworkModel,
  modelGrowth,
  type NetworkModel,
  networkModelHash,
  type QuantHead,
  type QuantLayer,
} from './model.js';
export {
  type AggregationOptions,
  aggregationOptions,
  DEFAULT_AGGREGATION_OPTIONS,
  DEFAULT_TRAINER_OPTIONS,
  type TrainerOptions,
  trainerOptions,
} from './options.js';
export { ScoreHelper, type ScoreHelperOptions, type ScoreJob, type ScoreTicket } from './parallel/helper.js';
export {
  type ImprovementJob,
  ImprovementWorker,
  type ImprovementWorkerDeps,
  type ImprovementWorkerOptions,
  type JobReport,
} from './parallel/improvement.js';
export { lowerThreadPriority, SCORING_NICE } from './parallel/priority.js';
export type { JobTiming } from './parallel/threadTime.js';
export { domainCount, evalBatch, mathBatch, sampleDomain, sampleIndex, sampleRow } from './sampling.js';
export type { ShardSpec } from './shard.js';
export { Trainer, type TrainerDeps, type TrainerSnapshot, type WorkerScore } from './trainer.js';
export {
  type GenerateOptions,
  generateText,
  MAX_GENERATE_CHARS,
  MAX_PROMPT_CHARS,
  type MathPrediction,
  type NextCharPrediction,
  predictMath,
  predictNextChars,
} from './use.js';
