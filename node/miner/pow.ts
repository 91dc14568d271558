/**
 * Proof-of-work helpers on the main thread: the target as bytes, and a short inline nonce search
 * for `generate` on easy targets (the long-running search is worker.js). The comparison is the
 * consensus one (consensus/pow/compact.ts checkProofOfWork): the hash read as a big-endian
 * 256-bit number must not exceed the target.
 */
import * as crypto from 'node:crypto';
import { bitsToTarget, NONCE_OFFSET } from '../../consensus/index.js';

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

export function powHash(header: Uint8Array): Uint8Array {
  return sha256(sha256(header));
}

export interface InlineResult {
  /** The winning nonce, or null if `maxTries` ran out. */
  readonly nonce: bigint | null;
  readonly tries: number;
}

/**
 * Tries nonces `start`, `start + 1`, ... on the encoded header (not modified), at most `maxTries`,
 * yielding to the event loop every `yieldEvery` tries so a long search does not starve it.
 */
export async function searchInline(
  header: Uint8Array,
  target: Uint8Array,
  start: bigint,
  maxTries: number,
  yieldEvery = 4096,
): Promise<InlineResult> {
  const h = header.slice();
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  for (let i = 0; i < maxTries; i++) {
    if (i > 0 && i % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const nonce = (start + BigInt(i)) & ((1n << 64n) - 1n);
    view.setBigUint64(NONCE_OFFSET, nonce, true);
    if (meetsTarget(powHash(h), target)) return { nonce, tries: i + 1 };
  }
  return { nonce: null, tries: maxTries };
}
