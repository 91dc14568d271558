/**
 * In-thread local training: float Adam on the node's shard, starting from the chain model, and
 * the delta of what it has learnt since: the whole quantized difference (default), or compressed
 * (compress.ts: top-k, two levels, with error feedback) when a deltaDensity is given. The worker
 * (worker/) runs one of these; tests and benchmarks use it directly. Heads train on the WASM SIMD kernel when it is built, else on the plain-TS one
 * (float/): the weights stay in the kernel between setBase calls.
 *
 * Error feedback: a compressed delta leaves most of the update out. When the chain's model
 * changes, setBase restarts from the new model PLUS what this trainer learnt and has not sent
 * (its weights minus the old base plus its last delta), so nothing is dropped, only delayed.
 */

import { equalBytes } from '../consensus/index.js';
import { WEIGHT_MAX } from './arch.js';
import { checkDensity, compressUpdate } from './compress.js';
import { applyModelDelta, diffModels, type ModelDelta, sameGrowth } from './delta.js';
import { TrainingError } from './errors.js';
import {
  type AdamOptions,
  DEFAULT_ADAM,
  dequantizeHead,
  type FloatHeadTrainer,
  quantizeModel,
  type TrainKernel,
  type TrainKernelChoice,
  trainKernel,
} from './float/index.js';
import type { FloatHead } from './float/types.js';
import { modelGrowth, type NetworkModel, networkModelHash } from './model.js';
import { LocalShard, type ShardSpec } from './shard.js';

export interface LocalTrainerOptions {
  readonly shard: ShardSpec;
  /** Seed of the local PRNG (minibatch order, math tasks): any string, e.g. the node's address. */
  readonly seed: string | Uint8Array;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Training kernel, or which one to load: 'default' (WASM if available, else TS). */
  readonly kernel?: TrainKernel | TrainKernelChoice;
  /**
   * Share of each weight tensor a delta carries (compress.ts, e.g. DEFAULT_DELTA_DENSITY = 1/128,
   * with error feedback), or null (the default) for the whole quantized difference.
   */
  readonly deltaDensity?: number | null;
  /**
   * With compressed deltas: after this many samples on one base (the chain took none of this
   * trainer's deltas meanwhile) the trainer starts the round again from the base, dropping what
   * it learnt since and its remainder (default 500,000; null: never). Measured (3 trainers, a
   * 400,000-sample base, sparse-mean of their 1/128 deltas): +4,760 ppm after 200,000 samples
   * each, +2,258 after 1,000,000, −12,574 after 3,000,000, −21,241 after 6,000,000, while one
   * trainer's own model kept improving (+11,413 → +48,034): the top 1/128 of a long round's
   * update, alone, breaks the model. In a 30-minute soak the chain stalled that way.
   */
  readonly maxRoundSamples?: number | null;
}

export const DEFAULT_MAX_ROUND_SAMPLES = 500_000;

/** Head trained by each minibatch in turn (0 lm, 1 math), as the evaluation weighs them. */
const SCHEDULE: readonly number[] = [0, 0, 0, 1];

export class LocalTrainer {
  private readonly data: LocalShard;
  private readonly batchSize: number;
  private readonly adam: AdamOptions;
  readonly kernel: TrainKernel;
  private heads: FloatHeadTrainer[] = [];
  /** Layer shapes of each head trainer. */
  private readonly shapes: string[] = [];
  private base: NetworkModel | undefined;
  private readonly maxRound: number | null;
  /** Rounds restarted from the base because they ran past maxRoundSamples. */
  restarts = 0;
  /** Samples since the chain last took a new model (a level change keeps the round going). */
  private roundSamples = 0;
  /** The last delta handed out against `base` (error feedback), if any. */
  private sent: ModelDelta | undefined;
  private readonly density: number | null;
  private next = 0;
  /** Samples trained since the last setBase. */
  samples = 0;

