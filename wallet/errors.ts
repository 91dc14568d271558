/**
 * Wallet errors. Every failure carries a stable `code` the RPC layer maps to a JSON-RPC error;
 * amounts in error details are bigint base units.
 */
import { QenexError } from '../consensus/index.js';

export type WalletErrorType =
  // addresses
  | { code: 'ADDRESS_INVALID'; reason: string }
  | { code: 'ADDRESS_WRONG_NETWORK'; expected: string; got: string }
  // keys
  | { code: 'MNEMONIC_INVALID'; reason: string }
  | { code: 'XPUB_INVALID'; reason: string }
  /** The wallet holds no private keys (opened without the passphrase, or locked again). */
  | { code: 'WALLET_LOCKED' }
  // keystore
  | { code: 'WRONG_PASSPHRASE' }
  | { code: 'PASSPHRASE_INVALID'; reason: string }
  /** Not a keystore this version understands (bad JSON, missing fields, unknown version or algorithms). */
  | { code: 'KEYSTORE_INVALID'; reason: string }
  /** The passphrase is right but the ciphertext or its header was altered. */
  | { code: 'KEYSTORE_CORRUPT'; reason: string }
  | { code: 'KEYSTORE_EXISTS'; path: string }
  | { code: 'KEYSTORE_IO'; op: string; path: string; reason: string }
  | { code: 'NETWORK_MISMATCH'; expected: string; got: string }
  // sending
  | { code: 'AMOUNT_INVALID'; reason: string }
  | { code: 'AMOUNT_DUST'; amount: bigint; threshold: bigint }
  | { code: 'INSUFFICIENT_FUNDS'; available: bigint; needed: bigint; amount: bigint; fee: bigint }
  | { code: 'FEE_RATE_INVALID'; feeRate: bigint; min: bigint; max: bigint }
  | { code: 'TX_TOO_LARGE'; size: number; max: number }
  // chain following and state
  | { code: 'BLOCK_NOT_CONNECTING'; reason: string }
  | { code: 'CHAIN_BLOCK_MISSING'; what: string }
  | { code: 'STATE_INVALID'; reason: string }
  | { code: 'STATE_MISMATCH'; reason: string }
  | { code: 'LABEL_INVALID'; reason: string }
  | { code: 'OPTIONS_INVALID'; option: string; reason: string }
  /** A wallet invariant broke (a bug): nothing was recorded. */
  | { code: 'WALLET_INTERNAL'; reason: string };

export type WalletErrorCode = WalletErrorType['code'];

export class WalletError extends QenexError<WalletErrorType> {
  constructor(type: WalletErrorType, message?: string) {
    super(type, message ?? describeWallet(type));
    this.name = 'WalletError';
  }
}

/** Formats base units as a decimal QXC amount (8 decimals), for messages. */
export function formatUnits(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a / 100_000_000n;
  const frac = (a % 100_000_000n).toString().padStart(8, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

function describeWallet(t: WalletErrorType): string {
  switch (t.code) {
    case 'ADDRESS_INVALID':
      return `invalid address: ${t.reason}`;
    case 'ADDRESS_WRONG_NETWORK':
      return `address is for prefix '${t.got}', this network uses '${t.expected}'`;
    case 'MNEMONIC_INVALID':
      return `invalid mnemonic: ${t.reason}`;
    case 'XPUB_INVALID':
      return `invalid extended public key: ${t.reason}`;
    case 'WALLET_LOCKED':
      return 'wallet is locked: unlock it with its passphrase first';
    case 'WRONG_PASSPHRASE':
      return 'wrong passphrase';
    case 'PASSPHRASE_INVALID':
      return `invalid passphrase: ${t.reason}`;
    case 'KEYSTORE_INVALID':
      return `invalid keystore: ${t.reason}`;
    case 'KEYSTORE_CORRUPT':
      return `keystore is corrupt: ${t.reason}`;
    case 'KEYSTORE_EXISTS':
      return `a keystore already exists at ${t.path}`;
    case 'KEYSTORE_IO':
      return `keystore ${t.op} failed for ${t.path}: ${t.reason}`;
    case 'NETWORK_MISMATCH':
      return `wallet is for network '${t.got}', expected '${t.expected}'`;
    case 'AMOUNT_INVALID':
      return `invalid amount: ${t.reason}`;
    case 'AMOUNT_DUST':
      return `amount ${t.amount} is below the dust threshold ${t.threshold}`;
    case 'INSUFFICIENT_FUNDS':
      return (
        `insufficient funds: available ${formatUnits(t.available)} QXC, needed ${formatUnits(t.needed)} QXC ` +
        `(amount ${formatUnits(t.amount)} + fee ${formatUnits(t.fee)})`
      );
    case 'FEE_RATE_INVALID':
      return `fee rate ${t.feeRate} units/kB outside [${t.min}, ${t.max}]`;
    case 'TX_TOO_LARGE':
      return `transaction of ${t.size} bytes exceeds ${t.max} bytes (too many inputs)`;
    case 'BLOCK_NOT_CONNECTING':
      return `block does not connect to the wallet's tip: ${t.reason}`;
    case 'CHAIN_BLOCK_MISSING':
      return `chain has no ${t.what}`;
    case 'STATE_INVALID':
      return `invalid wallet state: ${t.reason}`;
    case 'STATE_MISMATCH':
      return `wallet state belongs to another wallet: ${t.reason}`;
    case 'LABEL_INVALID':
      return `invalid label: ${t.reason}`;
    case 'OPTIONS_INVALID':
      return `invalid wallet option ${t.option}: ${t.reason}`;
    case 'WALLET_INTERNAL':
      return `wallet internal error: ${t.reason}`;
  }
}
