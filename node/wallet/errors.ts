/** Errors of the node's wallet service (the wallet library's own errors stay `WalletError`). */
import { QenexError } from '../../consensus/index.js';

export type WalletServiceErrorType =
  /** The node runs without a wallet (no `<datadir>/wallet.json` when it started). */
  | { code: 'WALLET_NOT_LOADED'; path: string }
  /** Reading or writing `<datadir>/wallet-state.bin` failed. */
  | { code: 'WALLET_STATE_IO'; op: 'read' | 'write'; path: string; reason: string }
  | { code: 'WALLET_SERVICE_OPTIONS'; option: string; reason: string };

export class WalletServiceError extends QenexError<WalletServiceErrorType> {
  constructor(type: WalletServiceErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'WalletServiceError';
  }
}

function describe(t: WalletServiceErrorType): string {
  switch (t.code) {
    case 'WALLET_NOT_LOADED':
      return `no wallet is loaded: ${t.path} did not exist when the node started`;
    case 'WALLET_STATE_IO':
      return `cannot ${t.op} wallet state ${t.path}: ${t.reason}`;
    case 'WALLET_SERVICE_OPTIONS':
      return `invalid wallet service option ${t.option}: ${t.reason}`;
  }
}
