/**
 * Transaction rules.
 *  - checkTx: context-free (structure, amounts, dust, duplicates, size).
 *  - checkTxInputs: against a coin view at a height (existence, maturity, value balance, key
 *    match, lock time); returns the fee and the signature checks to run (signatures are checked
 *    in bulk by a SigVerifier so a block's signatures can be spread over all cores).
 */

import type { Coin, CoinSource } from '../coinView.js';
import { outpointMapKey } from '../coinView.js';
import type { SigCheck } from '../crypto/schnorr.js';
import { VerdictError } from '../errors.js';
import { isMoneyRange } from '../money.js';
import type { NetworkParams } from '../params/types.js';
import { equalBytes, hash160 } from '../primitives/hash.js';
import { sighash, spentOutputsHash } from '../primitives/sighash.js';
import { MAX_TX_SIZE, type Transaction, TX_VERSION, type TxWithId } from '../primitives/tx.js';

export function checkTx(tx: Transaction, params: NetworkParams, size?: number): void {
  const coinbase = tx.inputs.length === 0;
  if (tx.version !== TX_VERSION) throw new VerdictError('bad-txns-version', `version ${tx.version}`);
  if (tx.witnesses.length !== tx.inputs.length) {
    throw new VerdictError(
      'bad-txns-witness-count',
      `${tx.witnesses.length} witnesses for ${tx.inputs.length} inputs`,
    );
  }
  if (tx.outputs.length === 0) throw new VerdictError('bad-txns-vout-empty');
  if (size !== undefined && size > Math.min(MAX_TX_SIZE, params.maxBlockSize)) {
    throw new VerdictError('bad-txns-oversize', `${size} bytes`);
  }
  let total = 0n;
  for (const o of tx.outputs) {
    if (o.value < 0n) throw new VerdictError('bad-txns-vout-negative');
    if (!isMoneyRange(o.value, params)) throw new VerdictError('bad-txns-vout-toolarge', `${o.value}`);
    // Coinbase outputs may be tiny (the 80/20 split of a small fee-only reward); others may not.
    if (!coinbase && o.value < params.dustThreshold) {
      throw new VerdictError('bad-txns-dust', `output of ${o.value} < ${params.dustThreshold}`);
    }
    total += o.value;
    if (!isMoneyRange(total, params)) throw new VerdictError('bad-txns-txouttotal-toolarge');
  }
  if (tx.inputs.length < 2) return; // most transactions: no pair to compare
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = outpointMapKey(i.prevout.txid, i.prevout.index);
    if (seen.has(k)) throw new VerdictError('bad-txns-inputs-duplicate');
    seen.add(k);
  }
}

export interface InputsResult {
  readonly fee: bigint;
  readonly sigChecks: SigCheck[];
  /** The coins the inputs spend, in input order (a block's undo data). */
  readonly spent: readonly Coin[];
}

/**
 * Checks `t` (not a coinbase) spends existing, mature coins it is allowed to spend, in a block at
 * `height`. `missingLevel` is 'invalid' inside a block (the chain is the whole truth) and 'context'
 * for the mempool (the inputs may simply not have arrived yet).
 */
export function checkTxInputs(
  t: TxWithId,
  coins: CoinSource,
  height: number,
  params: NetworkParams,
  missingLevel: 'invalid' | 'context' = 'invalid',
  /** Each input's outpointMapKey, when the caller has them (a block's connect does). */
  keys?: readonly string[],
): InputsResult {
  const { tx } = t;
  if (tx.inputs.length === 0) throw new VerdictError('bad-txns-vin-empty');
  if (tx.lockTime !== 0 && tx.lockTime >= height) {
    throw new VerdictError('bad-txns-nonfinal', `lockTime ${tx.lockTime} at height ${height}`);
  }
  const spent: Coin[] = [];
  let valueIn = 0n;
  for (let i = 0; i < tx.inputs.length; i++) {
    const op = tx.inputs[i]!.prevout;
    const coin = keys && coins.getCoinByKey ? coins.getCoinByKey(keys[i]!, op) : coins.getCoin(op);
    if (!coin) throw new VerdictError('bad-txns-inputs-missingorspent', `input ${i}`, missingLevel);
    if (coin.coinbase && height - coin.height < params.coinbaseMaturity) {
      throw new VerdictError(
        'bad-txns-premature-spend-of-coinbase',
        `coinbase from height ${coin.height} spent at ${height}`,
      );
    }
    if (!equalBytes(hash160(tx.witnesses[i]!.pubkey), coin.pubKeyHash)) {
      throw new VerdictError('bad-txns-pubkey-mismatch', `input ${i}`);
    }
    valueIn += coin.value;
    if (!isMoneyRange(coin.value, params) || !isMoneyRange(valueIn, params)) {
      throw new VerdictError('bad-txns-inputvalues-outofrange');
    }
    spent.push(coin);
  }
  let valueOut = 0n;
  for (const o of tx.outputs) valueOut += o.value;
  if (valueIn < valueOut) throw new VerdictError('bad-txns-in-belowout', `in ${valueIn} < out ${valueOut}`);
  const spentHash = spentOutputsHash(spent);
  const sigChecks: SigCheck[] = tx.witnesses.map((w, i) => ({
    msg: sighash(params.magic, t.txid, spentHash, i),
    sig: w.sig,
    pubkey: w.pubkey,
  }));
  return { fee: valueIn - valueOut, sigChecks, spent };
}
