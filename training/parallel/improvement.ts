/**
 * ImprovementWorker: verifies a block's model update (consensus verifyImprovement: combine the
 * contributions, score parent and child on the block's sample, credit each contribution) on a
 * worker thread, so that the thread that calls it stays free meanwhile: a node keeps relaying
 * blocks, answering pings and serving RPC while it scores an update block, which on a busy
 * machine takes seconds. The result is the same as verifyImprovement's on the calling thread
 * (the worker builds the same evaluator; consensus is integer and deterministic), and a bad
 * block gets the same VerdictError.
 *
 * The caller never waits on the worker's health: until the worker is ready (it starts at the
 * first job when `lazy`), after it failed, after a job it did not answer within `timeoutMs`, and
 * after close(), a job is verified on the calling thread with `deps.evaluator`, as it would be
 * without the worker.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type ImprovementResult,
  type NetworkParams,
  VerdictError,
  verifyImprovementJob,
} from '../../consensus/index.js';
import { TrainingError } from '../errors.js';
import type { NetworkEvaluator } from '../evaluator.js';
import type { NetworkModel } from '../model.js';
import type { FromImprovementWorker, ImprovementJob, ToImprovementWorker } from './improvementProtocol.js';

export type { ImprovementJob } from './improvementProtocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** How long a worker asked to stop may take before it is terminated. */
const STOP_GRACE_MS = 10_000;

export interface ImprovementWorkerOptions {
  readonly params: NetworkParams;
  /** Kernel of the worker (default: the fastest available, as the calling thread's). */
  readonly kernel?: 'js' | 'wasm' | 'default';
  /** Give the worker a scoring helper thread of its own (default: on a multi-core machine). */
  readonly helper?: boolean;
  /**
   * Longest wait for a job's answer before verifying it here and retiring the worker (default
   * 120 s: a scoring takes tens of milliseconds on an idle core, seconds on a saturated machine).
   */
  readonly timeoutMs?: number;
  /** Start the worker at the first job (verified on the calling thread) rather than at start(). */
  readonly lazy?: boolean;
  /** Told why the worker stopped taking jobs (start failed, a job timed out, the worker died). */
  readonly onRetire?: (reason: string) => void;
}

export interface ImprovementWorkerDeps {
  /** The calling thread's evaluator, for the jobs the worker does not take. */
  readonly evaluator: NetworkEvaluator;
}

interface Pending {
  readonly job: ImprovementJob;
  readonly resolve: (r: ImprovementResult<NetworkModel>) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class ImprovementWorker {
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  /** Jobs the worker answered, and jobs verified on the calling thread instead. */
  done = 0;
  inline = 0;

  constructor(
    private readonly opts: ImprovementWorkerOptions,
    private readonly deps: ImprovementWorkerDeps,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'timeoutMs' });
    }
  }

  /** Whether jobs go to the worker. */
  get available(): boolean {
    return this.worker !== undefined;
  }

  /** Spawns the worker and waits until its evaluator is ready; a failure retires it. */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.starting ??= this.spawn().catch((e: Error) => {
      this.opts.onRetire?.(`start failed: ${e.message}`);
      throw e;
    });
    return this.starting;
  }

  /** verifyImprovement(evaluator, job…, params), on the worker when it is available. */
  verify(job: ImprovementJob): Promise<ImprovementResult<NetworkModel>> {
    const worker = this.worker;
    if (!worker) {
      if (this.opts.lazy && this.starting === undefined && !this.closed) this.start().catch(() => {});
      return this.verifyHere(job);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.retire(`no answer within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      this.pending.set(id, { job, resolve, reject, timer });
      worker.postMessage({ type: 'verify', id, job } satisfies ToImprovementWorker);
    });
  }

  /** Stops the worker (after the job it is on); jobs still pending are verified here. */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => {});
    const worker = this.worker;
    const exited = this.exited;
    this.worker = undefined;
    this.takeBackPending();
    if (!worker || !exited) return;
    worker.postMessage({ type: 'stop' } satisfies ToImprovementWorker);
    const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private verifyHere(job: ImprovementJob): Promise<ImprovementResult<NetworkModel>> {
    this.inline++;
    try {
      return Promise.resolve(verifyImprovementJob(this.deps.evaluator, job, this.opts.params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async spawn(): Promise<void> {
    const worker = new Worker(WORKER_URL, { execArgv: [], workerData: { main: 'improvementMain' } });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const startup: {
      onMessage?: (m: FromImprovementWorker) => void;
      onError?: (e: Error) => void;
      onExit?: (code: number) => void;
    } = {};
    try {
      await new Promise<void>((resolve, reject) => {
        const failed = (reason: string) =>
          reject(new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason }));
        startup.onMessage = (m) =>
          m.type === 'ready' ? resolve() : failed(m.type === 'failed' ? m.message : m.type);
        startup.onError = (e) => failed(e.message);
        startup.onExit = (code) => failed(`exit code ${code}`);
        worker.once('message', startup.onMessage);
        worker.once('error', startup.onError);
        worker.once('exit', startup.onExit);
        worker.postMessage({
          type: 'init',
          params: this.opts.params,
          kernel: this.opts.kernel ?? 'default',
          helper: this.opts.helper ?? availableParallelism() > 1,
        } satisfies ToImprovementWorker);
      });
    } catch (e) {
      worker.postMessage({ type: 'stop' } satisfies ToImprovementWorker);
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      throw e;
    } finally {
      if (startup.onMessage) worker.off('message', startup.onMessage);
      if (startup.onError) worker.off('error', startup.onError);
      if (startup.onExit) worker.off('exit', startup.onExit);
    }
    worker.on('exit', (code) => this.lost(worker, `worker exited (code ${code})`));
    worker.on('error', (e) => this.lost(worker, `worker failed: ${e.message}`));
    worker.on('message', (m: FromImprovementWorker) => this.answer(m));
    worker.unref();
    if (this.closed) {
      worker.postMessage({ type: 'stop' } satisfies ToImprovementWorker);
      await exited;
      return;
    }
    this.worker = worker;
    this.exited = exited;
  }

  private answer(m: FromImprovementWorker): void {
    if (m.type === 'ready' || m.type === 'failed') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === 'result') {
      this.done++;
      p.resolve(m.result);
    } else if (m.type === 'verdict') {
      this.done++;
      p.reject(new VerdictError(m.reason, m.detail, m.level));
    } else {
      // the worker could not verify it (not a verdict on the block): verify it here
      this.verifyHere(p.job).then(p.resolve, p.reject);
    }
  }

  /** The worker died or hung: no more jobs go to it, and its pending jobs are verified here. */
  private lost(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.retire(reason);
  }

  private retire(reason: string): void {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    this.opts.onRetire?.(reason);
    this.takeBackPending();
    void w.terminate();
  }

  private takeBackPending(): void {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const p of jobs) {
      clearTimeout(p.timer);
      this.verifyHere(p.job).then(p.resolve, p.reject);
    }
  }
}
