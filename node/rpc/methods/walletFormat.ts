/**
 * Bitcoin-shaped JSON views of the wallet (listtransactions entries, gettransaction) and the
 * mapping of wallet errors to Bitcoin Core's RPC codes.
 */
import { z } from 'zod';
import { toHex, VerdictError, withId } from '../../../consensus/index.js';
import { type Wallet, WalletError, type WalletTransaction } from '../../../wallet/index.js';
import { MempoolError } from '../../mempool/index.js';
import type { TrustOracle } from '../../wallet/index.js';
import { WalletServiceError } from '../../wallet/index.js';
import { formatAmount } from '../amount.js';
import {
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_INVALID_PARAMETER,
  RPC_TYPE_ERROR,
  RPC_WALLET_ERROR,
  RPC_WALLET_INSUFFICIENT_FUNDS,
  RPC_WALLET_INVALID_LABEL_NAME,
  RPC_WALLET_NOT_FOUND,
  RPC_WALLET_PASSPHRASE_INCORRECT,
  RPC_WALLET_UNLOCK_NEEDED,
  type RpcError,
  rpcError,
} from '../errors.js';
import { parseAmountText } from '../validators.js';

/** What the JSON views need besides the wallet. */
export interface WalletViewContext {
  readonly wallet: Wallet;
  readonly trust: TrustOracle;
  /** Block time (unix seconds) of a stored block, by hex hash. */
  blockTime(hash: string): number | undefined;
  /** Time (unix seconds) a transaction entered the mempool, if it is there. */
  mempoolTime(txid: string): number | undefined;
}

type Json = Record<string, unknown>;

/**
 * Core's listtransactions entries of one transaction (ListTransactions), without the
 * per-transaction fields: when the wallet spent coins, one 'send' entry per output that is not
 * change (amount and fee negative); then one receive entry ('receive', or 'generate'/'immature'
 * for a coinbase) per output paying the wallet (change excluded when the wallet sent). With
 * `label` ('' = no label), only receive entries with that label.
 */
export function txDetails(t: WalletTransaction, wallet: Wallet, label?: string): Json[] {
  const out: Json[] = [];
  const fromMe = t.sent > 0n;
  const labelOf = (address: string) => wallet.getAddressInfo(address)?.label;
  if (fromMe && label === undefined) {
    for (const o of t.outputs) {
      if (o.change) continue;
      const l = o.ours ? labelOf(o.address) : undefined;
      out.push({
        address: o.address,
        category: 'send',
        amount: formatAmount(-o.value),
        ...(l !== undefined ? { label: l } : {}),
        vout: o.index,
        fee: formatAmount(-(t.fee ?? 0n)),
        abandoned: false,
      });
    }
  }
  for (const o of t.outputs) {
    if (!o.ours || (fromMe && o.change)) continue;
    const l = labelOf(o.address);
    if (label !== undefined && (l ?? '') !== label) continue;
    out.push({
      address: o.address,
      category: t.coinbase ? t.category : 'receive',
      amount: formatAmount(o.value),
      ...(l !== undefined ? { label: l } : {}),
      vout: o.index,
    });
  }
  return out;
}

/** listtransactions entries: the details, each with the transaction's fields. */
export function txEntries(t: WalletTransaction, c: WalletViewContext, label?: string): Json[] {
  const info = txInfo(t, c);
  return txDetails(t, c.wallet, label).map((e) => ({ ...e, ...info }));
}

/** Core's WalletTxToJSON: the per-transaction fields shared by listtransactions and gettransaction. */
export function txInfo(t: WalletTransaction, c: WalletViewContext): Json {
  const blockTime = t.blockHash !== null ? c.blockTime(t.blockHash) : undefined;
  const time = t.blockHash !== null ? blockTime : c.mempoolTime(t.txid);
  return {
    confirmations: t.confirmations,
    ...(t.coinbase ? { generated: true } : {}),
    ...(t.confirmations === 0 ? { trusted: c.trust.isTrusted(t.txid) } : {}),
    ...(t.blockHash !== null
      ? {
          blockhash: t.blockHash,
          blockheight: t.height,
          blockindex: t.blockIndex,
          ...(blockTime !== undefined ? { blocktime: blockTime } : {}),
        }
      : {}),
    txid: t.txid,
    wtxid: toHex(withId(t.tx).wtxid),
    ...(time !== undefined ? { time, timereceived: time } : {}),
    'bip125-replaceable': 'no',
  };
}

/**
 * Core's gettransaction amount: the net change of the wallet's balance without the fee (for a
 * payment, minus what left the wallet); `fee` (negative) only when every input was the wallet's.
 */
