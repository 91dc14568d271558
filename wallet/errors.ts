import { QenexError } from '../consensus/index.js';

export type WalletErrorType =
  | { code: 'ADDRESS_INVALID'; reason: string }
  | { code: 'ADDRESS_WRONG_NETWORK'; expected: string; got: string };

export class WalletError extends QenexError<WalletErrorType> {
  constructor(type: WalletErrorType, message?: string) {
    super(type, message);
    this.name = 'WalletError';
  }
}
