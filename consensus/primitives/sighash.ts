/**
 * Signature hash. Input i signs
 *   taggedHash('qenex/sighash', magic u32 | txid | spentHash | i u32)
 * where txid already commits to every input outpoint, every output and the lockTime, and
 * spentHash = sha256 over all spent outputs (value u64 | pkh 20) in input order, so every
 * signature commits to all inputs' amounts (an offline signer cannot be lied to about fees) and
 * the network magic (no replay across networks).
 */
import { type Hash, sha256Of, taggedHash } from './hash.js';
import type { TxOutput } from './tx.js';

const SIGHASH_TAG = 'qenex/sighash';

/** Writes `v` as a little-endian u32 at `at` (as Writer.u32 does). */
function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/*
 * Scratch buffers for the hashed messages, reused: both hash kernels consume a message before they
 * return (hash.ts) and everything here is synchronous, so a call never finds them in use. A new
 * typed array per input cost more than building the message.
 */
const SIGHASH_MSG = new Uint8Array(72);
let spentScratch = new Uint8Array(28 * 16);
let spentView = new DataView(spentScratch.buffer);

export function spentOutputsHash(spent: readonly TxOutput[]): Hash {
  // value u64 | pkh 20 per output, as Writer.u64/bytes would write them, built in place
  const bytes = spent.length * 28;
  if (bytes > spentScratch.length) {
    spentScratch = new Uint8Array(Math.max(bytes, 2 * spentScratch.length));
    spentView = new DataView(spentScratch.buffer);
  }
  let at = 0;
  for (const o of spent) {
    spentView.setBigUint64(at, o.value, true); // modulo 2^64, as BigInt.asUintN(64, ·)
    spentScratch.set(o.pubKeyHash, at + 8);
    at += 28;
  }
  return sha256Of(spentScratch.subarray(0, bytes));
}

export function sighash(magic: number, txid: Hash, spentHash: Hash, inputIndex: number): Hash {
  // built in place (one sighash per input: a Writer's buffer and view cost more than the hash)
  const msg = SIGHASH_MSG;
  putU32(msg, 0, magic);
  msg.set(txid, 4);
  msg.set(spentHash, 36);
  putU32(msg, 68, inputIndex);
  return taggedHash(SIGHASH_TAG, msg);
}
