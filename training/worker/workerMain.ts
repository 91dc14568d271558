/**
 * Body of the training worker: trains in duty cycles (cpuShare · periodMs of work, then a sleep)
 * on the node's shard, against the base model the main thread sends, and answers snapshots with
 * the quantized delta learnt since the base. Training runs on the kernel the Trainer chose (by
 * default the WASM SIMD one when built, else plain TS).
 */
import { parentPort } from 'node:worker_threads';
import { lmCorpus } from '../data/lm.js';
import { decodeDelta, encodeDelta, isZeroDelta, type ModelDelta } from '../delta.js';
import { TrainingError } from '../errors.js';
import { createNetworkEvaluator } from '../evaluator.js';
import { kernelByName } from '../kernel/index.js';
import { LocalTrainer } from '../local.js';
import { decodeNetworkModel, networkModelHash } from '../model.js';
import type { TrainerOptions } from '../options.js';
import type { FromWorker, ToWorker } from './protocol.js';

const port = parentPort;
let trainer: LocalTrainer | undefined;
let opts: TrainerOptions | undefined;
let baseHash: Uint8Array | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let stopped = false;
let busyMs = 0;
let totalSamples = 0;
let started: number | undefined;

/**
 * The delivered delta of a 'base' message: decoded, null when none was delivered, undefined when
 * unknown or undecodable (LocalTrainer then assumes its last delta was taken in).
 */
function deliveredDelta(bytes: Uint8Array | null | undefined): ModelDelta | null | undefined {
  if (bytes === null || bytes === undefined) return bytes;
  try {
    return decodeDelta(bytes);
  } catch {
    return undefined;
  }
}

function send(m: FromWorker): void {
  port?.postMessage(m);
}

function cycle(): void {
  timer = undefined;
  if (stopped || !trainer || !opts) return;
  const workMs = opts.cpuShare * opts.periodMs;
  if (trainer.hasBase) {
    const t0 = performance.now();
    while (performance.now() - t0 < workMs) totalSamples += trainer.train(opts.batchSize * 3);
    busyMs += performance.now() - t0;
  }
  const sleep = trainer.hasBase ? opts.periodMs - workMs : opts.periodMs;
  timer = setTimeout(cycle, Math.max(0, sleep));
}

port?.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'init':
        opts = m.opts;
        trainer = new LocalTrainer({
          shard: m.opts.shard,
          seed: m.opts.seed,
          batchSize: m.opts.batchSize,
          learningRate: m.opts.learningRate,
          kernel: m.trainKernel,
          deltaDensity: m.opts.deltaDensity ?? null,
        });
        // Build the language corpus (~0.5 s) before reporting ready, not inside the first duty
        // cycle, where it would block the worker and count as training time.
        lmCorpus();
        send({ type: 'ready', kernel: trainer.kernel.name });
        cycle();
        break;
      case 'base': {
        const model = decodeNetworkModel(m.model);
        trainer?.setBase(model, m.levels, deliveredDelta(m.delivered));
        baseHash = networkModelHash(model);
        started ??= performance.now();
        break;
      }
      case 'cpuShare':
        if (opts) opts = { ...opts, cpuShare: m.cpuShare };
        break;
      case 'snapshot': {
        const d = trainer?.hasBase ? trainer.delta() : undefined;
        send({
          type: 'snapshot',
          id: m.id,
          kernel: trainer?.kernel.name ?? 'js',
          baseModelHash: baseHash,
          samples: trainer?.samples ?? 0,
          totalSamples,
          delta: d && !isZeroDelta(d) ? encodeDelta(d) : null,
          busyMs,
          elapsedMs: started === undefined ? 0 : performance.now() - started,
        });
        break;
      }
      case 'score': {
        const kernel = kernelByName(m.kernel);
        if (!kernel) throw new TrainingError({ code: 'TRAINING_WORKER_FAILED', reason: 'no WASM kernel' });
        const ev = createNetworkEvaluator({ kernel });
        const byDomain = ev
          .scoreByDomain(decodeNetworkModel(m.model), m.seed, m.count, m.levels)
          .map((d) => d.correct);
        send({ type: 'score', id: m.id, kernel: kernel.name, byDomain });
        break;
      }
      case 'stop':
        stopped = true;
        if (timer) clearTimeout(timer);
        send({ type: 'stopped' });
        port?.close();
        break;
    }
  } catch (e) {
    const id = 'id' in m ? m.id : undefined;
    send({
      type: 'error',
      ...(id === undefined ? {} : { id }),
      message: e instanceof Error ? e.message : String(e),
    });
  }
});
