/**
 * Wallet options, with every default in one place.
 *
 * Fee rates everywhere in the wallet are bigint base units per 1000 bytes of serialized
 * transaction (like Bitcoin's sat/kvB, and like the node config's `mempool.minFeeRate`). The fee
 * of a transaction of `size` bytes at rate r is ceil(r * size / 1000), so a transaction built at
 * rate r always satisfies the mempool's per-byte check `fee >= floor(r / 1000) * size`.
 */
import { WalletError } from './errors.js';

export interface WalletOptions {
  /** BIP44 account index (hardened). Default 0. */
  account?: number;
  /** Unused addresses watched past the last used or handed-out one, per chain (BIP44). Default 20. */
  gapLimit?: number;
  /** Fee rate floor, units/kB; also clamps node estimates. Default 1000 (1 unit per byte). */
  minFeeRate?: bigint;
  /** Fee rate used when the caller gives none and the node has no estimator. Default 1000. */
  fallbackFeeRate?: bigint;
  /** Highest fee rate accepted from a caller, units/kB. Default 10,000,000 (10,000 per byte). */
  maxFeeRate?: bigint;
  /**
   * Fee rate expected when a change output is spent later (branch-and-bound's waste metric and
   * cost of change, Bitcoin Core's long-term fee rate). Default 1000.
   */
  longTermFeeRate?: bigint;
  /** Largest transaction the wallet builds, bytes. Default 100,000 (Bitcoin's standard size). */
  maxTxSize?: number;
  /** Branch-and-bound search bound (tries). Default 100,000 (Bitcoin Core's TOTAL_TRIES). */
  bnbMaxTries?: number;
  /** Keystore scrypt cost: N = 2^scryptLogN, 15..20. Default 15 (r = 8, p = 1). */
  scryptLogN?: number;
}

export type ResolvedWalletOptions = Readonly<Required<WalletOptions>>;

export const DEFAULT_GAP_LIMIT = 20;
export const DEFAULT_MIN_FEE_RATE = 1000n;
export const DEFAULT_MAX_FEE_RATE = 10_000_000n;
export const DEFAULT_MAX_TX_SIZE = 100_000;
export const DEFAULT_BNB_MAX_TRIES = 100_000;
export const MIN_SCRYPT_LOG_N = 15;
export const MAX_SCRYPT_LOG_N = 20;
/** BIP32 hardened indices are below 2^31. */
const MAX_ACCOUNT = 0x7fff_ffff;

export function resolveWalletOptions(opts: WalletOptions = {}): ResolvedWalletOptions {
  const minFeeRate = opts.minFeeRate ?? DEFAULT_MIN_FEE_RATE;
  const r: ResolvedWalletOptions = {
    account: opts.account ?? 0,
    gapLimit: opts.gapLimit ?? DEFAULT_GAP_LIMIT,
    minFeeRate,
    fallbackFeeRate: opts.fallbackFeeRate ?? minFeeRate,
    maxFeeRate: opts.maxFeeRate ?? DEFAULT_MAX_FEE_RATE,
    longTermFeeRate: opts.longTermFeeRate ?? minFeeRate,
    maxTxSize: opts.maxTxSize ?? DEFAULT_MAX_TX_SIZE,
    bnbMaxTries: opts.bnbMaxTries ?? DEFAULT_BNB_MAX_TRIES,
    scryptLogN: opts.scryptLogN ?? MIN_SCRYPT_LOG_N,
  };
  requireInt('account', r.account, 0, MAX_ACCOUNT);
  requireInt('gapLimit', r.gapLimit, 1, 1000);
  requireInt('maxTxSize', r.maxTxSize, 200, 1_000_000);
  requireInt('bnbMaxTries', r.bnbMaxTries, 0, 10_000_000);
  requireInt('scryptLogN', r.scryptLogN, MIN_SCRYPT_LOG_N, MAX_SCRYPT_LOG_N);
  for (const k of ['minFeeRate', 'fallbackFeeRate', 'maxFeeRate', 'longTermFeeRate'] as const) {
    if (typeof r[k] !== 'bigint' || r[k] < 0n) {
      throw new WalletError({ code: 'OPTIONS_INVALID', option: k, reason: 'must be a bigint >= 0' });
    }
  }
  if (r.maxFeeRate < r.minFeeRate) {
    throw new WalletError({ code: 'OPTIONS_INVALID', option: 'maxFeeRate', reason: 'below minFeeRate' });
  }
  if (r.fallbackFeeRate < r.minFeeRate || r.fallbackFeeRate > r.maxFeeRate) {
    throw new WalletError({
      code: 'OPTIONS_INVALID',
      option: 'fallbackFeeRate',
      reason: 'outside [minFeeRate, maxFeeRate]',
    });
  }
  return Object.freeze(r);
}

function requireInt(option: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new WalletError({
      code: 'OPTIONS_INVALID',
      option,
      reason: `${v} is not an integer in [${min}, ${max}]`,
    });
  }
}
