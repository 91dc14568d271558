/**
 * Proof of improvement.
 *
 * A block may carry an update: its contributors' signed deltas against its parent's model
 * (primitives/contribution.ts). Every node combines them with the rule the update names
 * (Evaluator.combine, in integers), checks that the header commits to exactly that model
 * (`bad-model-aggregate` otherwise: a miner cannot apply anything but what its contributors
 * signed), and re-scores both the parent model and the new model on the same `evalSamples` samples, drawn
 * from a seed derived from the block hash: a miner cannot know the samples before it has done the
 * proof of work for the header that commits to the new model, and grinding for a lucky draw costs
 * a whole proof of work per try. The improvement is the gain in correct answers, in parts per
 * million of the sample count (integer math). Below `minImprovementPpm` (1000 = 0.1%) the block
 * is invalid, and so is a block whose update claims (for its coinbase bonus) more than this.
 *
 * Significance: the threshold alone sits below sampling noise (two equally good models differ by
 * ~2,500 ppm at 16,384 samples), so the gain must also pass a one-sided paired test on the
 * samples' log-loss: with D a sample's integer log-loss under the parent minus under the child
 * (the evaluator's fixed-point log-loss, Comparison.lossGain), S = Σ D, Q = Σ D² over the n
 * samples, valid only if S > 0 and S² · (n − 1) · 10⁴ ≥ z100² · (n·Q − S²), i.e. the t statistic
 * mean(D) / (sd(D)/√n) ≥ z. Integer-exact (BigInt). Under the null hypothesis (the child predicts
 * no better) t is ~N(0, 1) at these sample counts, so z = 3 passes ~0.13% of hashes. A loss
 * speaks for every sample where a correct/incorrect count speaks only for the few where two models
 * disagree: on the same updates the earlier sign test on those (McNemar) had 0.04–0.62 of this
 * test's t, about a third typically (docs/training.md).
 *
 * Levels: the update names the levels it is scored at (ModelUpdate.levels); they must equal the
 * levels in force after the parent (poi/levels.ts), and both models are scored at them.
 *
 * Credit: each contribution's leave-one-out credit on the block's disagreement samples
 * (poi/credit.ts) is part of the result; it splits the contributors' pool (money.ts).
 *
 * Capacity growth: a model saturates (its verified improvements stall), so an update may instead
 * widen a stalled domain's part: `grow` = that domain, rule 0, claim 0, no contributions; the
 * model after the block must be evaluator.grow(parent, domain), which computes exactly the
 * parent's function (new units with zero
 * outgoing weights), so nothing is scored and the block earns no bonus and no extra weight. It is
 * valid only when that domain has stalled (poi/growth.ts) and the evaluator can still grow
 * (bounded size) (`bad-model-growth`).
 */
import { VerdictError } from '../errors.js';
import type { NetworkParams } from '../params/types.js';
import { equalBytes, type Hash, taggedHash } from '../primitives/hash.js';
import type { ModelUpdate } from '../primitives/modelUpdate.js';
import { contributionCredit } from './credit.js';
import type { Comparison, Evaluator } from './evaluator.js';
import { domainGainsPpm, type GrowthWindow, growthAllowed } from './growth.js';
import { sameLevels } from './levels.js';

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
  /** Samples only the parent / only the child answers correctly. */
  readonly parentOnly: number;
  readonly childOnly: number;
  /** The paired log-loss sums of the significance test (Comparison.lossGain). */
  readonly lossGain: Comparison['lossGain'];
  /** Verified gain per domain, ppm of evalSamples (empty for a growth update). */
  readonly gainPpm: readonly number[];
  /** Credit of each contribution, in update order (poi/credit.ts; empty for a growth update). */
  readonly credit: readonly number[];
}

export function measureImprovement(parentScore: number, newScore: number, count: number): number {
  if (count <= 0) return 0;
  const gain = newScore - parentScore;
  // floor toward −∞ for negatives is irrelevant: any gain ≤ 0 fails the threshold anyway.
  return Math.floor((gain * PPM) / count);
}

/**
 * The paired log-loss rule: over `count` samples, the child's loss is lower than the parent's at
 * params.significanceZ100 (one-sided t statistic ≥ z).
 */
export function isSignificant(
  c: Pick<Comparison, 'lossGain'>,
  count: number,
  params: NetworkParams,
): boolean {
  const { sum, sumSq } = c.lossGain;
  if (!(sum > 0) || count < 2) return false;
  const s = BigInt(sum);
  const n = BigInt(count);
  const z = BigInt(params.significanceZ100);
  return s * s * (n - 1n) * 10_000n >= z * z * (n * BigInt(sumSq) - s * s);
}

/**
 * A block's model update to verify, with everything verifyImprovement takes but the evaluator and
 * the network's params: a value a node can hand to another thread (or process) to verify.
 */
export interface ImprovementJob<M> {
  readonly parent: M;
  readonly parentModelHash: Hash;
  readonly update: ModelUpdate;
  /** The block header's model commitment. */
  readonly headerModelHash: Hash;
  readonly blockHash: Hash;
  /** Levels of the leveled domains after the parent. */
  readonly levels: readonly number[];
  /** The growth window up to the parent; null: growth not allowed. */
  readonly growth: GrowthWindow | null;
}

