/**
 * In-thread local training: float Adam on the node's shard, starting from the chain model, and
 * the quantized delta of what it has learnt since. The worker (worker/) runs one of these; tests
 * and benchmarks use it directly. Heads train on the WASM SIMD kernel when it is built, else on
 * the plain-TS one (float/): the weights stay in the kernel between setBase calls.
 */
import { diffModels, type ModelDelta } from './delta.js';
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
import type { NetworkModel } from './model.js';
import { LocalShard, type ShardSpec } from './shard.js';

export interface LocalTrainerOptions {
  readonly shard: ShardSpec;
  /** Seed of the local PRNG (minibatch order, math tasks): any string, e.g. the node's address. */
  readonly seed: string | Uint8Array;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Training kernel, or which one to load: 'default' (WASM if available, else TS). */
  readonly kernel?: TrainKernel | TrainKernelChoice;
}

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
   * Optimizer state is kept across rounds.
   */
  setBase(model: NetworkModel, levels: readonly number[] = []): void {
    this.base = model;
    this.data.level = levels[0] ?? 0;
    this.samples = 0;
    model.heads.forEach((h, i) => {
      const f = dequantizeHead(h);
      const prev = this.heads[i];
      const shape = h.layers.map((l) => `${l.inputs}x${l.outputs}`).join(',');
      // A grown model (capacity growth) gets a new trainer; otherwise the optimiser state is kept.
      if (prev && this.shapes[i] === shape) prev.loadHead(f);
      else this.heads[i] = this.kernel.createHeadTrainer(f, this.adam);
      this.shapes[i] = shape;
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
    return done;
  }

  /** The float weights rounded into the consensus domain. */
  currentModel(): NetworkModel {
    if (!this.base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    return quantizeModel(
      this.heads.map((h) => h.readHead()),
      this.base,
    );
  }

  /** What training has added to the base, as a consensus delta. */
  delta(): ModelDelta {
    if (!this.base) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    return diffModels(this.base, this.currentModel());
  }
}
