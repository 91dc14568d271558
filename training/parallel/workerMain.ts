/**
 * Body of the scoring worker (ScoreHelper): scores one head on the rows of an evaluation batch it
 * builds itself from (seed, count, levels), exactly as the main thread's evaluator does
 * (sampling.ts's evalBatch and its cache; the subset rows of correctOn), and answers through the
 * request's shared buffer, which the main thread waits on with Atomics.wait. A job the main
 * thread took back before the worker claimed it (protocol.ts, STATE_STOLEN) is skipped.
 */
import { parentPort } from 'node:worker_threads';
import { jsKernel, kernelByName, type ScoreKernel } from '../kernel/index.js';
import { evalBatch, sampleSubsets } from '../sampling.js';
import { lowerThreadPriority } from './priority.js';
import {
  type FromHelper,
  lossesOffset,
  RESULT_HEADER,
  type ScoreRequest,
  STATE_CLAIMED,
  STATE_DONE,
  STATE_FAILED,
  STATE_PENDING,
  type ToHelper,
} from './protocol.js';

const port = parentPort;
let kernel: ScoreKernel = jsKernel;

function send(m: FromHelper): void {
  port?.postMessage(m);
}

function score(m: ScoreRequest): void {
  const state = new Int32Array(m.result, 0, 2);
  // The main thread may have taken the job back (it was idle and we were busy): skip it.
  if (Atomics.compareExchange(state, 0, STATE_PENDING, STATE_CLAIMED) !== STATE_PENDING) return;
  try {
    const batch = evalBatch(m.seed, m.count, m.levels);
    const full = batch.domains[m.domain]!;
    const set = m.samples === null ? full : sampleSubsets(batch, m.samples).sets[m.domain]!.set;
    const preds = new Uint8Array(m.result, RESULT_HEADER, set.n);
    const losses = m.losses ? new Int32Array(m.result, lossesOffset(set.n), set.n) : undefined;
    state[1] = kernel.scoreHead(m.head, set, preds, losses);
    Atomics.store(state, 0, STATE_DONE);
  } catch (e) {
    Atomics.store(state, 0, STATE_FAILED);
    send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  Atomics.notify(state, 0);
}

/**
 * Loads the evaluation data (the language corpus and its classes) now: the first batch a thread
 * builds costs about 0.5 s where later ones cost milliseconds, and left to the first job it fell,
 * in a 32-node netsim on 2 cores, on every node's threads at the same update block.
 */
function warmUp(): void {
  evalBatch(new Uint8Array(32), 64, [0]);
}

port?.on('message', (m: ToHelper) => {
  switch (m.type) {
    case 'init': {
      const k = kernelByName(m.kernel);
      if (!k) {
        send({ type: 'error', message: 'no WASM kernel' });
        return;
      }
      kernel = k;
      const nice = lowerThreadPriority(m.nice);
      warmUp();
      send({ type: 'ready', kernel: k.name, nice });
      return;
    }
    case 'score':
      score(m);
      return;
    case 'stop':
      port?.close();
      return;
  }
});
