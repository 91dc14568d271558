/**
 * Block: header | nTx varint | transactions | hasUpdate u8 (0 or 1) | [model update]
 */
import { DecodeError } from '../errors.js';
import { decodeExact, type Reader, Writer } from './encoding.js';
import { type Hash, sha256d } from './hash.js';
import { type BlockHeader, HEADER_SIZE, readHeader, writeHeader } from './header.js';
import { blockMerkleRoot } from './merkle.js';
import { encodeModelUpdate, type ModelUpdate, readModelUpdate, writeModelUpdate } from './modelUpdate.js';
import { readTx, type Transaction, type TxWithId, txBodySize, txSize, writeTx } from './tx.js';

/** Decoder bound; the consensus block-size limit (1 MB) is checked by validation. */
export const MAX_BLOCK_DECODE_SIZE = 4_000_000;
const MIN_TX_SIZE = 4 + 1 + 1 + 4;
export const MAX_BLOCK_TXS = Math.floor(MAX_BLOCK_DECODE_SIZE / MIN_TX_SIZE);

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Transaction[];
  readonly update: ModelUpdate | null;
}

export function writeBlock(w: Writer, b: Block): void {
  writeHeader(w, b.header);
  w.varint(b.txs.length);
  for (const tx of b.txs) writeTx(w, tx);
  if (b.update) {
    w.u8(1);
    writeModelUpdate(w, b.update);
  } else w.u8(0);
}

export function readBlock(r: Reader): Block {
  const header = readHeader(r);
  const n = r.varint('block transactions', MAX_BLOCK_TXS);
  const txs: Transaction[] = new Array(n);
  for (let i = 0; i < n; i++) txs[i] = readTx(r);
  const flag = r.u8();
  if (flag > 1) throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'block update flag' });
  const update = flag === 1 ? readModelUpdate(r) : null;
  return { header, txs, update };
}

export function encodeBlock(b: Block): Uint8Array {
  const w = new Writer(HEADER_SIZE + 1024);
  writeBlock(w, b);
  return w.finish();
}

export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > MAX_BLOCK_DECODE_SIZE) {
    throw new DecodeError({
      code: 'DECODE_OVERSIZE',
      what: 'block',
      size: bytes.length,
      max: MAX_BLOCK_DECODE_SIZE,
    });
  }
  return decodeExact(bytes, readBlock);
}

/** A block with every id computed once; validation works on this. */
export interface BlockWithIds {
  readonly block: Block;
  readonly hash: Hash;
  readonly txs: readonly TxWithId[];
  readonly updateId: Hash | null;
  readonly updateSize: number;
  readonly size: number;
  /** The block's canonical encoding (encodeBlock), which every id above was hashed from. */
  readonly bytes: Uint8Array;
}

/**
 * Encodes the block once, into one buffer of its exact size, and hashes every id from that
 * encoding: the header hash from its first HEADER_SIZE bytes, each transaction's txid from its
 * body and wtxid from its whole encoding (withId's), the update id from the update's bytes. Same
 * ids as headerHash / withId / modelUpdateId, without encoding each part again on its own (one
 * buffer per transaction, and the update twice) or the block a second time to store it.
 */
export function blockWithIds(block: Block): BlockWithIds {
  const n = block.txs.length;
  const updateBytes = block.update ? encodeModelUpdate(block.update) : null;
  let size = HEADER_SIZE + varintLen(n) + 1 + (updateBytes?.length ?? 0);
  for (const tx of block.txs) size += txSize(tx);
  const w = new Writer(size);
  writeHeader(w, block.header);
  w.varint(n);
  const ends = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    writeTx(w, block.txs[i]!);
    ends[i] = w.length;
  }
  if (updateBytes) w.u8(1).bytes(updateBytes);
  else w.u8(0);
  const bytes = w.finish();
  const txs = new Array<TxWithId>(n);
  let start = HEADER_SIZE + varintLen(n);
  for (let i = 0; i < n; i++) {
    const tx = block.txs[i]!;
    const end = ends[i]!;
    txs[i] = {
      tx,
      txid: sha256d(bytes.subarray(start, start + txBodySize(tx))),
      wtxid: sha256d(bytes.subarray(start, end)),
      size: end - start,
    };
    start = end;
  }
  return {
    block,
    hash: sha256d(bytes.subarray(0, HEADER_SIZE)),
    txs,
    updateId: updateBytes ? sha256d(updateBytes) : null,
    updateSize: updateBytes?.length ?? 0,
    size: bytes.length,
    bytes,
  };
}

export function computeMerkleRoot(b: BlockWithIds): Hash {
  return blockMerkleRoot(
    b.txs.map((t) => t.wtxid),
    b.updateId,
  );
}

function varintLen(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : 5;
}
