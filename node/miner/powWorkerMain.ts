/**
 * Body of the proof-of-work thread (PowWorker; the bootstrap is worker.js). A job is ground a
 * batch at a time (Grinder.batch, a few ms each). The loop never yields to the event loop, so it
 * reads the shared generation counter (PowControl) before every batch and stops once the main
 * thread has bumped it: a new tip interrupts the search within one batch.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { CryptoGrinder, createGrinder, type Grinder, loadWasmGrinder } from './grinder.js';
import type { PowJobMessage, PowWorkerData, PowWorkerReply } from './powProtocol.js';

/** Least time between two progress messages (the miner's hash-rate samples), ms. */
const PROGRESS_MS = 100;
const U64 = (1n << 64n) - 1n;

const data = workerData as PowWorkerData;
const control = new Int32Array(data.control);

function send(m: PowWorkerReply): void {
  parentPort?.postMessage(m);
}

function search(grinder: Grinder, job: PowJobMessage): PowWorkerReply {
  grinder.setJob(new Uint8Array(job.header), new Uint8Array(job.target));
  let done = 0;
  let reported = 0;
  let lastReport = performance.now();
  let nonce = job.nonceStart & U64;
  while (done < job.count) {
    if (Atomics.load(control, 0) !== job.gen) {
      return { id: job.id, type: 'aborted', hashes: done - reported, total: done };
    }
    const n = Math.min(grinder.batch, job.count - done);
    const hit = grinder.grind(nonce, n);
    if (hit) {
      const total = done + hit.tries;
      return { id: job.id, type: 'found', nonce: hit.nonce, hash: hit.hash, hashes: total - reported, total };
    }
    done += n;
    nonce = (nonce + BigInt(n)) & U64;
    const now = performance.now();
    if (now - lastReport >= PROGRESS_MS && done < job.count) {
      send({ id: job.id, type: 'progress', hashes: done - reported });
      reported = done;
      lastReport = now;
    }
  }
  return { id: job.id, type: 'exhausted', hashes: done - reported, total: done };
}

const grinder: Grinder | undefined =
  data.engine === 'auto' ? createGrinder() : data.engine === 'wasm' ? loadWasmGrinder() : new CryptoGrinder();

if (grinder === undefined) {
  send({ type: 'failed', error: 'the WASM grinder is not built or cannot run here' });
} else {
  parentPort?.on('message', (job: PowJobMessage) => {
    let reply: PowWorkerReply;
    try {
      reply = search(grinder, job);
    } catch (err) {
      reply = { id: job.id, type: 'error', error: err instanceof Error ? err.message : String(err) };
    }
    send(reply);
  });
  send({ type: 'ready', engine: grinder.engine });
}
