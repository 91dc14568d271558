/**
 * A node's local training data. Digits and text: the rows of the training split (never the
 * held-out evaluation pools) whose position is ≡ shard.index (mod shard.count); math: tasks drawn
 * from the node's own stream. Text minibatches use the evaluation's feature dropout (1/8), drawn
 * from a local seeded PRNG.
 */
import { DIGIT_INPUTS } from './arch.js';
import { digitSplits } from './data/digits.js';
import { MATH_ACTIVE, MATH_VALUE, mathAnswer, mathFeatures, mathTaskFrom } from './data/math.js';
import type { SparseSet } from './data/text.js';
import { textSplits } from './data/text.js';
import { TrainingError } from './errors.js';
import { Xoshiro128 } from './prng.js';

export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

function shardRows(n: number, shard: ShardSpec): Uint32Array {
  const rows: number[] = [];
  for (let i = shard.index; i < n; i += shard.count) rows.push(i);
  return Uint32Array.from(rows);
}

export function checkShard(shard: ShardSpec): void {
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.count > 1024) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'shard count must be 1..1024' });
  }
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'shard index must be in [0, count)' });
  }
}

/** A sparse copy of the digit images, so a minibatch copies non-zero pixels only. */
interface SparseImages {
  readonly offsets: Uint32Array;
  readonly idx: Uint16Array;
  readonly val: Uint8Array;
  readonly maxRow: number;
}

let sparseDigits: SparseImages | undefined;
function digitImages(): SparseImages {
  if (sparseDigits) return sparseDigits;
  const s = digitSplits().train;
  const offsets = new Uint32Array(s.n + 1);
  let nnz = 0;
  for (let i = 0; i < s.images.length; i++) if (s.images[i] !== 0) nnz++;
  const idx = new Uint16Array(nnz);
  const val = new Uint8Array(nnz);
  let at = 0;
  let maxRow = 0;
  for (let k = 0; k < s.n; k++) {
    const base = k * DIGIT_INPUTS;
    for (let p = 0; p < DIGIT_INPUTS; p++) {
      const v = s.images[base + p]!;
      if (v === 0) continue;
      idx[at] = p;
      val[at++] = v;
    }
    offsets[k + 1] = at;
    maxRow = Math.max(maxRow, at - offsets[k]!);
  }
  sparseDigits = { offsets, idx, val, maxRow };
  return sparseDigits;
}

export class LocalShard {
  private readonly rng: Xoshiro128;
  private readonly digitRows: Uint32Array;
  private readonly textRows: Uint32Array;
  private readonly mIdx = new Uint16Array(MATH_ACTIVE);
  private readonly maxTextRow: number;

  constructor(
    readonly shard: ShardSpec,
    seed: Uint8Array | string,
  ) {
    checkShard(shard);
    this.rng = new Xoshiro128(seed);
    this.digitRows = shardRows(digitSplits().train.n, shard);
    const text = textSplits().train;
    this.textRows = shardRows(text.n, shard);
    let maxTextRow = 0;
    for (let k = 0; k < text.n; k++)
      maxTextRow = Math.max(maxTextRow, text.offsets[k + 1]! - text.offsets[k]!);
    this.maxTextRow = maxTextRow;
  }

  /** Training samples available per domain (math: unbounded, reported as 0). */
  get sizes(): { digits: number; text: number } {
    return { digits: this.digitRows.length, text: this.textRows.length };
  }

  /** A fresh augmented minibatch of `size` rows for head `d` (0 digits, 1 text, 2 math). */
  batch(d: number, size: number): SparseSet {
    const offsets = new Uint32Array(size + 1);
    const labels = new Uint8Array(size);
    const perRow = d === 0 ? digitImages().maxRow : d === 1 ? this.maxTextRow : MATH_ACTIVE;
    const idx = new Uint16Array(size * perRow);
    const val = new Uint8Array(size * perRow);
    const rng = this.rng;
    let at = 0;
    for (let r = 0; r < size; r++) {
      if (d === 0) {
        const img = digitImages();
        const k = this.digitRows[rng.below(this.digitRows.length)]!;
        const end = img.offsets[k + 1]!;
        for (let j = img.offsets[k]!; j < end; j++) {
          idx[at] = img.idx[j]!;
          val[at++] = img.val[j]!;
        }
        labels[r] = digitSplits().train.labels[k]!;
      } else if (d === 1) {
        const s = textSplits().train;
        const k = this.textRows[rng.below(this.textRows.length)]!;
        for (let j = s.offsets[k]!; j < s.offsets[k + 1]!; j++) {
          if ((rng.nextU32() & 7) === 0) continue;
          idx[at] = s.idx[j]!;
          val[at++] = s.val[j]!;
        }
        labels[r] = s.labels[k]!;
      } else {
        const t = mathTaskFrom(rng.nextU32(), rng.nextU32());
        mathFeatures(t, this.mIdx, 0);
        for (let j = 0; j < MATH_ACTIVE; j++) {
          idx[at] = this.mIdx[j]!;
          val[at++] = MATH_VALUE;
        }
        labels[r] = mathAnswer(t);
      }
      offsets[r + 1] = at;
    }
    return { n: size, offsets, idx: idx.subarray(0, at), val: val.subarray(0, at), labels };
  }
}
