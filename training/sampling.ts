/**
 * The evaluation sample of a block. From the 32-byte seed (taggedHash('qenex/eval-seed',
 * blockHash)), a ChaCha20 keystream (key = seed, zero nonce) gives 16 bytes per sample. Sample i
 * belongs to domain i mod 3 (digits, text, math: fixed equal proportions) and is:
 *   digits: held-out image number ⌊u0·2000/2^32⌋;
 *   text:   held-out message number ⌊u0·1200/2^32⌋, each of its features dropped with
 *           probability 1/8 by an xorshift32 stream seeded from u1 (| 1);
 *   math:   a fresh task from (u0, u1) (never stored anywhere).
 * Everything is integer arithmetic on fixed data, so every node materialises the same batch.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hash } from '../consensus/index.js';
import { DIGIT_INPUTS, DOMAINS } from './arch.js';
import { digitSplits } from './data/digits.js';
import { MATH_ACTIVE, MATH_VALUE, mathAnswer, mathFeatures, mathTaskFrom } from './data/math.js';
import type { SparseSet } from './data/text.js';
import { textSplits } from './data/text.js';

export type { SparseSet } from './data/text.js';

/** One sparse set per head, in ARCH order. */
export interface EvalBatch {
  readonly count: number;
  readonly domains: readonly SparseSet[];
}

const BYTES_PER_SAMPLE = 16;

/** Number of samples of domain `d` among `count` (sample i is domain i mod 3). */
export function domainCount(count: number, d: number): number {
  const k = DOMAINS.length;
  return Math.floor(count / k) + (d < count % k ? 1 : 0);
}

function pickIndex(u: number, n: number): number {
  return Math.floor((u * n) / 0x1_0000_0000);
}

class SparseBuilder {
  private offsets: Uint32Array;
  private idx: Uint16Array;
  private val: Uint8Array;
  private labels: Uint8Array;
  private rows = 0;
  private nnz = 0;

  constructor(rows: number, nnzHint: number) {
    this.offsets = new Uint32Array(rows + 1);
    this.labels = new Uint8Array(rows);
    this.idx = new Uint16Array(Math.max(16, nnzHint));
    this.val = new Uint8Array(Math.max(16, nnzHint));
  }

  push(i: number, v: number): void {
    if (this.nnz === this.idx.length) {
      const idx = new Uint16Array(this.idx.length * 2);
      idx.set(this.idx);
      const val = new Uint8Array(this.val.length * 2);
      val.set(this.val);
      this.idx = idx;
      this.val = val;
    }
    this.idx[this.nnz] = i;
    this.val[this.nnz++] = v;
  }

  endRow(label: number): void {
    this.labels[this.rows++] = label;
    this.offsets[this.rows] = this.nnz;
  }

  finish(): SparseSet {
    return {
      n: this.rows,
      offsets: this.offsets,
      idx: this.idx.slice(0, this.nnz),
      val: this.val.slice(0, this.nnz),
      labels: this.labels,
    };
  }
}

export function materializeBatch(seed: Hash, count: number): EvalBatch {
  const stream = chacha20(seed, new Uint8Array(12), new Uint8Array(count * BYTES_PER_SAMPLE));
  const dv = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const digits = digitSplits().evalPool;
  const text = textSplits().evalPool;
  const nd = domainCount(count, 0);
  const nt = domainCount(count, 1);
  const nm = domainCount(count, 2);
  const db = new SparseBuilder(nd, nd * 60);
  const tb = new SparseBuilder(nt, nt * 140);
  const mb = new SparseBuilder(nm, nm * MATH_ACTIVE);
  const mIdx = new Uint16Array(MATH_ACTIVE);
  for (let i = 0; i < count; i++) {
    const u0 = dv.getUint32(i * BYTES_PER_SAMPLE, true);
    const u1 = dv.getUint32(i * BYTES_PER_SAMPLE + 4, true);
    const d = i % 3;
    if (d === 0) {
      const k = pickIndex(u0, digits.n);
      const img = digits.images.subarray(k * DIGIT_INPUTS, (k + 1) * DIGIT_INPUTS);
      for (let p = 0; p < DIGIT_INPUTS; p++) if (img[p]) db.push(p, img[p]!);
      db.endRow(digits.labels[k]!);
    } else if (d === 1) {
      const k = pickIndex(u0, text.n);
      let x = u1 | 1;
      for (let j = text.offsets[k]!; j < text.offsets[k + 1]!; j++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        if ((x & 7) !== 0) tb.push(text.idx[j]!, text.val[j]!);
      }
      tb.endRow(text.labels[k]!);
    } else {
      const t = mathTaskFrom(u0, u1);
      mathFeatures(t, mIdx, 0);
      for (let j = 0; j < MATH_ACTIVE; j++) mb.push(mIdx[j]!, MATH_VALUE);
      mb.endRow(mathAnswer(t));
    }
  }
  return { count, domains: [db.finish(), tb.finish(), mb.finish()] };
}

/** Last few batches: a block's verification scores the parent and the new model on one batch. */
const cache = new Map<string, EvalBatch>();
const CACHE_SIZE = 4;

export function evalBatch(seed: Hash, count: number): EvalBatch {
  const key = `${bytesToHex(seed)}:${count}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const b = materializeBatch(seed, count);
  cache.set(key, b);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return b;
}
