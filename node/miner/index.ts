export type { MinerErrorType } from './errors.js';
export { MinerError } from './errors.js';
export type { Grinder, GrindHit, InlineResult, PowEngine } from './grinder.js';
export {
  CryptoGrinder,
  createGrinder,
  grinderWasmPath,
  loadWasmGrinder,
  MAX_GRIND_COUNT,
  searchInline,
  WasmGrinder,
} from './grinder.js';
export type { HashRateOptions } from './hashRate.js';
export { HashRateMeter } from './hashRate.js';
export { DEFAULT_GENERATE_MAX_TRIES, GENERATE_RACE_RETRIES, Miner } from './miner.js';
export type { MinerOptions, ResolvedMinerOptions } from './options.js';
export {
  DEFAULT_TEMPLATE_REFRESH_MS,
  DEVNET_MIN_INTERVAL_MS,
  minerPubKeyHash,
  resolveMinerOptions,
} from './options.js';
export { meetsTarget, powHash, targetBytes } from './pow.js';
export type { PowEngineChoice } from './powProtocol.js';
export type { PowJob, PowResult, PowWorkerDeps, PowWorkerOptions } from './powWorker.js';
export { MAX_JOB_NONCES, PowControl, PowWorker } from './powWorker.js';
export { buildTemplate, coinbaseTransaction, templateBlock } from './template.js';
export type {
  BlockTemplate,
  Clock,
  MinerChain,
  MinerDeps,
  MinerEvents,
  MinerMempool,
  MinerStatus,
  MinerUpdateSource,
  NextBlockContext,
  TemplateOptions,
  TemplateUpdate,
} from './types.js';
