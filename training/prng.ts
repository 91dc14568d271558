/**
 * Seeded pseudo-random numbers (no Math.random anywhere in training/). `Xoshiro128` is
 * xoshiro128** on 32-bit integer arithmetic (Math.imul, >>>): the same sequence on every engine.
 * It drives the deterministic parts that are not secret (initial weights, dataset splits, local
 * shuffles); the evaluation sample uses a ChaCha20 keystream keyed by the block's seed
 * (sampling.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from the first 16 bytes of `seed` (a string is hashed with sha256 first). */
  constructor(seed: Uint8Array | string) {
    const bytes = typeof seed === 'string' ? sha256(utf8ToBytes(seed)) : seed;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.a = dv.getUint32(0, true);
    this.b = dv.getUint32(4, true);
    this.c = dv.getUint32(8, true);
    this.d = dv.getUint32(12, true);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next uniform u32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in [0, 1) with 32 bits of randomness (local training only, never consensus). */
  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates permutation of 0..n-1 driven by `rng`. */
export function permutation(n: number, rng: Xoshiro128): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
