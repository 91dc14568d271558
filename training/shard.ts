/**
 * A node's local training data. Language: the public corpus chunks of the node's shard (chunk k
 * when k ≡ shard.index mod shard.count; never the held-out chunks); math: tasks at the chain's
 * current level drawn from the node's own stream.
 */
import { LM_ACTIVE, lmCorpus, lmFeatures, lmShardPosition } from './data/lm.js';
import {
  MATH_MAX_ACTIVE,
  MATH_MAX_LEVEL,
  MATH_VALUE,
  mathAnswer,
  mathFeatures,
  mathTaskFrom,
} from './data/math.js';
import type { SparseSet } from './data/sparse.js';
import { TrainingError } from './errors.js';
import { Xoshiro128 } from './prng.js';

export interface ShardSpec {
  readonly index: number;
  readonly count: number;
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
  private mathLevel = 0;

  constructor(
    readonly shard: ShardSpec,
    seed: Uint8Array | string,
  ) {
    checkShard(shard);
    this.rng = new Xoshiro128(seed);
  }

  /** The math level tasks are drawn at (the chain's level). */
  get level(): number {
    return this.mathLevel;
  }
  set level(level: number) {
    if (!Number.isInteger(level) || level < 0 || level > MATH_MAX_LEVEL) {
      throw new TrainingError({
        code: 'TRAINING_BAD_OPTIONS',
        reason: `math level must be 0..${MATH_MAX_LEVEL}`,
      });
    }
    this.mathLevel = level;
  }

  /** A fresh minibatch of `size` rows for head `d` (0 lm, 1 math). */
  batch(d: number, size: number): SparseSet {
    const offsets = new Uint32Array(size + 1);
    const labels = new Uint8Array(size);
    const perRow = d === 0 ? LM_ACTIVE : MATH_MAX_ACTIVE;
    const idx = new Uint16Array(size * perRow);
    const rng = this.rng;
    let at = 0;
    if (d === 0) {
      const classes = lmCorpus().classes;
      for (let r = 0; r < size; r++) {
        const pos = lmShardPosition(this.shard, rng.nextU32());
        lmFeatures(classes, pos, idx, at);
        at += LM_ACTIVE;
        labels[r] = classes[pos]!;
        offsets[r + 1] = at;
      }
    } else {
      for (let r = 0; r < size; r++) {
        const t = mathTaskFrom(this.mathLevel, rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32());
        at += mathFeatures(t, idx, at);
        labels[r] = mathAnswer(t);
        offsets[r + 1] = at;
      }
    }
    const value = d === 0 ? 127 : MATH_VALUE;
    return { n: size, offsets, idx: idx.subarray(0, at), val: new Uint8Array(at).fill(value), labels };
  }
}