export function txAmountAndFee(t: WalletTransaction): Json {
  if (t.sent > 0n && t.fee !== null) {
    return { amount: formatAmount(t.amount + t.fee), fee: formatAmount(-t.fee) };
  }
  return { amount: formatAmount(t.amount) };
}

/**
 * `fee_rate` as Bitcoin Core takes it (sat/vB, here: base units per byte), up to 3 decimals, to
 * the wallet's unit (base units per 1000 bytes), exactly.
 */
export const feeRateSchema: z.ZodType<bigint, unknown> = z.unknown().transform((value, ctx) => {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const units = typeof text === 'string' ? parseAmountText(text.trim()) : undefined;
  if (units === undefined || units < 0n || units % 100_000n !== 0n) {
    ctx.addIssue({
      code: 'custom',
      message: 'fee rate must be a number of base units per byte >= 0 with at most 3 decimals',
      params: { rpcCode: typeof text === 'string' ? RPC_INVALID_PARAMETER : RPC_TYPE_ERROR },
    });
    return z.NEVER;
  }
  return units / 100_000n;
});

/** A rate in base units per 1000 bytes as base units per byte: 1500n → '1.5' (exact, feeRateSchema's inverse). */
export function perByte(perKb: bigint): string {
  const whole = perKb / 1000n;
  const milli = perKb % 1000n;
  return milli === 0n ? whole.toString() : `${whole}.${milli.toString().padStart(3, '0').replace(/0+$/, '')}`;
}

/** Wallet, wallet-service and mempool failures → Bitcoin Core's codes; undefined for anything else. */
export function walletRpcError(e: unknown): RpcError | undefined {
  if (e instanceof WalletServiceError) {
    if (e.code === 'WALLET_NOT_LOADED') {
      return rpcError(
        RPC_WALLET_NOT_FOUND,
        'No wallet is loaded. Create one with `qenex wallet create` (or `import`) while the node is stopped, then start the node.',
      );
    }
    if (e.code === 'WALLET_SERVICE_OPTIONS') return rpcError(RPC_INVALID_PARAMETER, e.message);
    return rpcError(RPC_WALLET_ERROR, e.message);
  }
  if (e instanceof WalletError) {
    switch (e.code) {
      case 'WALLET_LOCKED':
        return rpcError(
          RPC_WALLET_UNLOCK_NEEDED,
          'Error: Please enter the wallet passphrase with walletpassphrase first.',
        );
      case 'WRONG_PASSPHRASE':
        return rpcError(
          RPC_WALLET_PASSPHRASE_INCORRECT,
          'Error: The wallet passphrase entered was incorrect.',
        );
      case 'ADDRESS_INVALID':
      case 'ADDRESS_WRONG_NETWORK':
        return rpcError(RPC_INVALID_ADDRESS_OR_KEY, `Invalid address: ${e.message}`);
      case 'INSUFFICIENT_FUNDS':
        return rpcError(RPC_WALLET_INSUFFICIENT_FUNDS, e.message);
      case 'AMOUNT_INVALID':
        return rpcError(RPC_TYPE_ERROR, `Invalid amount for send: ${e.message}`);
      case 'AMOUNT_DUST':
        return rpcError(RPC_INVALID_PARAMETER, `Transaction amount too small: ${e.message}`);
      case 'LABEL_INVALID':
        return rpcError(RPC_WALLET_INVALID_LABEL_NAME, e.message);
      case 'FEE_RATE_INVALID': {
        // The wallet library counts per 1000 bytes; fee_rate and `qenex wallet send --fee-rate` per byte.
        const t = e.type as Extract<WalletError['type'], { code: 'FEE_RATE_INVALID' }>;
        return rpcError(
          RPC_INVALID_PARAMETER,
          `fee rate ${perByte(t.feeRate)} base units per byte is outside [${perByte(t.min)}, ${perByte(t.max)}]`,
        );
      }
      case 'PASSPHRASE_INVALID':
      case 'OPTIONS_INVALID':
        return rpcError(RPC_INVALID_PARAMETER, e.message);
      default:
        return rpcError(RPC_WALLET_ERROR, e.message);
    }
  }
  if (e instanceof MempoolError || e instanceof VerdictError) {
    return rpcError(RPC_WALLET_ERROR, `The mempool refused the transaction: ${e.message}`);
  }
  return undefined;
}

/** Runs `fn`, turning wallet failures into RPC errors. */
export async function walletCall<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw walletRpcError(e) ?? e;
  }
}
