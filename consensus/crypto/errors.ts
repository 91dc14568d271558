import { QenexError } from '../errors.js';

/** Failures of signing and key derivation (verification never fails: it returns false). */
export type CryptoErrorType =
  | { code: 'CRYPTO_BAD_LENGTH'; what: 'message' | 'secretKey' | 'auxRand'; expected: number; actual: number }
  | { code: 'CRYPTO_INVALID_SECRET_KEY' }
  | { code: 'CRYPTO_SIGN_FAILED' };

export class CryptoError extends QenexError<CryptoErrorType> {
  constructor(type: CryptoErrorType, message?: string) {
    super(type, message ?? describeCrypto(type));
    this.name = 'CryptoError';
  }
}

function describeCrypto(t: CryptoErrorType): string {
  switch (t.code) {
    case 'CRYPTO_BAD_LENGTH':
      return `${t.what} must be ${t.expected} bytes, got ${t.actual}`;
    case 'CRYPTO_INVALID_SECRET_KEY':
      return 'secret key is not in [1, n-1]';
    case 'CRYPTO_SIGN_FAILED':
      return 'signing failed';
  }
}
