/**
 * Proof-of-work search on a worker thread (worker.js). The search loop never yields, so it is
 * interrupted through shared memory: `PowControl` holds a generation counter the worker reads with
 * Atomics every few thousand nonces; `interrupt()` bumps it and every running job stops.
 */
import { Worker } from 'node:worker_threads';
import { HEADER_SIZE } from '../../consensus/index.js';
import { MinerError } from './errors.js';

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
  /** Encoded header, 116 bytes (its nonce field is overwritten). */
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

type WorkerReply =
  | { id: number; type: 'progress'; hashes: number }
  | {
      id: number;
      type: 'found';
      nonceLo: number;
      nonceHi: number;
      hash: ArrayBuffer;
      hashes: number;
      total: number;
    }
  | { id: number; type: 'aborted' | 'exhausted'; hashes: number; total: number }
  | { id: number; type: 'error'; error: string };

interface Pending {
  readonly id: number;
  resolve(r: PowResult): void;
  reject(err: MinerError): void;
}

export const MAX_JOB_NONCES = 2 ** 32;
const U64 = (1n << 64n) - 1n;

/** One worker thread; one job at a time. */
export class PowWorker {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 0;

  /** `onHashes` receives hash counts as the worker reports them (for the hash rate). */
  constructor(
    private readonly control: PowControl,
    private readonly onHashes: (n: number) => void = () => {},
  ) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Spawns the thread and waits until it is online. */
  start(): Promise<void> {
    if (this.worker) return Promise.resolve();
    const worker = new Worker(WORKER_URL, { execArgv: [], workerData: { control: this.control.buffer } });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let online = false;
      worker.once('online', () => {
        online = true;
        resolve();
      });
      worker.on('message', (m: WorkerReply) => this.onMessage(m));
      const die = (reason: string): void => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        worker.removeAllListeners();
        void worker.terminate();
        const err = new MinerError({ code: 'MINER_WORKER_FAILED', reason });
        this.fail(err);
        if (!online) reject(err);
      };
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
    const start = job.nonceStart & U64;
    return new Promise<PowResult>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({
        id,
        header: job.header.slice().buffer,
        target: job.target.slice().buffer,
        nonceLo: Number(start & 0xffffffffn),
        nonceHi: Number(start >> 32n),
        count: job.count,
        gen: job.gen,
      });
    });
  }

  private onMessage(m: WorkerReply): void {
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
      const nonce = (BigInt(m.nonceHi) << 32n) | BigInt(m.nonceLo);
      p.resolve({ kind: 'found', nonce, hash: new Uint8Array(m.hash), hashes: m.total });
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
