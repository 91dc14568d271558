/**
 * In-thread local training: float Adam on the node's shard, starting from the chain model, and
 * the delta of what it has learnt since: the whole quantized difference (default), or compressed
 * (compress.ts: top-k, two levels, with error feedback) when a deltaDensity is given. The worker
 * (worker/) runs one of these; tests and benchmarks use it directly. Heads train on the WASM SIMD kernel when it is built, else on the plain-TS one
 * (float/): the weights stay in the kernel between setBase calls.
 *
 * Projection: with compressed deltas the trainer trains in the space of what it can send. Every
 * projectSamples samples its weights are set to base + compress(average − base), so however long
 * a round lasts on one base, its delta stays faithful to the model the trainer measures (a long
 * round's top 1/128, without it, breaks the model).
 *
 * Error feedback: when the chain's model changes, setBase restarts from the new model PLUS what
 * this trainer learnt and the new model does not hold (its weights minus the old base plus the
 * delta of its that the new model took in: the one the caller names, by default its last delta;
 * none when its delta was left out of the update), so that is delayed, not dropped.
 */

import { equalBytes } from '../consensus/index.js';
import { WEIGHT_MAX } from './arch.js';
import { checkDensity, compressUpdate } from './compress.js';
import { MAX_CONTRIBUTION_DENSITY } from './constants.js';
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
   * With compressed deltas: every this many samples the trainer's weights are set to what it can
   * send, base + compress(average − base) (default 250,000; null: never). Without it a long round
   * on one base drifts away from its own compressed delta: the top 1/128 of a long round's update,
   * alone, breaks the model. Measured (scripts/experiments/longRounds.ts project; 3 trainers from
   * a 2,000,000-sample base, sparse-mean of their 1/128 deltas, 6 block samples): without
   * projection +681 ppm after 250,000 samples each, +986 after 1,000,000, −2,747 after 3,000,000
   * (a 30-minute soak stalled that way); with it every 50,000 samples +3,784, +2,990 and +3,550
   * (no moving average). The default is longer so that the average spans ten of its updates.
   */
  readonly projectSamples?: number | null;
  /**
   * With compressed deltas: the trainer sends (and projects) an exponential moving average of its
   * weights, updated every AVERAGE_EVERY samples with this decay (default 0.9; null: the current
   * weights). Adam's last iterate jitters around the path it follows; the average does not.
   * Measured (scripts/experiments/longRounds.ts average; one trainer 1,000,000 samples past a
   * 2,000,000-sample base of the largest model, 6 block samples): the last iterate +6,693 ppm at
   * z = 2.58 (significant on 2 of 6), the average +16,581 ppm at z = 6.94 (6 of 6).
   */
  readonly averageDecay?: number | null;
  /** With compressed deltas: samples on one chain model per doubling of the density (DENSITY_DOUBLING_SAMPLES). */
  readonly densityDoublingSamples?: number;
  /**
   * With compressed deltas: projection and the moving average start once a round has run this
   * many samples on one chain model (LONG_ROUND_SAMPLES); a shorter round sends the last iterate's
   * top entries and keeps the rest for later rounds (error feedback), as before.
   */
  readonly longRoundSamples?: number;
}

/**
 * A round is long from this many samples on one chain model (the chain took no update meanwhile).
 * Short rounds need neither projection nor the average: error feedback sends what they leave out
 * in the next rounds, and projection would drop it; the average would send a lagging model while
 * the trainer still learns fast. A soak with both from the first sample reached 52.2% language
 * held-out at 7.8 minutes; the previous soak (round bound, neither of them) had 54.3% at 4.8.
 */
export const LONG_ROUND_SAMPLES = 1_000_000;

/** Samples between two updates of the weights' moving average. */
export const AVERAGE_EVERY = 25_000;
export const DEFAULT_AVERAGE_DECAY = 0.9;

export const DEFAULT_PROJECT_SAMPLES = 250_000;

/**
 * With compressed deltas: the density doubles for every this many samples the trainer trains on
 * one chain model, from deltaDensity up to MAX_CONTRIBUTION_DENSITY (the consensus bound). A short
 * round is carried well by 1/128 of the weights; a long one (the chain took no update meanwhile:
 * its gains were too small to be significant) needs more of them, and pays for them in bytes only
 * while the chain is stuck.
 */
