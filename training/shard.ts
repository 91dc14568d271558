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

export class LocalShard {
  private readonly rng: Xoshiro128;
  private readonly digitRows: Uint32Array;
  private readonly textRows: Uint32Array;
  private readonly mIdx = new Uint16Array(MATH_ACTIVE);

  constructor(
    readonly shard: ShardSpec,
    seed: Uint8Array | string,
  ) {
    checkShard(shard);
    this.rng = new Xoshiro128(seed);
    this.digitRows = shardRows(digitSplits().train.n, shard);
    this.textRows = shardRows(textSplits().train.n, shard);
  }

  /** Training samples available per domain (math: unbounded, reported as 0). */
  get sizes(): { digits: number; text: number } {
    return { digits: this.digitRows.length, text: this.textRows.length };
  }

  /** A fresh augmented minibatch of `size` rows for head `d` (0 digits, 1 text, 2 math). */
  batch(d: number, size: number): SparseSet {
    const offsets = new Uint32Array(size + 1);
    const labels = new Uint8Array(size);
    const idx: number[] = [];
    const val: number[] = [];
    const rng = this.rng;
    for (let r = 0; r < size; r++) {
      if (d === 0) {
        const s = digitSplits().train;
        const k = this.digitRows[rng.below(this.digitRows.length)]!;
        const img = s.images.subarray(k * DIGIT_INPUTS, (k + 1) * DIGIT_INPUTS);
        for (let p = 0; p < DIGIT_INPUTS; p++) {
          if (img[p] === 0) continue;
          idx.push(p);
          val.push(img[p]!);
        }
        labels[r] = s.labels[k]!;
      } else if (d === 1) {
        const s = textSplits().train;
        const k = this.textRows[rng.below(this.textRows.length)]!;
        for (let j = s.offsets[k]!; j < s.offsets[k + 1]!; j++) {
          if ((rng.nextU32() & 7) === 0) continue;
          idx.push(s.idx[j]!);
          val.push(s.val[j]!);
        }
        labels[r] = s.labels[k]!;
      } else {
        const t = mathTaskFrom(rng.nextU32(), rng.nextU32());
        mathFeatures(t, this.mIdx, 0);
        for (let j = 0; j < MATH_ACTIVE; j++) {
          idx.push(this.mIdx[j]!);
          val.push(MATH_VALUE);
        }
        labels[r] = mathAnswer(t);
      }
      offsets[r + 1] = idx.length;
    }
    return { n: size, offsets, idx: Uint16Array.from(idx), val: Uint8Array.from(val), labels };
  }
}
