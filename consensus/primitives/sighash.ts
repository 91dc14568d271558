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

export function spentOutputsHash(spent: readonly TxOutput[]): Hash {
  // value u64 | pkh 20 per output, as Writer.u64/bytes would write them, built in place
  const out = new Uint8Array(spent.length * 28);
  let at = 0;
  for (const o of spent) {
    const v = BigInt.asUintN(64, o.value);
    putU32(out, at, Number(v & 0xffffffffn));
    putU32(out, at + 4, Number(v >> 32n));
    out.set(o.pubKeyHash, at + 8);
    at += 28;
  }
  return sha256Of(out);
}

export function sighash(magic: number, txid: Hash, spentHash: Hash, inputIndex: number): Hash {
  // built in place (one sighash per input: a Writer's buffer and view cost more than the hash)
  const msg = new Uint8Array(72);
  putU32(msg, 0, magic);
  msg.set(txid, 4);
  msg.set(spentHash, 36);
  putU32(msg, 68, inputIndex);
  return taggedHash(SIGHASH_TAG, msg);
}
