/**
 * Real signed transactions for the network benches (propagation.ts, network.ts): spends of the
 * bench key's coinbases and of their fan-outs, signed with bcrypto's native BIP340 signer (~35×
 * noble's, so that tens of thousands of signatures take seconds), and the node calls that put them
 * into a mempool and check a mined block.
 */
import { createRequire } from 'node:module';
import {
  fromHex,
  type NetworkParams,
  type OutPoint,
  sighash,
  spentOutputsHash,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  toHex,
  txid,
} from '../../consensus/index.js';
import type { KeyPair } from '../../test/utils/chainBuilder.js';
import type { TestNode } from '../../test/utils/node.js';

const schnorr = createRequire(import.meta.url)('bcrypto/lib/schnorr') as {
  sign(msg: Buffer, key: Buffer, aux: Buffer): Buffer;
};
const ZERO_AUX = Buffer.alloc(32);

/** Fee of a one-input, one-output transaction (~170 bytes; the node's floor is 1 unit/byte). */
export const TX_FEE = 2_000n;
/** Fee of a fan-out of 2,000 outputs (~56 kB: 28 bytes an output). */
export const FAN_FEE = 200_000n;

/** Signs a transaction spending `prevouts` (all owned by `key`) to `outputs`, as consensus checks it. */
export function signSpend(
  prevouts: readonly OutPoint[],
  spent: readonly TxOutput[],
  outputs: readonly TxOutput[],
  key: KeyPair,
  params: NetworkParams,
): Transaction {
  const unsigned: Transaction = {
    version: TX_VERSION,
    inputs: prevouts.map((prevout) => ({ prevout })),
    outputs,
    lockTime: 0,
    witnesses: [],
  };
  const id = txid(unsigned);
  const sh = spentOutputsHash(spent);
  const sk = Buffer.from(key.sk);
  const witnesses = prevouts.map((_, i) => ({
    pubkey: key.pk,
    sig: new Uint8Array(schnorr.sign(Buffer.from(sighash(params.magic, id, sh, i)), sk, ZERO_AUX)),
  }));
  return { ...unsigned, witnesses };
}

/** One transaction spending `coin` into `count` equal outputs to `key`, less FAN_FEE. */
export function fanOut(
  coin: { op: OutPoint; out: TxOutput },
  count: number,
  key: KeyPair,
  params: NetworkParams,
): Transaction {
  const each = (coin.out.value - FAN_FEE) / BigInt(count);
  const outputs = Array.from({ length: count }, () => ({ value: each, pubKeyHash: key.pkh }));
  return signSpend([coin.op], [coin.out], outputs, key, params);
}

/** A one-input, one-output spend of each output of `fan` (all paying `key`), less TX_FEE each. */
export function spendEach(fan: Transaction, key: KeyPair, params: NetworkParams): Transaction[] {
  const fanId = txid(fan);
  return fan.outputs.map((out, i) =>
    signSpend(
      [{ txid: fanId, index: i }],
      [out],
      [{ value: out.value - TX_FEE, pubKeyHash: key.pkh }],
      key,
      params,
    ),
  );
}

/** The output of the coinbase at `height` on `n`'s best chain that pays `key`. */
export async function coinbaseCoin(
  n: TestNode,
  height: number,
  key: KeyPair,
): Promise<{ op: OutPoint; out: TxOutput }> {
  const block = (await n.node.chain.getBlock(n.node.chain.getEntryByHeight(height)!.hash))!;
  const cb = block.txs[0]!;
  const index = cb.outputs.findIndex((o) => toHex(o.pubKeyHash) === toHex(key.pkh));
  if (index < 0) throw new Error(`the coinbase at height ${height} does not pay the bench key`);
  return { op: { txid: txid(cb), index }, out: cb.outputs[index]! };
}

/** Accepts `txs` into `n`'s mempool; any rejection fails the bench. */
export async function submit(n: TestNode, txs: readonly Transaction[]): Promise<void> {
  await Promise.all(txs.map((tx) => n.node.mempool.accept(tx)));
}

/** Fails the bench unless the block `hash` on `n` carries `count` transactions besides its coinbase. */
export async function expectTxs(n: TestNode, hash: string, count: number): Promise<void> {
  const block = (await n.node.chain.getBlock(fromHex(hash)))!;
  if (block.txs.length !== count + 1) {
    throw new Error(`block ${hash} carries ${block.txs.length - 1} transactions, not ${count}`);
  }
}
