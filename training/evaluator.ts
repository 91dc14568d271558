/**
 * The network evaluator: consensus's `Evaluator` for the multi-domain quantized model.
 * score(model, seed, count) = correct answers over the seed's evaluation batch (sampling.ts),
 * summed over the three heads; every kernel gives the same integer.
 */
import { DecodeError, type Evaluator, type Hash, VerdictError } from '../consensus/index.js';
import { DOMAINS, type Domain } from './arch.js';
import { applyModelDelta, decodeDelta } from './delta.js';
import { TrainingError } from './errors.js';
import { defaultKernel } from './kernel/index.js';
import type { ScoreKernel } from './kernel/types.js';
import {
  decodeNetworkModel,
  encodeNetworkModel,
  initialNetworkModel,
  type NetworkModel,
  networkModelHash,
} from './model.js';
import { evalBatch } from './sampling.js';

export interface DomainScore {
  readonly domain: Domain;
  readonly correct: number;
  readonly total: number;
}

export interface NetworkEvaluator extends Evaluator<NetworkModel> {
  /** Per-domain counts on the same batch `score` uses (their sum is `score`). */
  scoreByDomain(model: NetworkModel, seed: Hash, count: number): DomainScore[];
  /** The kernel in use ('wasm' or 'js'). */
  kernelName(): ScoreKernel['name'];
}

export interface NetworkEvaluatorOptions {
  /** Forces a kernel; default: WASM when built, else plain TS. */
  readonly kernel?: ScoreKernel;
}

export function createNetworkEvaluator(opts: NetworkEvaluatorOptions = {}): NetworkEvaluator {
  const kernel = (): ScoreKernel => opts.kernel ?? defaultKernel();
  const byDomain = (model: NetworkModel, seed: Hash, count: number): DomainScore[] => {
    if (!Number.isInteger(count) || count < 0)
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'count' });
    const batch = evalBatch(seed, count);
    const k = kernel();
    return DOMAINS.map((domain, i) => ({
      domain,
      correct: k.scoreHead(model.heads[i]!, batch.domains[i]!),
      total: batch.domains[i]!.n,
    }));
  };
  return {
    applyDelta(parent, delta) {
      try {
        return applyModelDelta(parent, decodeDelta(delta));
      } catch (e) {
        if (e instanceof TrainingError) throw new VerdictError('bad-model-update', e.message);
        throw e;
      }
    },
    modelHash: networkModelHash,
    encodeModel: encodeNetworkModel,
    decodeModel(bytes) {
      try {
        return decodeNetworkModel(bytes);
      } catch (e) {
        if (e instanceof DecodeError) throw e;
        throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'network model' });
      }
    },
    initialModel: initialNetworkModel,
    score(model, seed, count) {
      let total = 0;
      for (const d of byDomain(model, seed, count)) total += d.correct;
      return total;
    },
    scoreByDomain: byDomain,
    kernelName: () => kernel().name,
  };
}

/** The network's evaluator (WASM kernel when available, plain TS otherwise: identical scores). */
export const networkEvaluator: NetworkEvaluator = createNetworkEvaluator();
