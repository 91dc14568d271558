/**
 * Multi-core BIP340 verification: a batch is split into contiguous chunks, each chunk packed into
 * one transferable ArrayBuffer and verified by bcrypto in a worker thread (worker.js). Batches too
 * small to be worth the message round trip are verified inline on the calling thread.
 */
import { Worker } from 'node:worker_threads';
import type { SigCheck, SigVerifier } from '../../consensus/index.js';
import { firstInvalid, firstMalformed } from './bcrypto.js';
import { VerifyError } from './errors.js';
import {
  type ResolvedVerifyPoolOptions,
  resolveVerifyPoolOptions,
  type VerifyPoolDeps,
  type VerifyPoolOptions,
} from './options.js';

/** Packed record: msg (32) | sig (64) | pubkey (32). Only well-formed checks are packed. */
const RECORD = 128;
const SIG_OFFSET = 32;
const PUBKEY_OFFSET = 96;

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** How long a worker asked to stop may take before it is terminated. */
const STOP_GRACE_MS = 10_000;

interface Task {
  resolve(index: number): void;
  reject(err: VerifyError): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Task>;
  /** Takes tasks (false once it died or the pool stopped). */
  alive: boolean;
  /** bcrypto is loaded (the worker said 'ready'). */
  ready: boolean;
  /** Settles when the worker thread has exited. */
  readonly exited: Promise<void>;
}

type WorkerReply = { id: number; index: number } | { id: number; error: string };

export class VerifyPool implements SigVerifier {
  private readonly opts: ResolvedVerifyPoolOptions;
  private slots: Slot[] = [];
  private running = false;
  private nextId = 0;

  constructor(opts: VerifyPoolOptions = {}, _deps: VerifyPoolDeps = {}) {
    this.opts = resolveVerifyPoolOptions(opts);
  }

  get threads(): number {
    return this.opts.threads;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Spawns the workers and waits until each has loaded bcrypto. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const online: Promise<void>[] = [];
    for (let i = 0; i < this.opts.threads; i++) online.push(this.spawn(i));
    try {
      await Promise.all(online);
    } catch (err) {
      await this.stop();
      throw err;
    }
    // stopped while the workers were loading
    if (this.slots.length === 0) throw new VerifyError({ code: 'VERIFY_POOL_STOPPED' });
  }

  /**
   * Stops every worker; verifications still in flight reject with VERIFY_POOL_STOPPED at once.
   * A worker is asked to stop and exits after the task it is on: terminating it from here while
   * it is inside bcrypto would abort the process (worker.js). Only a worker that has not exited
   * within STOP_GRACE_MS of the request is terminated.
   */
  async stop(): Promise<void> {
    this.running = false;
    const slots = this.slots;
    this.slots = [];
    for (const slot of slots) {
      slot.alive = false;
      failAll(slot, new VerifyError({ code: 'VERIFY_POOL_STOPPED' }));
    }
    await Promise.all(slots.map((s) => stopWorker(s)));
  }

  async verifyBatch(checks: readonly SigCheck[]): Promise<number> {
    if (!this.running) throw new VerifyError({ code: 'VERIFY_POOL_NOT_STARTED' });
    // Malformed checks are invalid without any curve arithmetic; only the prefix before the first
    // one can hold an earlier failure, and only that prefix is fixed-size and packable.
    const end = firstMalformed(checks, 0, checks.length);
    const chunks = Math.min(this.slots.length, Math.floor(end / this.opts.minBatchPerThread));
    if (chunks <= 1) return firstInvalid(checks, 0, checks.length);

    const results: Promise<number>[] = [];
    const base = Math.floor(end / chunks);
    const extra = end % chunks;
    let start = 0;
    for (let c = 0; c < chunks; c++) {
      const count = base + (c < extra ? 1 : 0);
      const chunkStart = start;
      results.push(this.runChunk(checks, chunkStart, count).then((i) => (i < 0 ? -1 : chunkStart + i)));
      start += count;
    }
    for (const index of await Promise.all(results)) {
      if (index >= 0) return index;
    }
    return end < checks.length ? end : -1;
  }

  private runChunk(checks: readonly SigCheck[], start: number, count: number): Promise<number> {
    const buf = new ArrayBuffer(count * RECORD);
    const bytes = new Uint8Array(buf);
    for (let i = 0; i < count; i++) {
      const c = checks[start + i]!;
      const o = i * RECORD;
      bytes.set(c.msg, o);
      bytes.set(c.sig, o + SIG_OFFSET);
      bytes.set(c.pubkey, o + PUBKEY_OFFSET);
    }
    const slot = this.leastBusy();
    if (slot === undefined) {
      return Promise.reject(new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason: 'no live worker' }));
    }
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, buf, count }, [buf]);
    });
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.alive && (best === undefined || s.pending.size < best.pending.size)) best = s;
    }
    return best;
  }

  private spawn(position: number): Promise<void> {
    const worker = new Worker(WORKER_URL, { execArgv: [] });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { worker, pending: new Map(), alive: true, ready: false, exited };
    this.slots[position] = slot;
    return new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply | 'ready'): void => {
        if (reply === 'ready') {
          slot.ready = true;
          resolve();
          return;
        }
        const task = slot.pending.get(reply.id);
        if (task === undefined) return;
        slot.pending.delete(reply.id);
        if ('error' in reply)
          task.reject(new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason: reply.error }));
        else task.resolve(reply.index);
      };
      const onDeath = (reason: string): void => {
        const wasAlive = slot.alive;
        slot.alive = false;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        failAll(slot, new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason }));
        if (!slot.ready) {
          reject(
            this.running
              ? new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason })
              : new VerifyError({ code: 'VERIFY_POOL_STOPPED' }),
          );
          return;
        }
        // A worker that failed (an error, not the exit stop() asked for) may still be running.
        void stopWorker(slot);
        // Replace a worker that died while the pool is running (its tasks were rejected above).
        if (wasAlive && this.running && this.slots[position] === slot) {
          this.spawn(position).catch(() => {
            // The replacement failed too: its slot is marked dead and gets no more tasks.
          });
        }
      };
      const onError = (err: unknown): void => onDeath(err instanceof Error ? err.message : String(err));
      const onExit = (code: number): void => onDeath(`exited with code ${code}`);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }
}

/**
 * Asks `slot`'s worker to stop and waits until it has exited; terminates it only if it has not
 * within STOP_GRACE_MS (a worker stuck that long is past bcrypto's quick calls).
 */
async function stopWorker(slot: Slot): Promise<void> {
  try {
    slot.worker.postMessage('stop');
  } catch {
    // the port is closed already: the worker is exiting
  }
  const timer = setTimeout(() => void slot.worker.terminate(), STOP_GRACE_MS);
  await slot.exited;
  clearTimeout(timer);
}

function failAll(slot: Slot, err: VerifyError): void {
  for (const task of slot.pending.values()) task.reject(err);
  slot.pending.clear();
}
