/**
 * Body of the improvement worker (ImprovementWorker): runs consensus verifyImprovement for the
 * main thread, with the network evaluator built here as the main thread builds its own (same
 * kernel choice, and a scoring helper of its own when asked: a second thread for the independent
 * scorings), so a result never depends on which thread computed it. A VerdictError goes back as a
 * verdict (the block is bad); anything else as an error (the main thread then verifies the block
 * itself). It also scores a miner's proposals (federation buildProposal), for the same reason.
 */
import { parentPort } from 'node:worker_threads';
import { type NetworkParams, VerdictError, verifyImprovementJob } from '../../consensus/index.js';
import { createNetworkEvaluator, type NetworkEvaluator } from '../evaluator.js';
import { buildProposal } from '../federation/buildProposal.js';
import { kernelByName } from '../kernel/index.js';
import { initialNetworkModel } from '../model.js';
import { ScoreHelper } from './helper.js';
import type { FromImprovementWorker, ImprovementJob, ToImprovementWorker } from './improvementProtocol.js';
import { lowerThreadPriority } from './priority.js';
import { startJobTiming } from './threadTime.js';

const port = parentPort;
let evaluator: NetworkEvaluator | undefined;
let params: NetworkParams | undefined;
let helper: ScoreHelper | undefined;

function send(m: FromImprovementWorker): void {
  port?.postMessage(m);
}

function verify(id: number, job: ImprovementJob): void {
  const timing = startJobTiming();
  try {
    const result = verifyImprovementJob(evaluator!, job, params!);
    send({ type: 'result', id, result, timing: timing() });
  } catch (e) {
    if (e instanceof VerdictError) {
      const prefix = `${e.reason}: `;
      const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : undefined;
      send({ type: 'verdict', id, reason: e.reason, level: e.level, detail, timing: timing() });
    } else {
      send({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
    }
  }
}

function propose(id: number, input: Extract<ToImprovementWorker, { type: 'propose' }>['input']): void {
  const timing = startJobTiming();
  try {
    const outcome = buildProposal(evaluator!, params!, input);
    send({ type: 'proposal', id, outcome, timing: timing() });
  } catch (e) {
    send({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
  }
}

port?.on('message', (m: ToImprovementWorker) => {
  switch (m.type) {
    case 'init': {
      const kernel = kernelByName(m.kernel);
      if (!kernel) {
        send({ type: 'failed', message: 'no WASM kernel' });
        return;
      }
      params = m.params;
      const nice = lowerThreadPriority(m.nice);
      void (async () => {
        // the helper is started now, with this worker: not at the first job, which would then
        // be scored on one thread while it starts; its thread as low as this one (its nice
        // increment counts from this thread's, which it inherits)
        if (m.helper) helper = await ScoreHelper.start({ kernel: kernel.name }).catch(() => undefined);
        evaluator = createNetworkEvaluator({ kernel, ...(helper ? { helper } : {}) });
        // load the evaluation data and run the kernel once now (about 0.5 s on the first
        // scoring of a thread, milliseconds later), not at the first block to verify
        evaluator.score(initialNetworkModel(), new Uint8Array(32), 64, [0]);
        send({ type: 'ready', kernel: kernel.name, nice, helperNice: helper?.nice ?? null });
      })();
      return;
    }
    case 'verify':
      verify(m.id, m.job);
      return;
    case 'propose':
      propose(m.id, m.input);
      return;
    case 'stop':
      void (helper?.close() ?? Promise.resolve()).finally(() => port?.close());
      return;
  }
});
