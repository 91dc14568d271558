/**
 * Signature hash. Input i signs
 *   taggedHash('qenex/sighash', magic u32 | txid | spentHash | i u32)
 * where txid already commits to every input outpoint, every output and the lockTime, and
 * spentHash = sha256 over all spent outputs (value u64 | pkh 20) in input order, so every
 * signature commits to all inputs' amounts (an offline signer cannot be lied to about fees) and
 * the network magic (no replay across networks).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Writer } from './encoding.js';
import { type Hash, taggedHash } from './hash.js';
import type { TxOutput } from './tx.js';

const SIGHASH_TAG = 'qenex/sighash';

export function spentOutputsHash(spent: readonly TxOutput[]): Hash {
  const w = new Writer(spent.length * 28);
  for (const o of spent) w.u64(o.value).bytes(o.pubKeyHash);
  return sha256(w.finish());
}

export function sighash(magic: number, txid: Hash, spentHash: Hash, inputIndex: number): Hash {
  const w = new Writer(72);
  w.u32(magic).bytes(txid).bytes(spentHash).u32(inputIndex);
  return taggedHash(SIGHASH_TAG, w.finish());
}
