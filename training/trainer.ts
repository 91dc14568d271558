/**
 * The node's trainer service: a worker thread that trains on the local shard in duty cycles
 * (cpuShare of one core, default 50%), against the chain model it is given, and hands out the
 * quantized delta learnt so far (to be signed and gossiped as a SignedDelta). Training runs on the
 * WASM SIMD kernel when built (else plain TS; see TrainerDeps.trainKernel). The same worker can
 * score a model off the main thread (e.g. for RPC), with the same integer result.
 *
 *   const t = new Trainer({ shard: { index: 0, count: 3 } });
 *   await t.start();  t.setBase(chainModel);  ...  const s = await t.snapshot();  await t.stop();
 */
import { Worker } from 'node:worker_threads';
import type { Hash } from '../consensus/index.js';
import { TrainingError } from './errors.js';
import type { TrainKernelChoice, TrainKernelName } from './float/index.js';
import { encodeNetworkModel, type NetworkModel } from './model.js';
import { type TrainerOptions, trainerOptions } from './options.js';
import type { ShardSpec } from './shard.js';
import type { FromWorker, ToWorker } from './worker/protocol.js';

const WORKER_URL = new URL('./worker/worker.js', import.meta.url);

export interface TrainerDeps {
  /** Worker script (tests may substitute one). */
  readonly workerUrl?: URL;
  /**
   * Local training kernel: 'default' (WASM SIMD when dist/training/train.wasm is present and the
   * engine supports it, else plain TS), or 'js' / 'wasm' ('wasm' fails start() when unavailable).
   */
  readonly trainKernel?: TrainKernelChoice;
}

export interface TrainerSnapshot {
  /** Kernel the worker trains with. */
  readonly kernel: TrainKernelName;
  /** Hash of the model the delta is against (null before the first setBase). */
  readonly baseModelHash: Uint8Array | null;
  /** Samples trained since that base. */
  readonly samples: number;
  /** Samples trained since the worker started, across bases. */
  readonly totalSamples: number;
  /** Encoded delta (delta.ts), or null if nothing has changed in the consensus domain yet. */
  readonly delta: Uint8Array | null;
  /** Milliseconds the worker spent training, and since it started (busyMs/elapsedMs ≈ cpuShare). */
  readonly busyMs: number;
  readonly elapsedMs: number;
}

export interface WorkerScore {
  readonly kernel: 'js' | 'wasm';
  /** Correct answers per domain (lm, math). */
  readonly byDomain: readonly number[];
}

interface Pending {
  resolve(v: TrainerSnapshot | WorkerScore): void;
  reject(e: TrainingError): void;
}

export class Trainer {
  readonly opts: TrainerOptions;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: TrainingError | undefined;
  private trainKernel: TrainKernelName | undefined;

  constructor(
    opts: Partial<TrainerOptions> & { readonly shard: ShardSpec },
    private readonly deps: TrainerDeps = {},
  ) {
    this.opts = trainerOptions(opts);
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Kernel the worker trains with, known once start() resolved. */
  get kernel(): TrainKernelName | undefined {
    return this.trainKernel;
  }

  /** Spawns the worker and waits until its data is loaded (~1–2 s). */
  async start(): Promise<void> {
    if (this.worker) return;
    this.failure = undefined;
    const worker = new Worker(this.deps.workerUrl ?? WORKER_URL, { execArgv: [] });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const fail = (reason: string): void => {
        const err = new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason });
        this.failure = err;
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        reject(err);
      };
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          this.trainKernel = m.kernel;
          resolve();
        } else if (m.type === 'snapshot') {
          const { id, type: _, ...snap } = m;
          this.settle(id)?.resolve(snap);
        } else if (m.type === 'score') {
          this.settle(m.id)?.resolve({ kernel: m.kernel, byDomain: m.byDomain });
        } else if (m.type === 'error') {
          const err = new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason: m.message });
          if (m.id !== undefined) this.settle(m.id)?.reject(err);
          else fail(m.message);
        }
      });
      worker.once('error', (e) => fail(e.message));
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (code !== 0) fail(`exit code ${code}`);
      });
      this.post({ type: 'init', opts: this.opts, trainKernel: this.deps.trainKernel ?? 'default' });
    });
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private post(m: ToWorker): void {
    if (!this.worker) throw new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    this.worker.postMessage(m);
  }

  private request<T extends TrainerSnapshot | WorkerScore>(make: (id: number) => ToWorker): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.worker) return Promise.reject(new TrainingError({ code: 'TRAINING_NOT_RUNNING' }));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: TrainerSnapshot | WorkerScore) => void, reject });
      this.post(make(id));
    });
  }

  /**
   * Starts a new round against `model` at the chain's `levels` (call whenever the chain's model or
   * levels change). `delivered`: the encoded delta of this trainer's that `model` took in, null
   * when the update left it out, omitted when unknown (LocalTrainer.setBase).
   */
  setBase(model: NetworkModel, levels: readonly number[], delivered?: Uint8Array | null): void {
    this.post({
      type: 'base',
      model: encodeNetworkModel(model),
      levels: [...levels],
      ...(delivered === undefined ? {} : { delivered }),
    });
  }

  setCpuShare(cpuShare: number): void {
    trainerOptions({ ...this.opts, cpuShare });
    this.post({ type: 'cpuShare', cpuShare });
  }

  /** The delta learnt since the current base. */
  snapshot(): Promise<TrainerSnapshot> {
    return this.request<TrainerSnapshot>((id) => ({ type: 'snapshot', id }));
  }

  /** Scores `model` on the worker thread (same integers as the main thread). */
  score(
    model: NetworkModel,
    seed: Hash,
    count: number,
    levels: readonly number[],
    kernel: 'js' | 'wasm' | 'default' = 'default',
  ): Promise<WorkerScore> {
    const bytes = encodeNetworkModel(model);
    return this.request<WorkerScore>((id) => ({
      type: 'score',
      id,
      model: bytes,
      seed,
      count,
      levels: [...levels],
      kernel,
    }));
  }

  /** Stops the worker; resolves once the thread has exited. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const timeout = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timeout);
    this.worker = undefined;
    const err = new TrainingError({ code: 'TRAINING_NOT_RUNNING' });
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