export const DENSITY_DOUBLING_SAMPLES = 1_000_000;

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
  private readonly projectEvery: number | null;
  /** Samples since the weights were last projected onto what the trainer can send. */
  private sinceProjection = 0;
  /** Projections done (what the trainer learnt outside its compressed delta was dropped). */
  projections = 0;
  private readonly decay: number | null;
  /** Moving average of the weights since the last setBase or projection (compressed deltas only). */
  private average: FloatHead[] | undefined;
  private sinceAverage = 0;
  /** The last delta handed out against `base` (error feedback), if any. */
  private sent: ModelDelta | undefined;
  /** The other trainers' deltas on this base that the weights include (setPeers), or undefined. */
  private peers: ModelDelta | undefined;
  private readonly density: number | null;
  /** Samples since the chain's model last changed (a level change keeps the round going). */
  private roundSamples = 0;
  private readonly doubling: number;
  private readonly longRound: number;
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
    this.projectEvery = opts.projectSamples === undefined ? DEFAULT_PROJECT_SAMPLES : opts.projectSamples;
    if (this.projectEvery !== null && !(Number.isInteger(this.projectEvery) && this.projectEvery > 0)) {
      throw new TrainingError({
        code: 'TRAINING_BAD_OPTIONS',
        reason: 'projectSamples must be a positive integer',
      });
    }
    this.doubling = opts.densityDoublingSamples ?? DENSITY_DOUBLING_SAMPLES;
    if (!(Number.isInteger(this.doubling) && this.doubling > 0)) {
      throw new TrainingError({
        code: 'TRAINING_BAD_OPTIONS',
        reason: 'densityDoublingSamples must be a positive integer',
      });
    }
    this.longRound = opts.longRoundSamples ?? LONG_ROUND_SAMPLES;
    if (!(Number.isInteger(this.longRound) && this.longRound >= 0)) {
      throw new TrainingError({
        code: 'TRAINING_BAD_OPTIONS',
        reason: 'longRoundSamples must be a non-negative integer',
      });
    }
    this.decay = opts.averageDecay === undefined ? DEFAULT_AVERAGE_DECAY : opts.averageDecay;
    if (this.decay !== null && !(this.decay >= 0 && this.decay < 1)) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'averageDecay must be in [0, 1)' });
    }
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
   * base and not delivered (error feedback) is added back on top of `model` when the shapes match.
   * `delivered` is this trainer's delta that `model` took in (the one a block's update carried):
   * null when the update left it out; by default the last delta sent, when the model changed.
   */
  setBase(model: NetworkModel, levels: readonly number[] = [], delivered?: ModelDelta | null): void {
    const carry =
      this.density !== null && this.base !== undefined ? this.remainder(model, delivered) : undefined;
    if (!this.base || !equalBytes(networkModelHash(this.base), networkModelHash(model)))
      this.roundSamples = 0;
    this.base = model;
    this.sent = undefined;
    this.peers = undefined;
    this.data.level = levels[0] ?? 0;
    this.samples = 0;
    this.sinceProjection = 0;
    this.average = undefined;
    this.sinceAverage = 0;
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
   * Per head, the float weights minus (base + the delivered delta): what `next` does not hold.
   * `delivered` undefined: the last delta sent, unless `next` is the same model as the base (a
   * level change, no update: nothing was delivered, the remainder is everything learnt). Undefined
   * when `next` has another shape (capacity growth: the remainder is dropped).
   */
  private remainder(
    next: NetworkModel,
    delivered: ModelDelta | null | undefined,
  ): (FloatHead | undefined)[] | undefined {
    const base = this.base;
    if (!base || !sameGrowth(modelGrowth(base), modelGrowth(next))) return undefined;
    const took =
      delivered !== undefined
        ? delivered
        : this.sent !== undefined && !equalBytes(networkModelHash(base), networkModelHash(next))
          ? this.sent
          : null;
    const own = took && sameGrowth(took.growth, modelGrowth(base)) ? applyModelDelta(base, took) : base;
    const sentModel = this.peers ? applyModelDelta(own, this.peers) : own;
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
    const bs = this.batchSize;
    while (done < n) {
      const d = SCHEDULE[this.next]!;
      this.next = (this.next + 1) % SCHEDULE.length;
      this.heads[d]!.step(this.data.batch(d, bs), rows);
      done += bs;
      this.samples += bs;
      this.roundSamples += bs;
      if (this.density === null || this.roundSamples < this.longRound) continue;
      // checked after every minibatch, so one long call projects and averages as the worker's short ones do
      this.sinceAverage += bs;
      if (this.decay !== null && this.sinceAverage >= AVERAGE_EVERY) this.updateAverage(this.decay);
      this.sinceProjection += bs;
      if (this.projectEvery !== null && this.sinceProjection >= this.projectEvery)
        this.project(this.roundDensity());
    }
    return done;
  }

  /** The density of this round's deltas: deltaDensity, doubled every densityDoublingSamples on one chain model, at most the bound. */
  roundDensity(): number {
    const d = this.density ?? 1;
    const doublings = Math.floor(this.roundSamples / this.doubling);
    return Math.min(Math.max(d, MAX_CONTRIBUTION_DENSITY), d * 2 ** Math.min(doublings, 30));
  }

  /** average ← decay·average + (1 − decay)·weights (the weights themselves the first time). */
  private updateAverage(decay: number): void {
    const cur = this.heads.map((h) => h.readHead());
    const avg = this.average;
    if (!avg) this.average = cur;
    else {
      avg.forEach((a, i) => {
        a.layers.forEach((l, li) => {
          const c = cur[i]!.layers[li]!;
          for (let k = 0; k < l.w.length; k++) l.w[k] = decay * l.w[k]! + (1 - decay) * c.w[k]!;
          for (let k = 0; k < l.b.length; k++) l.b[k] = decay * l.b[k]! + (1 - decay) * c.b[k]!;
        });
      });
    }
    this.sinceAverage = 0;
  }

  /** What the trainer has learnt, as float weights: the moving average when kept, else the weights. */
  private learnt(): FloatHead[] {
    return this.average ?? this.heads.map((h) => h.readHead());
  }

  /**
   * Sets the weights to base + compress(learnt − base), learnt being the moving average when
   * kept: the model the trainer goes on from is one it can send. What fell outside the compressed
   * delta is dropped; the optimiser's state is kept.
   */
  private project(density: number): void {
    const base = this.peers ? applyModelDelta(this.base!, this.peers) : this.base!;
    const sendable = applyModelDelta(base, compressUpdate(base, this.learnt(), density));
    sendable.heads.forEach((h, i) => {
      this.heads[i]!.loadHead(dequantizeHead(h));
    });
    this.average = undefined;
    this.sinceAverage = 0;
    this.sinceProjection = 0;
    this.projections++;
  }

  /**
   * Cooperative training: `offset` is what the other trainers have sent on this base (the sum of
   * their latest deltas); the weights move by the change since the last offset, so that training
   * goes on from the model the network is building, and delta() leaves the offset out (it sends
   * only what this trainer learnt on top of it).
   */
  setPeers(offset: ModelDelta | null): void {
    const base = this.base;
    if (!base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    const from = this.peers ? applyModelDelta(base, this.peers) : base;
    const to = offset ? applyModelDelta(base, offset) : base;
    this.heads.forEach((t, i) => {
      const a = dequantizeHead(from.heads[i]!);
      const b = dequantizeHead(to.heads[i]!);
      const cur = t.readHead();
      cur.layers.forEach((l, li) => {
        const al = a.layers[li]!;
        const bl = b.layers[li]!;
        for (let k = 0; k < l.w.length; k++) l.w[k] = l.w[k]! + bl.w[k]! - al.w[k]!;
        for (let k = 0; k < l.b.length; k++) l.b[k] = l.b[k]! + bl.b[k]! - al.b[k]!;
      });
      t.loadHead(cur);
    });
    this.peers = offset ?? undefined;
    this.average = undefined;
    this.sinceAverage = 0;
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
    const from = this.peers ? applyModelDelta(this.base, this.peers) : this.base;
    if (this.density === null) return diffModels(from, this.currentModel());
    const d = compressUpdate(from, this.learnt(), this.roundDensity());
    this.sent = d;
    return d;
  }
}
