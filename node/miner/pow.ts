/**
 * Proof-of-work helpers: the target as bytes, the comparison, and sha256d through node:crypto (the
 * fallback grinder's hash; grinder.ts). The comparison is the consensus one
 * (consensus/pow/compact.ts checkProofOfWork): the hash read as a big-endian 256-bit number must
 * not exceed the target.
 */
import * as crypto from 'node:crypto';
import { bitsToTarget } from '../../consensus/index.js';

/** The target of compact `bits` as 32 big-endian bytes. Throws VerdictError('bad-diffbits'). */
export function targetBytes(bits: number): Uint8Array {
  let t = bitsToTarget(bits);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return out;
}

/** Big-endian comparison: true iff hash <= target. */
export function meetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const a = hash[i]!;
    const b = target[i]!;
    if (a !== b) return a < b;
  }
  return true;
}

const sha256: (data: Uint8Array) => Uint8Array =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** sha256d of `header` with two node:crypto calls. */
export function powHash(header: Uint8Array): Uint8Array {
  return sha256(sha256(header));
}
