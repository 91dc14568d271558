export type {
  MempoolErrorType,
  MempoolPolicyReason,
  MempoolRejectLevel,
  MempoolRejectReason,
} from './errors.js';
export { MEMPOOL_POLICY_REASONS, MempoolError } from './errors.js';
export { Mempool } from './mempool.js';
export type { MempoolOptions, ResolvedMempoolOptions } from './options.js';
export {
  DEFAULT_MAX_ANCESTORS,
  DEFAULT_MAX_DESCENDANTS,
  DEFAULT_MAX_ORPHAN_TX_SIZE,
  DEFAULT_MAX_ORPHANS,
  resolveMempoolOptions,
} from './options.js';
export type {
  AcceptResult,
  BlockSelection,
  MempoolChain,
  MempoolDeps,
  MempoolEntry,
  MempoolEvents,
  MempoolInfo,
  MempoolRemovedEvent,
  MempoolTxEvent,
  RemovalReason,
} from './types.js';
