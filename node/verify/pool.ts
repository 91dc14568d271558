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

interface Task {
  resolve(index: number): void;
  reject(err: VerifyError): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Task>;
  alive: boolean;
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

  /** Spawns the workers and waits until each is online. */
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
  }

  /** Terminates every worker; verifications still in flight reject with VERIFY_POOL_STOPPED. */
  async stop(): Promise<void> {
    this.running = false;
    const slots = this.slots;
    this.slots = [];
    for (const slot of slots) {
      slot.worker.removeAllListeners();
      failAll(slot, new VerifyError({ code: 'VERIFY_POOL_STOPPED' }));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
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
    const slot: Slot = { worker, pending: new Map(), alive: true };
    this.slots[position] = slot;
    return new Promise<void>((resolve, reject) => {
      let isOnline = false;
      worker.once('online', () => {
        isOnline = true;
        resolve();
      });
      worker.on('message', (reply: WorkerReply) => {
        const task = slot.pending.get(reply.id);
        if (task === undefined) return;
        slot.pending.delete(reply.id);
        if ('error' in reply)
          task.reject(new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason: reply.error }));
        else task.resolve(reply.index);
      });
      const onDeath = (reason: string): void => {
        slot.alive = false;
        worker.removeAllListeners();
        const err = new VerifyError({ code: 'VERIFY_WORKER_FAILED', reason });
        failAll(slot, err);
        if (!isOnline) {
          reject(err);
          return;
        }
        void worker.terminate();
        // Replace a worker that died while the pool is running (its tasks were rejected above).
        if (this.running && this.slots[position] === slot) {
          this.spawn(position).catch(() => {
            // The replacement failed too: its slot is marked dead and gets no more tasks.
          });
        }
      };
      worker.on('error', (err: unknown) => onDeath(err instanceof Error ? err.message : String(err)));
      worker.on('exit', (code: number) => onDeath(`exited with code ${code}`));
    });
  }
}

function failAll(slot: Slot, err: VerifyError): void {
  for (const task of slot.pending.values()) task.reject(err);
  slot.pending.clear();
}
