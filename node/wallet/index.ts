/** The node's wallet service: the wallet library plugged into the chain and the mempool. */
export { TrustOracle, type WalletBalances, walletBalances } from './balance.js';
export { WalletServiceError, type WalletServiceErrorType } from './errors.js';
export {
  DEFAULT_SAVE_DELAY_MS,
  MAX_UNLOCK_SECONDS,
  type ResolvedWalletServiceOptions,
  resolveWalletServiceOptions,
  WALLET_FILE_NAME,
  WALLET_STATE_FILE_NAME,
  type WalletServiceOptions,
} from './options.js';
export { WalletService } from './service.js';
export type {
  UnlockStatus,
  WalletServiceChain,
  WalletServiceDeps,
  WalletServiceMempool,
} from './types.js';
