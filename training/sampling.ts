/**
 * The evaluation sample of a block. From the 32-byte seed (taggedHash('qenex/eval-seed',
 * blockHash)), a ChaCha20 keystream (key = seed, zero nonce) gives 16 bytes (u0..u3) per sample.
 * Sample i is of the math domain when i mod 4 = 3, else of the language domain (3/4 language,
 * 1/4 math):
 *   lm:   the public corpus position lmPublicPosition(u0) (data/lm.ts): predict its character
 *         from the characters before it;
 *   math: a fresh task from (u0, u1, u2, u3) at the chain's math level (never stored anywhere).
 * Everything is integer arithmetic on fixed data, so every node materialises the same batch.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hash } from '../consensus/index.js';
import { LM_ACTIVE, lmCorpus, lmFeatures, lmPublicPosition } from './data/lm.js';
import { MATH_MAX_ACTIVE, MATH_VALUE, mathAnswer, mathFeatures, mathTaskFrom } from './data/math.js';
import { type SparseSet, selectRows } from './data/sparse.js';

export type { SparseSet } from './data/sparse.js';

/** One sparse set per head, in ARCH order (lm, math). */
export interface EvalBatch {
  readonly count: number;
  readonly domains: readonly SparseSet[];
}

const BYTES_PER_SAMPLE = 16;
const LM_VALUE = 127;

/** Domain of sample i: 0 (lm) or 1 (math). */
export function sampleDomain(i: number): number {
  return i % 4 === 3 ? 1 : 0;
}

/** Row of sample i within its domain's set (the domains' rows are interleaved in sample order). */
export function sampleRow(i: number): number {
  return sampleDomain(i) === 1 ? (i - 3) / 4 : i - ((i + 1) >> 2);
}

/** Index in the seed's sample order of row `r` of domain `d` (inverse of sampleDomain, sampleRow). */
export function sampleIndex(d: number, r: number): number {
  return d === 1 ? 4 * r + 3 : r + Math.floor(r / 3);
}

/** Number of samples of domain `d` among `count`. */
export function domainCount(count: number, d: number): number {
  const math = Math.floor((count + 1) / 4);
  return d === 1 ? math : count - math;
}

/** Builds a SparseSet row by row (fixed-size rows are pushed whole). */
class SparseBuilder {
  private readonly offsets: Uint32Array;
  private readonly labels: Uint8Array;
  private readonly idx: Uint16Array;
  private rows = 0;
  private nnz = 0;

  constructor(rows: number, maxPerRow: number) {
    this.offsets = new Uint32Array(rows + 1);
    this.labels = new Uint8Array(rows);
    this.idx = new Uint16Array(rows * maxPerRow);
  }

  /** The index buffer and where the next row starts, for the feature writers. */
  get buffer(): Uint16Array {
    return this.idx;
  }
  get at(): number {
    return this.nnz;
  }

  endRow(width: number, label: number): void {
    this.nnz += width;
    this.labels[this.rows++] = label;
    this.offsets[this.rows] = this.nnz;
  }

  finish(value: number): SparseSet {
    const idx = this.idx.slice(0, this.nnz);
    return {
      n: this.rows,
      offsets: this.offsets,
      idx,
      val: new Uint8Array(idx.length).fill(value),
      labels: this.labels,
    };
  }
}

function keystream(seed: Hash, count: number): DataView {
  const stream = chacha20(seed, new Uint8Array(12), new Uint8Array(count * BYTES_PER_SAMPLE));
  return new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
}

/** `count` math tasks at `level` from `seed` (the level check; every sample is math). */
export function mathBatch(seed: Hash, count: number, level: number): SparseSet {
  const dv = keystream(seed, count);
  const mb = new SparseBuilder(count, MATH_MAX_ACTIVE);
  for (let i = 0; i < count; i++) {
    const o = i * BYTES_PER_SAMPLE;
    const t = mathTaskFrom(
      level,
      dv.getUint32(o, true),
      dv.getUint32(o + 4, true),
      dv.getUint32(o + 8, true),
      dv.getUint32(o + 12, true),
    );
    mb.endRow(mathFeatures(t, mb.buffer, mb.at), mathAnswer(t));
  }
  return mb.finish(MATH_VALUE);
}

export function materializeBatch(seed: Hash, count: number, levels: readonly number[]): EvalBatch {
  const dv = keystream(seed, count);
  const corpus = lmCorpus();
  const level = levels[0] ?? 0;
  const lb = new SparseBuilder(domainCount(count, 0), LM_ACTIVE);
  const mb = new SparseBuilder(domainCount(count, 1), MATH_MAX_ACTIVE);
  for (let i = 0; i < count; i++) {
    const o = i * BYTES_PER_SAMPLE;
    const u0 = dv.getUint32(o, true);
    if (sampleDomain(i) === 0) {
      const pos = lmPublicPosition(u0);
      lmFeatures(corpus.classes, pos, lb.buffer, lb.at);
      lb.endRow(LM_ACTIVE, corpus.classes[pos]!);
    } else {
      const t = mathTaskFrom(
        level,
        u0,
        dv.getUint32(o + 4, true),
        dv.getUint32(o + 8, true),
        dv.getUint32(o + 12, true),
      );
      mb.endRow(mathFeatures(t, mb.buffer, mb.at), mathAnswer(t));
    }
  }
  return { count, domains: [lb.finish(LM_VALUE), mb.finish(MATH_VALUE)] };
}

/** Last few batches: a block's verification scores the parent and the new model on one batch. */
const cache = new Map<string, EvalBatch>();
const CACHE_SIZE = 4;

export function evalBatch(seed: Hash, count: number, levels: readonly number[]): EvalBatch {
  const key = `${bytesToHex(seed)}:${count}:${levels.join(',')}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const b = materializeBatch(seed, count, levels);
  cache.set(key, b);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return b;
}

/** The listed samples' rows of a batch, per domain, and where each sits in the list. */
export interface SampleSubsets {
  readonly batch: EvalBatch;
  readonly samples: Uint32Array;
  readonly sets: readonly { readonly set: SparseSet; readonly positions: Uint32Array }[];
}

function sameSamples(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

let lastSubsets: SampleSubsets | undefined;

/**
 * The rows of `batch` that `samples` (ascending sample indices) name, per domain. The last result
 * is kept: a block's leave-one-out scorings all ask for the same samples of one batch.
 */
export function sampleSubsets(batch: EvalBatch, samples: Uint32Array): SampleSubsets {
  if (lastSubsets?.batch === batch && sameSamples(lastSubsets.samples, samples)) return lastSubsets;
  const rows: number[][] = batch.domains.map(() => []);
  const positions: number[][] = batch.domains.map(() => []);
  samples.forEach((s, k) => {
    const d = sampleDomain(s);
    rows[d]!.push(sampleRow(s));
    positions[d]!.push(k);
  });
  lastSubsets = {
    batch,
    samples: samples.slice(),
    sets: batch.domains.map((set, d) => ({
      set: selectRows(set, rows[d]!),
      positions: Uint32Array.from(positions[d]!),
    })),
  };
  return lastSubsets;
}
