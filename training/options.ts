/** Trainer options with their defaults in one place (design.md convention 4). */

import { checkDensity } from './compress.js';
import { TrainingError } from './errors.js';
import { AGGREGATION_RULES, type AggregationRule } from './federation/aggregate.js';
import { checkShard, type ShardSpec } from './shard.js';

export interface TrainerOptions {
  /** Which slice of the training data this node learns from. */
  readonly shard: ShardSpec;
  /** Seed of the local PRNG; default derived from the shard. Use the node's address for variety. */
  readonly seed: string;
  /** Fraction of one core the worker may use, (0, 1]: it trains cpuShare·periodMs, then sleeps. */
  readonly cpuShare: number;
  /** Duty-cycle period in ms. */
  readonly periodMs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /**
   * Share of each weight tensor a delta carries (compressed deltas with error feedback,
   * compress.ts), or unset for the whole quantized difference.
   */
  readonly deltaDensity?: number;
}

export const DEFAULT_TRAINER_OPTIONS = {
  cpuShare: 0.5,
  periodMs: 200,
  batchSize: 32,
  // measured (scripts/experiments/lmArch.ts, docs/training.md): the 64-unit language head keeps
  // gaining about 1 point per doubling of samples up to 32M at 0.001, and plateaus near 56% at 0.002
  learningRate: 0.001,
} as const;

export function trainerOptions(
  opts: Partial<TrainerOptions> & { readonly shard: ShardSpec },
): TrainerOptions {
  const o: TrainerOptions = {
    ...DEFAULT_TRAINER_OPTIONS,
    seed: `qenex/shard/${opts.shard.index}/${opts.shard.count}`,
    ...opts,
  };
  checkShard(o.shard);
  if (o.deltaDensity !== undefined) checkDensity(o.deltaDensity);
  if (!(o.cpuShare > 0 && o.cpuShare <= 1)) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'cpuShare must be in (0, 1]' });
  }
  if (!(Number.isInteger(o.periodMs) && o.periodMs >= 10 && o.periodMs <= 60_000)) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'periodMs must be 10..60000' });
  }
  return o;
}

/** Aggregation settings for miners. */
export interface AggregationOptions {
  readonly rule: AggregationRule;
  readonly trim: number;
}

export const DEFAULT_AGGREGATION_OPTIONS: AggregationOptions = { rule: 'median', trim: 0.2 };

export function aggregationOptions(opts: Partial<AggregationOptions> = {}): AggregationOptions {
  const o = { ...DEFAULT_AGGREGATION_OPTIONS, ...opts };
  if (!AGGREGATION_RULES.includes(o.rule)) {
    throw new TrainingError({
      code: 'TRAINING_BAD_OPTIONS',
      reason: `unknown aggregation rule ${String(o.rule)}`,
    });
  }
  if (!(o.trim >= 0 && o.trim < 0.5)) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'trim must be in [0, 0.5)' });
  }
  return o;
}
