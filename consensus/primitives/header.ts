/**
 * Block header, 116 bytes:
 *   version u32 | prevHash 32 | merkleRoot 32 | modelHash 32 | time u32 | bits u32 | nonce u64
 * modelHash is the hash of the model state AFTER this block (equal to the parent's when the block
 * carries no update). Block hash = sha256d(header); hashes are shown as plain hex of the bytes.
 */
import { decodeExact, type Reader, Writer } from './encoding.js';
import { type Hash, sha256d } from './hash.js';

export const HEADER_SIZE = 116;

export interface BlockHeader {
  readonly version: number;
  readonly prevHash: Hash;
  readonly merkleRoot: Hash;
  readonly modelHash: Hash;
  readonly time: number;
  readonly bits: number;
  readonly nonce: bigint;
}

export function writeHeader(w: Writer, h: BlockHeader): void {
  w.u32(h.version)
    .bytes(h.prevHash)
    .bytes(h.merkleRoot)
    .bytes(h.modelHash)
    .u32(h.time)
    .u32(h.bits)
    .u64(h.nonce);
}

export function readHeader(r: Reader): BlockHeader {
  return {
    version: r.u32(),
    prevHash: r.bytes(32),
    merkleRoot: r.bytes(32),
    modelHash: r.bytes(32),
    time: r.u32(),
    bits: r.u32(),
    nonce: r.u64(),
  };
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new Writer(HEADER_SIZE);
  writeHeader(w, h);
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  return decodeExact(bytes, readHeader);
}

export function headerHash(h: BlockHeader): Hash {
  return sha256d(encodeHeader(h));
}

/** Offset of the nonce inside the encoded header (miners patch it in place). */
export const NONCE_OFFSET = 108;
