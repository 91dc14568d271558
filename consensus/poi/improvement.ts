/**
 * Proof of improvement.
 *
 * A block may carry an update (delta against its parent's model). Every node applies it and
 * re-scores both the parent model and the new model on the same `evalSamples` samples, drawn
 * from a seed derived from the block hash: a miner cannot know the samples before it has done the
 * proof of work for the header that commits to the new model, and grinding for a lucky draw costs
 * a whole proof of work per try. The improvement is the gain in correct answers, in parts per
 * million of the sample count (integer math). Below `minImprovementPpm` (1000 = 0.1%) the block
 * is invalid, and so is a block whose update claims (for its coinbase bonus) more than this.
 */
import { VerdictError } from '../errors.js';
import type { NetworkParams } from '../params/types.js';
import { equalBytes, type Hash, taggedHash } from '../primitives/hash.js';
import type { ModelUpdate } from '../primitives/modelUpdate.js';
import type { Evaluator } from './evaluator.js';

const PPM = 1_000_000;

/** Seed for a block's evaluation sample. */
export function evaluationSeed(blockHash: Hash): Hash {
  return taggedHash('qenex/eval-seed', blockHash);
}

export interface ImprovementResult<M> {
  readonly model: M;
  readonly modelHash: Hash;
  readonly parentScore: number;
  readonly newScore: number;
  readonly improvementPpm: number;
}

export function measureImprovement(parentScore: number, newScore: number, count: number): number {
  if (count <= 0) return 0;
  const gain = newScore - parentScore;
  // floor toward −∞ for negatives is irrelevant: any gain ≤ 0 fails the threshold anyway.
  return Math.floor((gain * PPM) / count);
}

/**
 * Applies and re-scores `update` on top of `parent`. Checks the update's base and the header's
 * model commitment, then the threshold. Returns the new model and the verified improvement.
 */
export function verifyImprovement<M>(
  evaluator: Evaluator<M>,
  parent: M,
  parentModelHash: Hash,
  update: ModelUpdate,
  headerModelHash: Hash,
  blockHash: Hash,
  params: NetworkParams,
): ImprovementResult<M> {
  if (!equalBytes(update.baseModelHash, parentModelHash)) {
    throw new VerdictError('bad-model-base', 'update is not against the parent model');
  }
  const model = evaluator.applyDelta(parent, update.delta);
  const modelHash = evaluator.modelHash(model);
  if (!equalBytes(modelHash, headerModelHash)) {
    throw new VerdictError('bad-model-hash', 'header model hash differs from the model the update produces');
  }
  if (equalBytes(modelHash, parentModelHash)) {
    throw new VerdictError('bad-model-improvement', 'update leaves the model unchanged');
  }
  const seed = evaluationSeed(blockHash);
  const n = params.evalSamples;
  const parentScore = evaluator.score(parent, seed, n);
  const newScore = evaluator.score(model, seed, n);
  const improvementPpm = measureImprovement(parentScore, newScore, n);
  if (improvementPpm < params.minImprovementPpm) {
    throw new VerdictError(
      'bad-model-improvement',
      `improvement ${improvementPpm} ppm (${parentScore} → ${newScore} of ${n}) below ${params.minImprovementPpm} ppm`,
    );
  }
  if (update.claimedPpm > improvementPpm) {
    throw new VerdictError(
      'bad-model-claim',
      `update claims ${update.claimedPpm} ppm, measured ${improvementPpm} ppm (${parentScore} → ${newScore} of ${n})`,
    );
  }
  return { model, modelHash, parentScore, newScore, improvementPpm };
}
