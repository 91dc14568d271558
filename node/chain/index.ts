export { Chain } from './chain.js';
export type { ChainErrorType } from './errors.js';
export { ChainError } from './errors.js';
export type { ChainOptions } from './options.js';
export { defaultChainOptions, resolveChainOptions } from './options.js';
export type {
  ChainBlockEvent,
  ChainConnectEvent,
  ChainDeps,
  ChainEvents,
  ChainReorgEvent,
  ConnectTiming,
  NextBlockContext,
  ProcessResult,
  ProcessStatus,
  VerifyReport,
} from './types.js';
export type { UtxoStats } from './utxoStats.js';
export type { VerifyDeps } from './verify.js';
export { replayStoredChain, verifyStoredChain } from './verify.js';