/** verifyImprovement of `job`. */
export function verifyImprovementJob<M>(
  evaluator: Evaluator<M>,
  job: ImprovementJob<M>,
  params: NetworkParams,
): ImprovementResult<M> {
  return verifyImprovement(
    evaluator,
    job.parent,
    job.parentModelHash,
    job.update,
    job.headerModelHash,
    job.blockHash,
    job.levels,
    params,
    job.growth,
  );
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
  levels: readonly number[],
  params: NetworkParams,
  /** The growth window up to the parent (poi/growth.ts); null: growth not allowed. */
  growth: GrowthWindow | null = null,
): ImprovementResult<M> {
  if (!equalBytes(update.baseModelHash, parentModelHash)) {
    throw new VerdictError('bad-model-base', 'update is not against the parent model');
  }
  if (!sameLevels(update.levels, levels)) {
    throw new VerdictError(
      'bad-model-level',
      `update is scored at levels [${update.levels.join(',')}], the chain is at [${levels.join(',')}]`,
    );
  }
  if (update.grow !== null) return verifyGrowth(evaluator, parent, update, headerModelHash, params, growth);
  if (!Number.isInteger(update.rule) || update.rule < 0 || update.rule >= evaluator.rules.length) {
    throw new VerdictError('bad-model-rule', `aggregation rule ${update.rule} is unknown`);
  }
  const combination = evaluator.combine(
    parent,
    update.contributions.map((c) => c.delta),
    update.rule,
  );
  const model = combination.model;
  const modelHash = evaluator.modelHash(model);
  if (!equalBytes(modelHash, headerModelHash)) {
    throw new VerdictError(
      'bad-model-aggregate',
      `header commits to a model other than the ${evaluator.rules[update.rule]} of the ${update.contributions.length} contributions`,
    );
  }
  if (equalBytes(modelHash, parentModelHash)) {
    throw new VerdictError('bad-model-improvement', 'update leaves the model unchanged');
  }
  const seed = evaluationSeed(blockHash);
  const n = params.evalSamples;
  const cmp = evaluator.compare(parent, model, seed, n, levels);
  const { parentScore, newScore, parentOnly, childOnly } = cmp;
  const improvementPpm = measureImprovement(parentScore, newScore, n);
  if (improvementPpm < params.minImprovementPpm) {
    throw new VerdictError(
      'bad-model-improvement',
      `improvement ${improvementPpm} ppm (${parentScore} → ${newScore} of ${n}) below ${params.minImprovementPpm} ppm`,
    );
  }
  if (!isSignificant(cmp, n, params)) {
    throw new VerdictError(
      'bad-model-significance',
      `log-loss gain ${cmp.lossGain.sum} (1/256 bit; Σ of its squares ${cmp.lossGain.sumSq}) over ${n} samples is below z=${params.significanceZ100 / 100}`,
    );
  }
  if (update.claimedPpm > improvementPpm) {
    throw new VerdictError(
      'bad-model-claim',
      `update claims ${update.claimedPpm} ppm, measured ${improvementPpm} ppm (${parentScore} → ${newScore} of ${n})`,
    );
  }
  const gainPpm = domainGainsPpm(cmp.byDomain, n);
  const credit = contributionCredit(
    evaluator,
    combination,
    update.contributions.length,
    cmp,
    seed,
    n,
    levels,
    params,
  );
  return {
    model,
    modelHash,
    parentScore,
    newScore,
    improvementPpm,
    parentOnly,
    childOnly,
    lossGain: cmp.lossGain,
    gainPpm,
    credit,
  };
}

function verifyGrowth<M>(
  evaluator: Evaluator<M>,
  parent: M,
  update: ModelUpdate,
  headerModelHash: Hash,
  params: NetworkParams,
  growth: GrowthWindow | null,
): ImprovementResult<M> {
  if (update.contributions.length !== 0 || update.claimedPpm !== 0 || update.rule !== 0) {
    throw new VerdictError('bad-model-growth', 'a growth update has no contributions, no claim and rule 0');
  }
  const domain = update.grow!;
  if (growth === null || !growthAllowed(growth, domain, params)) {
    const why = growth
      ? `${growth.sinceGrowth} blocks since the last growth, window gains [${growth.gainPpm.join(', ')}] ppm`
      : 'no growth window';
    throw new VerdictError(
      'bad-model-growth',
      `domain ${domain} has not stalled (${why}; needs ${params.growthStallBlocks} blocks and a gain < ${params.growthStallPpm} ppm)`,
    );
  }
  const model = evaluator.grow(parent, domain);
  if (model === null)
    throw new VerdictError('bad-model-growth', `domain ${domain} cannot grow (maximum size)`);
  const modelHash = evaluator.modelHash(model);
  if (!equalBytes(modelHash, headerModelHash)) {
    throw new VerdictError('bad-model-hash', 'header model hash differs from the grown model');
  }
  return {
    model,
    modelHash,
    parentScore: 0,
    newScore: 0,
    improvementPpm: 0,
    parentOnly: 0,
    childOnly: 0,
    lossGain: { sum: 0, sumSq: 0 },
    gainPpm: [],
    credit: [],
  };
}
