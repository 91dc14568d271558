/** Wallet service options, with every default in one place, and the files it uses. */
import { join } from 'node:path';
import type { WalletOptions } from '../../wallet/index.js';
import { WalletServiceError } from './errors.js';

/** The encrypted keystore (`qenex wallet create|import` writes it; the node only reads it). */
export const WALLET_FILE_NAME = 'wallet.json';
/** The wallet's chain-following state (no keys), rewritten atomically as the chain moves. */
export const WALLET_STATE_FILE_NAME = 'wallet-state.bin';

export const DEFAULT_SAVE_DELAY_MS = 500;
/** Bitcoin Core caps walletpassphrase's timeout at 100,000,000 s (about 3 years). */
export const MAX_UNLOCK_SECONDS = 100_000_000;

export interface WalletServiceOptions {
  /** The node's data directory: holds wallet.json and wallet-state.bin. */
  readonly datadir: string;
  /** Unlock at start and stay unlocked until `lock()` (default: open locked). */
  readonly passphrase?: string;
  /** Wallet library options (gap limit, fee-rate bounds in units per 1000 bytes, ...). */
  readonly wallet?: WalletOptions;
  /** Delay between a change and the state write that includes it, ms. Default 500. */
  readonly saveDelayMs?: number;
}

export interface ResolvedWalletServiceOptions {
  readonly datadir: string;
  readonly passphrase: string | undefined;
  readonly wallet: WalletOptions;
  readonly saveDelayMs: number;
  readonly walletPath: string;
  readonly statePath: string;
}

export function resolveWalletServiceOptions(opts: WalletServiceOptions): ResolvedWalletServiceOptions {
  const saveDelayMs = opts.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS;
  if (!Number.isSafeInteger(saveDelayMs) || saveDelayMs < 0 || saveDelayMs > 60_000) {
    throw new WalletServiceError({
      code: 'WALLET_SERVICE_OPTIONS',
      option: 'saveDelayMs',
      reason: `${saveDelayMs} is not an integer in [0, 60000]`,
    });
  }
  if (typeof opts.datadir !== 'string' || opts.datadir.length === 0) {
    throw new WalletServiceError({ code: 'WALLET_SERVICE_OPTIONS', option: 'datadir', reason: 'empty' });
  }
  return Object.freeze({
    datadir: opts.datadir,
    passphrase: opts.passphrase,
    wallet: opts.wallet ?? {},
    saveDelayMs,
    walletPath: join(opts.datadir, WALLET_FILE_NAME),
    statePath: join(opts.datadir, WALLET_STATE_FILE_NAME),
  });
}
