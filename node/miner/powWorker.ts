/**
 * Proof-of-work search on a worker thread (worker.js → powWorkerMain.ts), with the fastest grinder
 * available there (grinder.ts: WASM SIMD when built, else node:crypto). The search loop never
 * yields, so it is interrupted through shared memory: `PowControl` holds a generation counter the
 * thread reads with Atomics before every batch of nonces (a few ms); `interrupt()` bumps it and
 * every running job stops.
 */
import { Worker } from 'node:worker_threads';
import { HEADER_SIZE } from '../../consensus/index.js';
import { MinerError } from './errors.js';
import type { PowEngine } from './grinder.js';
import type { PowEngineChoice, PowJobMessage, PowWorkerData, PowWorkerReply } from './powProtocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Generation counter shared with every worker; jobs run while it equals their `gen`. */
export class PowControl {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly view = new Int32Array(this.buffer);

  get generation(): number {
    return Atomics.load(this.view, 0);
  }

  /** Stops every job started under the current generation. */
  interrupt(): void {
    Atomics.add(this.view, 0, 1);
  }
}

export interface PowJob {
  /** Encoded header, 116 bytes (its nonce field is ignored). */
  readonly header: Uint8Array;
  /** Target as a 32-byte big-endian number: a hash at or below it wins. */
  readonly target: Uint8Array;
  /** First nonce tried; then nonceStart + 1, ... (u64, wrapping). */
  readonly nonceStart: bigint;
  /** Nonces to try, at most 2^32. */
  readonly count: number;
  /** Generation the job belongs to (PowControl.generation when the template was made). */
  readonly gen: number;
}

/** `hashes`: hashes the job computed in total. */
export type PowResult =
  | { readonly kind: 'found'; readonly nonce: bigint; readonly hash: Uint8Array; readonly hashes: number }
  | { readonly kind: 'aborted'; readonly hashes: number }
  | { readonly kind: 'exhausted'; readonly hashes: number };

interface Pending {
  readonly id: number;
  resolve(r: PowResult): void;
  reject(err: MinerError): void;
}

export const MAX_JOB_NONCES = 2 ** 32;
const U64 = (1n << 64n) - 1n;

export interface PowWorkerOptions {
  /** The thread's grinder. Default 'auto'; 'wasm' makes start() fail where the module cannot run. */
  readonly engine?: PowEngineChoice;
}

export interface PowWorkerDeps {
  readonly control: PowControl;
  /** Receives hash counts as the thread reports them (the miner's hash rate). */
  readonly onHashes?: (n: number) => void;
}

/** One worker thread; one job at a time. */
export class PowWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 0;
  private engineInUse: PowEngine | undefined;
  private readonly engineChoice: PowEngineChoice;
  private readonly control: PowControl;
  private readonly onHashes: (n: number) => void;

  constructor(opts: PowWorkerOptions, deps: PowWorkerDeps) {
    this.engineChoice = opts.engine ?? 'auto';
    this.control = deps.control;
    this.onHashes = deps.onHashes ?? (() => {});
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The grinder the thread uses (known once start() has resolved). */
  get engine(): PowEngine | undefined {
    return this.engineInUse;
  }

  /** Spawns the thread and waits until its grinder is ready. */
  start(): Promise<void> {
    if (this.worker) return Promise.resolve();
    const workerData: PowWorkerData = { control: this.control.buffer, engine: this.engineChoice };
    const worker = new Worker(WORKER_URL, { execArgv: [], workerData });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const die = (reason: string): void => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        worker.removeAllListeners();
        void worker.terminate();
        const err = new MinerError({ code: 'MINER_WORKER_FAILED', reason });
        this.fail(err);
        if (!ready) reject(err);
      };
      worker.on('message', (m: PowWorkerReply) => {
        if (m.type === 'ready') {
          ready = true;
          this.engineInUse = m.engine;
          resolve();
        } else if (m.type === 'failed') die(m.error);
        else this.onMessage(m);
      });
      worker.on('error', (err: unknown) => die(err instanceof Error ? err.message : String(err)));
      worker.on('exit', (code: number) => die(`exited with code ${code}`));
    });
  }

  /** Terminates the thread; a job in flight resolves as aborted. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.removeAllListeners();
    const p = this.pending;
    this.pending = undefined;
    p?.resolve({ kind: 'aborted', hashes: 0 });
    await worker.terminate();
  }

  /** Runs one job. Rejects with MINER_WORKER_FAILED if the thread dies or is busy. */
  search(job: PowJob): Promise<PowResult> {
    const worker = this.worker;
    if (!worker)
      return Promise.reject(new MinerError({ code: 'MINER_WORKER_FAILED', reason: 'not started' }));
    if (this.pending) return Promise.reject(new MinerError({ code: 'MINER_WORKER_FAILED', reason: 'busy' }));
    if (job.header.length !== HEADER_SIZE || job.target.length !== 32) {
      return Promise.reject(new MinerError({ code: 'MINER_WORKER_FAILED', reason: 'bad job shape' }));
    }
    if (!Number.isSafeInteger(job.count) || job.count < 0 || job.count > MAX_JOB_NONCES) {
      return Promise.reject(
        new MinerError({ code: 'MINER_WORKER_FAILED', reason: `bad nonce count ${job.count}` }),
      );
    }
    const id = this.nextId++;
    const msg: PowJobMessage = {
      id,
      header: job.header.slice().buffer,
      target: job.target.slice().buffer,
      nonceStart: job.nonceStart & U64,
      count: job.count,
      gen: job.gen,
    };
    return new Promise<PowResult>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage(msg);
    });
  }

  private onMessage(m: Exclude<PowWorkerReply, { type: 'ready' | 'failed' }>): void {
    const p = this.pending;
    if (!p || m.id !== p.id) return;
    if (m.type === 'progress') {
      this.onHashes(m.hashes);
      return;
    }
    this.pending = undefined;
    if (m.type === 'error') {
      p.reject(new MinerError({ code: 'MINER_WORKER_FAILED', reason: m.error }));
      return;
    }
    this.onHashes(m.hashes);
    if (m.type === 'found') {
      p.resolve({ kind: 'found', nonce: m.nonce, hash: m.hash, hashes: m.total });
    } else {
      p.resolve({ kind: m.type, hashes: m.total });
    }
  }

  private fail(err: MinerError): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}
