/**
 * Key layout of the chain database. Every key starts with a one-byte prefix (an ASCII letter);
 * keys and values are raw bytes (Uint8Array, `keyEncoding: 'view', valueEncoding: 'view'`), and
 * every value has one canonical binary encoding (consensus Writer/Reader, see codec.ts).
 *
 *   prefix  key                                value
 *   'V'     'V'                                db version u32 | network magic u32
 *   'R'     'R'                                chain state: best tip hash 32 | height u32 | issued u64
 *                                               | cumulative weight (bigint)
 *   'b'     'b' | block hash 32                canonical block bytes (consensus encodeBlock)
 *   'h'     'h' | block hash 32                header-index entry (codec.ts encodeEntry)
 *   'H'     'H' | height u32 big-endian        block hash 32 of the best chain at that height
 *   'c'     'c' | txid 32 | index u32 BE       unspent coin (consensus encodeCoin)
 *   'u'     'u' | block hash 32                undo data of a connected block (consensus encodeUndo)
 *   'm'     'm' | model hash 32                model checkpoint: evaluator.encodeModel(model)
 *
 * Heights and output indexes are big-endian in keys so that iteration order is numeric order.
 *
 * Invariants (each holds after every batch, since every state change is one atomic batch):
 *  - 'R' names a block whose 'h' entry has status valid-connected and whose 'b' bytes exist;
 *    'H' holds exactly heights 0..R.height, each the hash of that height's block on the chain of
 *    prev hashes ending at R's tip.
 *  - the 'c' coins are exactly the UTXO set after applying the best chain from genesis (the
 *    genesis coinbase is never added), and every best-chain block but genesis has 'u' undo data.
 *  - every entry that is not invalid has its block bytes, and the model its header commits to has
 *    an 'm' checkpoint (the initial model is written with genesis).
 *
 * A prefix, once retired, is NEVER reused for a different meaning: add it to RETIRED_PREFIXES
 * below with the version that retired it, and pick a new letter for the new data.
 */
import type { Hash, OutPoint } from '../../consensus/index.js';

/** Current layout version, stored under 'V'. Bump it (and write a migration) on any change. */
// 2: entries carry the level state of generated domains
// 3: model updates carry their contributions (a block format change: a version-2 database holds
//    blocks the node can no longer decode, so there is no migration; start a new data directory);
//    entries carry what the next block owes their contributors
export const DB_VERSION = 3;

export const PREFIX = {
  version: 0x56, // 'V'
  chainState: 0x52, // 'R'
  block: 0x62, // 'b'
  entry: 0x68, // 'h'
  height: 0x48, // 'H'
  coin: 0x63, // 'c'
  undo: 0x75, // 'u'
  model: 0x6d, // 'm'
} as const;

export type PrefixName = keyof typeof PREFIX;

/** Prefixes used by earlier layouts; never to be reused. (None yet.) */
export const RETIRED_PREFIXES: readonly { readonly prefix: number; readonly retiredIn: number }[] = [];

export const VERSION_KEY: Uint8Array = Uint8Array.of(PREFIX.version);
export const CHAIN_STATE_KEY: Uint8Array = Uint8Array.of(PREFIX.chainState);

function hashKey(prefix: number, hash: Hash): Uint8Array {
  const k = new Uint8Array(33);
  k[0] = prefix;
  k.set(hash, 1);
  return k;
}

export function blockKey(hash: Hash): Uint8Array {
  return hashKey(PREFIX.block, hash);
}

export function entryKey(hash: Hash): Uint8Array {
  return hashKey(PREFIX.entry, hash);
}

export function undoKey(hash: Hash): Uint8Array {
  return hashKey(PREFIX.undo, hash);
}

export function modelKey(modelHash: Hash): Uint8Array {
  return hashKey(PREFIX.model, modelHash);
}

export function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(5);
  k[0] = PREFIX.height;
  new DataView(k.buffer).setUint32(1, height, false);
  return k;
}

export function heightFromKey(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1, false);
}

export function coinKey(op: OutPoint): Uint8Array {
  const k = new Uint8Array(37);
  k[0] = PREFIX.coin;
  k.set(op.txid, 1);
  // big-endian u32, written byte by byte (a DataView per key showed in block connect profiles)
  const i = op.index;
  k[33] = i >>> 24;
  k[34] = i >>> 16;
  k[35] = i >>> 8;
  k[36] = i;
  return k;
}

export function outpointFromKey(key: Uint8Array): OutPoint {
  return {
    txid: key.slice(1, 33),
    index: new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(33, false),
  };
}

/** Iterator bounds covering every key with `prefix`. */
export function prefixRange(prefix: number): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
}

/** Expected key length per prefix (for corruption checks when iterating). */
export const KEY_LENGTH: Readonly<Record<PrefixName, number>> = {
  version: 1,
  chainState: 1,
  block: 33,
  entry: 33,
  height: 5,
  coin: 37,
  undo: 33,
  model: 33,
};
