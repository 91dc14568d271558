/**
 * Central (non-federated) training baselines for the federated-vs-central comparisons, built on
 * training's public API only (LocalTrainer), with the nodes' default hyper-parameters.
 *
 * A LocalTrainer learns from one ShardSpec (public corpus chunks ≡ index mod count). When the
 * shards to pool are not one ShardSpec (e.g. shards 1, 4 and 6 of 8), `trainCentrally` trains one
 * model on their union by visiting them in turn, `chunk` samples at a time, each shard's trainer
 * continuing from the model the previous one left (its consensus rounding). Measured on model v2
 * (federated.test.ts, 180,000 samples): visiting 3 shards in turn equals one trainer on all public
 * chunks (57.7% held-out, lm and math weighed 3 : 1); much smaller chunks lose the steps that round
 * away.
 */
import {
  DEFAULT_TRAINER_OPTIONS,
  LocalTrainer,
  type NetworkModel,
  type ShardSpec,
} from '../../training/index.js';

export interface CentralTrainingOptions {
  /** Seed prefix of the trainers' PRNGs (default 'qenex/central'). */
  readonly seed?: string;
  /** Samples per visit of one shard when several are pooled (default 6,144). */
  readonly chunk?: number;
}

/** The distinct shards of `shards` (nodes may share one), ordered by index. */
export function distinctShards(shards: readonly ShardSpec[]): ShardSpec[] {
  const seen = new Map<string, ShardSpec>();
  for (const s of shards) seen.set(`${s.index}/${s.count}`, { index: s.index, count: s.count });
  return [...seen.values()].sort((a, b) => a.count - b.count || a.index - b.index);
}

/**
 * Trains `base` on the union of `shards` for about `samples` samples (whole minibatches) and
 * returns the model rounded into the consensus domain, as a node's delta would be.
 */
export function trainCentrally(
  base: NetworkModel,
  shards: readonly ShardSpec[],
  samples: number,
  opts: CentralTrainingOptions = {},
): NetworkModel {
  const seed = opts.seed ?? 'qenex/central';
  const chunk = opts.chunk ?? 6144;
  const trainers = distinctShards(shards).map(
    (shard) =>
      new LocalTrainer({
        shard,
        seed: `${seed}/${shard.index}/${shard.count}`,
        batchSize: DEFAULT_TRAINER_OPTIONS.batchSize,
        learningRate: DEFAULT_TRAINER_OPTIONS.learningRate,
      }),
  );
  if (trainers.length === 0) return base;
  if (trainers.length === 1) {
    const t = trainers[0]!;
    t.setBase(base);
    t.train(samples);
    return t.currentModel();
  }
  let model = base;
  let done = 0;
  for (let k = 0; done < samples; k++) {
    const t = trainers[k % trainers.length]!;
    t.setBase(model);
    done += t.train(Math.min(chunk, samples - done));
    model = t.currentModel();
  }
  return model;
}