  constructor(opts: LocalTrainerOptions) {
    this.data = new LocalShard(opts.shard, opts.seed);
    this.batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 4096) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'batchSize must be 1..4096' });
    }
    const k = opts.kernel ?? 'default';
    this.kernel = typeof k === 'string' ? trainKernel(k) : k;
    this.density = opts.deltaDensity == null ? null : checkDensity(opts.deltaDensity);
    this.maxRound = opts.maxRoundSamples === undefined ? DEFAULT_MAX_ROUND_SAMPLES : opts.maxRoundSamples;
    this.adam = { ...DEFAULT_ADAM, lr: opts.learningRate ?? DEFAULT_ADAM.lr };
    if (!(this.adam.lr > 0 && this.adam.lr < 1)) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'learningRate must be in (0, 1)' });
    }
  }

  get hasBase(): boolean {
    return this.base !== undefined;
  }

  /**
   * Restarts from `model` (the chain's current model) with math tasks at the chain's `levels`.
   * Optimizer state is kept across rounds. With compressed deltas, what was learnt on the old
   * base and not sent (error feedback) is added back on top of `model` when the shapes match.
   */
  setBase(model: NetworkModel, levels: readonly number[] = []): void {
    const carry = this.density !== null && this.base !== undefined ? this.remainder(model) : undefined;
    if (!this.base || !equalBytes(networkModelHash(this.base), networkModelHash(model)))
      this.roundSamples = 0;
    this.base = model;
    this.sent = undefined;
    this.data.level = levels[0] ?? 0;
    this.samples = 0;
    model.heads.forEach((h, i) => {
      const f = dequantizeHead(h);
      const r = carry?.[i];
      if (r) {
        f.layers.forEach((l, li) => {
          const rl = r.layers[li]!;
          const max = WEIGHT_MAX / 2 ** l.shift;
          for (let k = 0; k < l.w.length; k++) l.w[k] = Math.max(-max, Math.min(max, l.w[k]! + rl.w[k]!));
          for (let k = 0; k < l.b.length; k++) l.b[k] = l.b[k]! + rl.b[k]!;
        });
      }
      const prev = this.heads[i];
      const shape = h.layers.map((l) => `${l.inputs}x${l.outputs}`).join(',');
      // A grown model (capacity growth) gets a new trainer; otherwise the optimiser state is kept.
      if (prev && this.shapes[i] === shape) prev.loadHead(f);
      else this.heads[i] = this.kernel.createHeadTrainer(f, this.adam);
      this.shapes[i] = shape;
    });
  }

  /**
   * Per head, the float weights minus (base + last delta sent): what is still unsent. When `next`
   * is the same model as the base (a level change, no update), nothing was delivered: the
   * remainder is everything learnt. Undefined when `next` has another shape (capacity growth:
   * the remainder is dropped).
   */
  private remainder(next: NetworkModel): (FloatHead | undefined)[] | undefined {
    const base = this.base;
    if (!base || !sameGrowth(modelGrowth(base), modelGrowth(next))) return undefined;
    const delivered = this.sent !== undefined && !equalBytes(networkModelHash(base), networkModelHash(next));
    const sentModel = delivered && this.sent ? applyModelDelta(base, this.sent) : base;
    return sentModel.heads.map((h, i) => {
      const cur = this.heads[i]?.readHead();
      if (!cur) return undefined;
      const at = dequantizeHead(h);
      return {
        layers: cur.layers.map((l, li) => {
          const s = at.layers[li]!;
          const w = new Float32Array(l.w.length);
          for (let k = 0; k < w.length; k++) w[k] = l.w[k]! - s.w[k]!;
          const b = new Float32Array(l.b.length);
          for (let k = 0; k < b.length; k++) b[k] = l.b[k]! - s.b[k]!;
          return { ...l, w, b };
        }),
      };
    });
  }

  /**
   * Trains about `n` samples (whole minibatches). Heads take turns in the evaluation's
   * proportions: three language batches for each math batch. Returns samples trained.
   */
  train(n: number): number {
    if (!this.base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    let done = 0;
    const rows = Array.from({ length: this.batchSize }, (_, i) => i);
    while (done < n) {
      const d = SCHEDULE[this.next]!;
      this.next = (this.next + 1) % SCHEDULE.length;
      this.heads[d]!.step(this.data.batch(d, this.batchSize), rows);
      done += this.batchSize;
    }
    this.samples += done;
    this.roundSamples += done;
    if (this.density !== null && this.maxRound !== null && this.roundSamples >= this.maxRound) {
      this.restartRound();
    }
    return done;
  }

  /** Back to the base's weights: a new round on the same base, nothing carried (maxRoundSamples). */
  private restartRound(): void {
    const base = this.base!;
    base.heads.forEach((h, i) => {
      this.heads[i]!.loadHead(dequantizeHead(h));
    });
    this.sent = undefined;
    this.samples = 0;
    this.roundSamples = 0;
    this.restarts++;
  }

  /** The float weights rounded into the consensus domain. */
  currentModel(): NetworkModel {
    if (!this.base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    return quantizeModel(
      this.heads.map((h) => h.readHead()),
      this.base,
    );
  }

  /**
   * What training has added to the base, as a consensus delta: compressed (and remembered for
   * error feedback), or the whole quantized difference when deltaDensity is null.
   */
  delta(): ModelDelta {
    if (!this.base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    if (this.density === null) return diffModels(this.base, this.currentModel());
    const d = compressUpdate(
      this.base,
      this.heads.map((h) => h.readHead()),
      this.density,
    );
    this.sent = d;
    return d;
  }
}
