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
 *
 * It also scores a miner's proposals (`propose`: federation buildProposal, seconds of scoring on
 * a busy machine) with the same fallbacks: the node's miner then never holds up the thread that
 * relays blocks. Jobs run one at a time, in the order given.
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
import { buildProposal, type ProposalInput, type ProposalOutcome } from '../federation/buildProposal.js';
import type { NetworkModel } from '../model.js';
import type { FromImprovementWorker, ImprovementJob, ToImprovementWorker } from './improvementProtocol.js';
import type { JobTiming } from './threadTime.js';

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
  /**
   * Nice levels the worker and its helper run below the calling thread (priority.ts; default 0:
   * the same priority). A node uses SCORING_NICE, so that its own thread relays blocks first.
   */
  readonly nice?: number;
  /** Start the worker at the first job (verified on the calling thread) rather than at start(). */
  readonly lazy?: boolean;
  /** Told why the worker stopped taking jobs (start failed, a job timed out, the worker died). */
  readonly onRetire?: (reason: string) => void;
  /** Told the times of each job the worker answered (not of those done on the calling thread). */
  readonly onJob?: (job: JobReport) => void;
}

/** A job the worker answered: what it was and how long it took. */
export interface JobReport extends JobTiming {
  readonly kind: 'verify' | 'propose';
  /** The block's hash (verify) or the proposal's base model hash (propose). */
  readonly hash: Uint8Array;
  /** From posting the job to its answer on the calling thread, ms (queue and transfer included). */
  readonly totalMs: number;
  /** Whether the job ended in a verdict against the block. */
  readonly verdict: boolean;
}

export interface ImprovementWorkerDeps {
  /** The calling thread's evaluator, for the jobs the worker does not take. */
  readonly evaluator: NetworkEvaluator;
}

interface Pending {
  readonly kind: JobReport['kind'];
  readonly hash: Uint8Array;
  readonly postedAt: number;
  /** Does the job on the calling thread (the fallback). */
  readonly here: () => unknown;
  readonly resolve: (r: unknown) => void;
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
  /** Jobs the worker answered, and jobs done on the calling thread instead. */
  done = 0;
  inline = 0;
  /** The worker thread's nice value once started (null: threads have none of their own here). */
  nice: number | null = null;
  /** Its scoring helper's (null: no helper, or none of their own). */
  helperNice: number | null = null;

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
    return this.run(
      'verify',
      job.blockHash,
      (id) => ({ type: 'verify', id, job }),
      () => verifyImprovementJob(this.deps.evaluator, job, this.opts.params),
    );
  }

  /** buildProposal(evaluator, params, input), on the worker when it is available. */
  propose(input: ProposalInput<NetworkModel>): Promise<ProposalOutcome> {
    return this.run(
      'propose',
      input.base,
      (id) => ({ type: 'propose', id, input }),
      () => buildProposal(this.deps.evaluator, this.opts.params, input),
    );
  }

  private run<T>(
    kind: JobReport['kind'],
    hash: Uint8Array,
    message: (id: number) => ToImprovementWorker,
    here: () => T,
  ): Promise<T> {
    const worker = this.worker;
    if (!worker) {
      if (this.opts.lazy && this.starting === undefined && !this.closed) this.start().catch(() => {});
      return this.doHere(here);
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.retire(`no answer within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      this.pending.set(id, {
        kind,
        hash,
        postedAt: performance.now(),
        here,
        resolve: resolve as (r: unknown) => void,
        reject,
        timer,
      });
      worker.postMessage(message(id));
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

  private doHere<T>(here: () => T): Promise<T> {
    this.inline++;
    try {
      return Promise.resolve(here());
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
        startup.onMessage = (m) => {
          if (m.type !== 'ready') return failed(m.type === 'failed' ? m.message : m.type);
          this.nice = m.nice;
          this.helperNice = m.helperNice;
          resolve();
        };
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
          nice: this.opts.nice ?? 0,
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
    if (this.closed) {
      // closed while it started: stop it as close() does. Still referenced (unref'd, a worker
      // awaited here with nothing else left to keep the event loop alive let a stopping node's
      // process end with its shutdown unfinished: exit code 13)
      worker.postMessage({ type: 'stop' } satisfies ToImprovementWorker);
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      return;
    }
    worker.unref();
    this.worker = worker;
    this.exited = exited;
  }

  private answer(m: FromImprovementWorker): void {
    if (m.type === 'ready' || m.type === 'failed') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type !== 'error') {
      this.opts.onJob?.({
        kind: p.kind,
        hash: p.hash,
        ...m.timing,
        totalMs: performance.now() - p.postedAt,
        verdict: m.type === 'verdict',
      });
    }
    if (m.type === 'result' || m.type === 'proposal') {
      this.done++;
      p.resolve(m.type === 'result' ? m.result : m.outcome);
    } else if (m.type === 'verdict') {
      this.done++;
      p.reject(new VerdictError(m.reason, m.detail, m.level));
    } else {
      // the worker could not do it (not a verdict on the block): do it here
      this.doHere(p.here).then(p.resolve, p.reject);
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
      this.doHere(p.here).then(p.resolve, p.reject);
    }
  }
}
