export { formatEta, formatPercent } from './format.js';
export {
  CHAIN_LOG_DEFAULTS,
  type ChainLogOptions,
  SYNC_STATE_DEFAULTS,
  type SyncStateOptions,
} from './options.js';
export { ChainLog, type ChainLogDeps, LogSyncReporter, type TipEvent } from './report.js';
export { SyncState, type SyncStateDeps } from './state.js';
export type { Clock, SyncReporter, SyncStatus, SyncStep, SyncTip } from './types.js';
