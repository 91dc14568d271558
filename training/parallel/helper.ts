/**
 * ScoreHelper: a second thread for consensus scoring. A block's verification scores the parent
 * and the child on one batch, then each leave-one-out model on the disagreement samples
 * (consensus/poi); these scorings are independent, so the evaluator (evaluator.ts) hands about
 * half of them to this worker and does the rest itself. Consensus code stays synchronous: the
 * main thread posts the request, scores its own share, then blocks in Atomics.wait on the
 * request's shared buffer until the worker has written its answer; a job the worker has not begun
 * by then is taken back and scored by the main thread (protocol.ts: no job is scored twice, and on
 * a machine short of CPU the main thread does not sit waiting for a starved worker, as it did for
 * up to `timeoutMs` in a 32-node netsim, 22 s per update block). The worker builds the same
 * batch from (seed, count, levels) with the same integer code, and every kernel gives identical
 * predictions, so a score never depends on which thread computed it. A request the worker fails
 * or, once begun, does not finish within `timeoutMs` returns null and the evaluator scores it
 * itself; after such a timeout or a worker exit the helper is no longer used (`available` false),
 * nor after close().
 */
import { Worker } from 'node:worker_threads';
import { TrainingError } from '../errors.js';
import type { QuantHead } from '../model.js';
import {
  type FromHelper,
  lossesOffset,
  RESULT_HEADER,
  STATE_CLAIMED,
  STATE_DONE,
  STATE_PENDING,
  STATE_STOLEN,
  type ToHelper,
} from './protocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

export interface ScoreHelperOptions {
  /** Kernel of the worker (default: the fastest available, as the main thread's). */
  readonly kernel?: 'js' | 'wasm' | 'default';
  /**
   * Longest wait for a job the worker has begun before scoring it locally and retiring the helper
   * (default 30 s): a hung worker, since a job not begun is taken back at once. Scoring the job
   * again here would cost what the worker is spending on it: on a machine short of CPU a begun
   * job is worth waiting for (with 10 s, every node of a 32-node netsim on 2 cores retired its
   * helper at the first update blocks).
   */
  readonly timeoutMs?: number;
  /**
   * Start the worker in the background at the first job (which this thread then scores itself)
   * rather than at start(): a node that never verifies a model update never spawns it.
   */
  readonly lazy?: boolean;
  /** Nice levels the worker thread runs below the caller's (priority.ts; default 0: the same). */
  readonly nice?: number;
  /** Told why the helper stopped taking jobs (start failed, a job timed out, the worker died). */
  readonly onRetire?: (reason: string) => void;
}

/** One head to score on one domain of a batch (restricted to `samples` when given). */
export interface ScoreJob {
  readonly seed: Uint8Array;
  readonly count: number;
  readonly levels: readonly number[];
  readonly domain: number;
  readonly samples: Uint32Array | null;
  readonly head: QuantHead;
  /** Rows the job scores (the domain's rows of the batch, or of the subset). */
  readonly rows: number;
  /** Also compute each row's log-loss (kernel/loss.ts). */
  readonly losses: boolean;
}

/** What the worker computed for a job. */
export interface ScoreAnswer {
  readonly correct: number;
  readonly preds: Uint8Array;
  /** Per-row log-loss, when the job asked for it. */
  readonly losses?: Int32Array;
}

/** A posted job: `wait()` gives its answer, or null (score it yourself). */
export interface ScoreTicket {
  wait(): ScoreAnswer | null;
}

export class ScoreHelper {
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private readonly timeoutMs: number;
  /** Why the worker could not start (a lazy helper then stays retired). */
  startError: Error | undefined;
  /** Jobs answered by the worker, and jobs it failed or did not answer in time. */
  done = 0;
  failed = 0;
  /** Jobs the worker had not begun when their answer was wanted, scored by the caller instead. */
  stolen = 0;
  /** The worker thread's nice value once started (null: not lowered). */
  nice: number | null = null;

  constructor(private readonly opts: ScoreHelperOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** A started helper (tests and tools). */
  static async start(opts: ScoreHelperOptions = {}): Promise<ScoreHelper> {
    const helper = new ScoreHelper(opts);
    await helper.start();
    return helper;
  }

  /**
   * Spawns the worker and waits until its kernel and data are loaded (~0.5–1 s). Until then, and
   * if it fails, the helper takes no jobs.
   */
  start(): Promise<void> {
    this.starting ??= this.spawn().catch((e: Error) => {
      this.startError = e;
      this.opts.onRetire?.(`start failed: ${e.message}`);
      throw e;
    });
    return this.starting;
  }

  private async spawn(): Promise<void> {
    const worker = new Worker(WORKER_URL, { execArgv: [] });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m: FromHelper) => {
          if (m.type === 'ready') {
            this.nice = m.nice;
            resolve();
          } else reject(new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason: m.message }));
        });
        worker.once('error', (e) =>
          reject(new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason: e.message })),
        );
        worker.once('exit', (code) =>
          reject(new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason: `exit code ${code}` })),
        );
        worker.postMessage({
          type: 'init',
          kernel: this.opts.kernel ?? 'default',
          nice: this.opts.nice ?? 0,
        } satisfies ToHelper);
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    worker.removeAllListeners();
    // a failure after start retires the helper; the evaluator then scores everything itself
    const retire = (reason: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.opts.onRetire?.(reason);
    };
    worker.on('exit', (code) => retire(`worker exited (code ${code})`));
    worker.on('error', (e) => retire(`worker failed: ${e.message}`));
    worker.on('message', () => {}); // a job's failure is reported through its result buffer
    worker.unref();
    this.worker = worker;
  }

  /** Whether jobs go to the worker. */
  get available(): boolean {
    return this.worker !== undefined;
  }

  /** Posts `job` to the worker; null when the helper is not available. */
  submit(job: ScoreJob): ScoreTicket | null {
    const worker = this.worker;
    if (!worker) {
      if (this.opts.lazy && this.starting === undefined) this.start().catch(() => {});
      return null;
    }
    const result = new SharedArrayBuffer(
      job.losses ? lossesOffset(job.rows) + job.rows * 4 : RESULT_HEADER + job.rows,
    );
    const { rows: _, ...req } = job;
    worker.postMessage({ type: 'score', ...req, result } satisfies ToHelper);
    const state = new Int32Array(result, 0, 2);
    return {
      wait: () => {
        // Not begun yet (the worker is busy, or starved of CPU): take it back and score it here.
        if (Atomics.compareExchange(state, 0, STATE_PENDING, STATE_STOLEN) === STATE_PENDING) {
          this.stolen++;
          return null;
        }
        const r = Atomics.wait(state, 0, STATE_CLAIMED, this.timeoutMs);
        if (Atomics.load(state, 0) !== STATE_DONE) {
          this.failed++;
          if (r === 'timed-out') this.retire(`no answer within ${this.timeoutMs} ms`);
          return null;
        }
        this.done++;
        const preds = new Uint8Array(result, RESULT_HEADER, job.rows).slice();
        if (!job.losses) return { correct: state[1]!, preds };
        const losses = new Int32Array(result, lossesOffset(job.rows), job.rows).slice();
        return { correct: state[1]!, preds, losses };
      },
    };
  }

  private retire(reason: string): void {
    const w = this.worker;
    this.worker = undefined;
    this.opts.onRetire?.(reason);
    void w?.terminate();
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.starting?.catch(() => {});
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
