/**
 * Transactions. Inputs spend outpoints; outputs lock an amount to a 20-byte public-key hash
 * (hash160 of a BIP340 x-only key). Each input has a witness (x-only public key + Schnorr
 * signature) that is serialised after the body:
 *
 *   version u32 | nIn varint | nIn × (txid 32, index u32) | nOut varint | nOut × (value u64, pkh 20)
 *   | lockTime u32 | nIn × (pubkey 32, sig 64)
 *
 * txid = sha256d(body without witnesses): signatures cannot change it (no malleability).
 * wtxid = sha256d(full encoding): what the block's merkle root commits to.
 * A coinbase has no inputs and its lockTime is the block height (so coinbase txids are unique).
 */
import { DecodeError } from '../errors.js';
import { decodeExact, type Reader, Writer } from './encoding.js';
import { type Hash, sha256d } from './hash.js';

export const PKH_SIZE = 20;
export const PUBKEY_SIZE = 32;
export const SIG_SIZE = 64;
export const OUTPOINT_SIZE = 36;
export const OUTPUT_SIZE = 28;
export const WITNESS_SIZE = PUBKEY_SIZE + SIG_SIZE;
/** Absolute decoder bound; blocks enforce their own size limit on top. */
export const MAX_TX_SIZE = 1_000_000;
export const MAX_TX_INPUTS = Math.floor(MAX_TX_SIZE / (OUTPOINT_SIZE + WITNESS_SIZE));
export const MAX_TX_OUTPUTS = Math.floor(MAX_TX_SIZE / OUTPUT_SIZE);
export const TX_VERSION = 1;

export interface OutPoint {
  readonly txid: Hash;
  readonly index: number;
}

export interface TxInput {
  readonly prevout: OutPoint;
}

export interface TxOutput {
  readonly value: bigint;
  readonly pubKeyHash: Uint8Array;
}

export interface Witness {
  readonly pubkey: Uint8Array;
  readonly sig: Uint8Array;
}

export interface Transaction {
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly lockTime: number;
  /** One per input, same order. Empty for a coinbase. */
  readonly witnesses: readonly Witness[];
}

export function isCoinbase(tx: Transaction): boolean {
  return tx.inputs.length === 0;
}

function writeBody(w: Writer, tx: Transaction): void {
  w.u32(tx.version).varint(tx.inputs.length);
  for (const i of tx.inputs) w.bytes(i.prevout.txid).u32(i.prevout.index);
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) w.u64(o.value).bytes(o.pubKeyHash);
  w.u32(tx.lockTime);
}

export function writeTx(w: Writer, tx: Transaction): void {
  writeBody(w, tx);
  for (const wit of tx.witnesses) w.bytes(wit.pubkey).bytes(wit.sig);
}

export function encodeTxBody(tx: Transaction): Uint8Array {
  const w = new Writer(txSize(tx));
  writeBody(w, tx);
  return w.finish();
}

export function encodeTx(tx: Transaction): Uint8Array {
  const w = new Writer(txSize(tx));
  writeTx(w, tx);
  return w.finish();
}

export function readTx(r: Reader): Transaction {
  const version = r.u32();
  const nIn = r.varint('tx inputs', MAX_TX_INPUTS);
  const inputs: TxInput[] = new Array(nIn);
  for (let i = 0; i < nIn; i++) inputs[i] = { prevout: { txid: r.bytes(32), index: r.u32() } };
  const nOut = r.varint('tx outputs', MAX_TX_OUTPUTS);
  const outputs: TxOutput[] = new Array(nOut);
  for (let i = 0; i < nOut; i++) outputs[i] = { value: r.u64(), pubKeyHash: r.bytes(PKH_SIZE) };
  const lockTime = r.u32();
  const witnesses: Witness[] = new Array(nIn);
  for (let i = 0; i < nIn; i++) witnesses[i] = { pubkey: r.bytes(PUBKEY_SIZE), sig: r.bytes(SIG_SIZE) };
  return { version, inputs, outputs, lockTime, witnesses };
}

export function decodeTx(bytes: Uint8Array): Transaction {
  if (bytes.length > MAX_TX_SIZE) {
    throw new DecodeError({
      code: 'DECODE_OVERSIZE',
      what: 'transaction',
      size: bytes.length,
      max: MAX_TX_SIZE,
    });
  }
  return decodeExact(bytes, readTx);
}

function varintLen(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : 5;
}

export function txBodySize(tx: Transaction): number {
  return (
    4 +
    varintLen(tx.inputs.length) +
    tx.inputs.length * OUTPOINT_SIZE +
    varintLen(tx.outputs.length) +
    tx.outputs.length * OUTPUT_SIZE +
    4
  );
}

export function txSize(tx: Transaction): number {
  return txBodySize(tx) + tx.witnesses.length * WITNESS_SIZE;
}

export function txid(tx: Transaction): Hash {
  return sha256d(encodeTxBody(tx));
}

export function wtxid(tx: Transaction): Hash {
  return sha256d(encodeTx(tx));
}

/** A transaction with its ids computed once. Validation and the node pass these around. */
export interface TxWithId {
  readonly tx: Transaction;
  readonly txid: Hash;
  readonly wtxid: Hash;
  readonly size: number;
}

export function withId(tx: Transaction): TxWithId {
  const full = encodeTx(tx);
  const bodyLen = txBodySize(tx);
  return { tx, txid: sha256d(full.subarray(0, bodyLen)), wtxid: sha256d(full), size: full.length };
}
