/**
 * The payment pipeline behind `Wallet.send`: request checks, fee rate, coin selection over the
 * wallet's spendable coins, then building and signing (builder.ts). Records nothing: the wallet
 * reserves the coins and the change address afterwards unless it is a dry run.
 */
import { type NetworkParams, type TxOutput, toHex } from '../consensus/index.js';
import { decodeAddress, encodeAddress } from './address.js';
import type { AddressBook } from './addressBook.js';
import { buildSignedTransaction } from './builder.js';
import type { FeeRateEstimator } from './chainClient.js';
import { WalletError } from './errors.js';
import { type AccountKeys, CHANGE } from './hd/index.js';
import type { Ledger } from './ledger.js';
import type { ResolvedWalletOptions } from './options.js';
import { type SelectionStrategy, selectCoins } from './selection/index.js';
import type { BuiltTransaction, SendOutput } from './types.js';

export const MAX_PAYMENT_OUTPUTS = 1000;

/** Decodes the destinations and checks the amounts (AMOUNT_INVALID, AMOUNT_DUST, ADDRESS_*). */
export function checkPaymentOutputs(outputs: readonly SendOutput[], params: NetworkParams): TxOutput[] {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new WalletError({ code: 'AMOUNT_INVALID', reason: 'no outputs' });
  }
  if (outputs.length > MAX_PAYMENT_OUTPUTS) {
    throw new WalletError({ code: 'AMOUNT_INVALID', reason: `more than ${MAX_PAYMENT_OUTPUTS} outputs` });
  }
  let total = 0n;
  return outputs.map((o) => {
    const pubKeyHash = decodeAddress(o.address, params);
    const amount = o.amount;
    if (typeof amount !== 'bigint') throw new WalletError({ code: 'AMOUNT_INVALID', reason: 'not a bigint' });
    if (amount <= 0n) throw new WalletError({ code: 'AMOUNT_INVALID', reason: `${amount} is not positive` });
    if (amount < params.dustThreshold) {
      throw new WalletError({ code: 'AMOUNT_DUST', amount, threshold: params.dustThreshold });
    }
    total += amount;
    if (total > params.maxSupply) {
      throw new WalletError({ code: 'AMOUNT_INVALID', reason: 'total exceeds the maximum supply' });
    }
    return { value: amount, pubKeyHash };
  });
}

/**
 * An explicit rate must lie in [minFeeRate, maxFeeRate] (FEE_RATE_INVALID otherwise); without one,
 * the node's estimate clamped to that range; without an estimate, the fallback rate.
 */
export async function resolveFeeRate(
  explicit: bigint | undefined,
  options: ResolvedWalletOptions,
  estimate: FeeRateEstimator | undefined,
): Promise<bigint> {
  const { minFeeRate: min, maxFeeRate: max } = options;
  if (explicit !== undefined) {
    if (typeof explicit !== 'bigint' || explicit < min || explicit > max) {
      throw new WalletError({
        code: 'FEE_RATE_INVALID',
        feeRate: typeof explicit === 'bigint' ? explicit : -1n,
        min,
        max,
      });
    }
    return explicit;
  }
  const est = estimate ? await estimate() : undefined;
  if (typeof est !== 'bigint' || est < 0n) return options.fallbackFeeRate;
  if (est < min) return min;
  if (est > max) return max;
  return est;
}

export interface PaymentContext {
  readonly params: NetworkParams;
  readonly options: ResolvedWalletOptions;
  readonly ledger: Ledger;
  readonly book: AddressBook;
  readonly signer: AccountKeys;
  /** Reserved outpoint keys (skipped). */
  readonly locks: ReadonlyMap<string, string>;
  readonly random: (n: number) => Uint8Array;
}

export interface PaymentRequest {
  readonly outputs: readonly TxOutput[];
  readonly feeRate: bigint;
  readonly minConf: number;
  readonly strategy: SelectionStrategy;
}

export function preparePayment(
  ctx: PaymentContext,
  req: PaymentRequest,
): { result: BuiltTransaction; inputKeys: string[] } {
  const { ledger, book, params } = ctx;
  const candidates = ledger
    .unspent()
    .filter(
      (o) => !ctx.locks.has(o.key) && ledger.isMature(o) && ledger.confirmations(o.record) >= req.minConf,
    )
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sel = selectCoins({
    coins: candidates,
    amounts: req.outputs.map((o) => o.value),
    feeRate: req.feeRate,
    longTermFeeRate: ctx.options.longTermFeeRate,
    dustThreshold: params.dustThreshold,
    strategy: req.strategy,
    maxTries: ctx.options.bnbMaxTries,
  });
  if (sel.size > ctx.options.maxTxSize) {
    throw new WalletError({ code: 'TX_TOO_LARGE', size: sel.size, max: ctx.options.maxTxSize });
  }
  // Change goes to the next unused change address, at a random position among the outputs.
  const changeKey = sel.change > 0n ? book.key(CHANGE, book.peek(CHANGE)) : null;
  const r = ctx.random(4);
  const position = new DataView(r.buffer, r.byteOffset, 4).getUint32(0) % (req.outputs.length + 1);
  const nextHeight = ledger.tipHeight + 1;
  const signer = ctx.signer;
  const built = buildSignedTransaction({
    params,
    inputs: sel.inputs.map((o) => ({
      prevout: o.op,
      coin: {
        value: o.value,
        pubKeyHash: o.pubKeyHash,
        height: o.record.height ?? nextHeight,
        coinbase: o.record.coinbase,
      },
      secretKey: () => signer.secretKey(o.chain, o.keyIndex),
    })),
    outputs: req.outputs,
    change: changeKey ? { output: { value: sel.change, pubKeyHash: changeKey.pubKeyHash }, position } : null,
    // Anti fee sniping (as Bitcoin Core): valid only in blocks after the current tip.
    lockTime: Math.max(ledger.tipHeight, 0),
    nextHeight,
    random: ctx.random,
  });
  if (built.fee !== sel.fee || built.withId.size !== sel.size) {
    throw new WalletError({
      code: 'WALLET_INTERNAL',
      reason: 'built transaction differs from the selection',
    });
  }
  return {
    inputKeys: sel.inputs.map((o) => o.key),
    result: {
      tx: built.tx,
      txid: toHex(built.withId.txid),
      fee: built.fee,
      feeRate: req.feeRate,
      size: built.withId.size,
      inputs: sel.inputs.map((o) => ({
        txid: o.record.id,
        index: o.op.index,
        value: o.value,
        address: book.address(o.chain, o.keyIndex),
      })),
      outputs: built.tx.outputs.map((o, i) => ({
        address: encodeAddress(o.pubKeyHash, params),
        value: o.value,
        change: i === built.changeIndex,
      })),
      changeIndex: built.changeIndex,
      algorithm: sel.algorithm,
    },
  };
}
