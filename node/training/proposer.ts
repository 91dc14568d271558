/**
 * UpdateProposer: turns the DeltaPool's deltas for the tip model into a block's ModelUpdate for
 * the miner (node/miner's MinerUpdateSource). The deltas (one per contributor, byte-identical
 * copies dropped) are aggregated with the configured rule (default 'median') and applied; the
 * improvement is pre-checked on a local seed, and the miner re-checks it on the found block's
 * hash, which is what consensus measures. Proposals are cached per (tip model, pool contents).
 */
import { randomBytes } from 'node:crypto';
import {
  type Block,
  type Evaluator,
  equalBytes,
  type Hash,
  type ModelUpdate,
  type NetworkParams,
  VerdictError,
  verifyImprovement,
} from '../../consensus/index.js';
import {
  type AggregationRule,
  aggregateDeltas,
  DEFAULT_AGGREGATION_OPTIONS,
  encodeDelta,
  type NetworkModel,
  networkModelHash,
  uniqueDeltas,
} from '../../training/index.js';
import type { Logger } from '../logger.js';
import type { MinerUpdateSource, NextBlockContext, TemplateUpdate } from '../miner/index.js';
import type { DeltaPool } from './deltaPool.js';

export interface UpdateProposerOptions {
  readonly rule?: AggregationRule;
}

export interface UpdateProposerDeps {
  readonly pool: DeltaPool;
  readonly params: NetworkParams;
  readonly evaluator: Evaluator<unknown>;
  getTipModel(): unknown;
  readonly logger: Logger;
}

export class UpdateProposer implements MinerUpdateSource {
  private readonly rule: AggregationRule;
  private cache: { base: Hash; revision: number; proposal: TemplateUpdate | null } | null = null;
  /** Improvement (ppm) of the last proposal on its local seed. */
  lastPrecheckPpm = 0;

  constructor(
    opts: UpdateProposerOptions,
    private readonly deps: UpdateProposerDeps,
  ) {
    this.rule = opts.rule ?? DEFAULT_AGGREGATION_OPTIONS.rule;
  }

  proposal(ctx: NextBlockContext): TemplateUpdate | null {
    const revision = this.deps.pool.stats().received;
    const c = this.cache;
    if (c && c.revision === revision && equalBytes(c.base, ctx.modelHash)) return c.proposal;
    const proposal = this.build(ctx.modelHash);
    this.cache = { base: ctx.modelHash, revision, proposal };
    return proposal;
  }

  accepts(block: Block, blockHash: Hash): boolean {
    const u = block.update;
    if (!u) return true;
    return this.improvement(u, block.header.modelHash, blockHash) !== null;
  }

  private build(base: Hash): TemplateUpdate | null {
    const verified = uniqueDeltas(this.deps.pool.deltasFor(base)).slice(0, this.deps.params.maxContributors);
    if (verified.length === 0) return null;
    const parent = this.deps.getTipModel() as NetworkModel;
    if (!equalBytes(networkModelHash(parent), base)) return null;
    const delta = aggregateDeltas(
      verified.map((v) => ({ delta: v.delta, samples: v.message.samples })),
      { rule: this.rule },
    );
    const update: ModelUpdate = {
      baseModelHash: base,
      delta: encodeDelta(delta),
      contributors: verified.map((v) => ({ pubKeyHash: v.message.contributor, samples: v.message.samples })),
    };
    if (update.delta.length > this.deps.params.maxModelUpdateSize) return null;
    const modelHash = this.deps.evaluator.modelHash(this.deps.evaluator.applyDelta(parent, update.delta));
    const ppm = this.improvement(update, modelHash, new Uint8Array(randomBytes(32)));
    this.lastPrecheckPpm = ppm ?? 0;
    this.deps.logger.debug(
      { contributors: verified.length, rule: this.rule, precheckPpm: ppm },
      'aggregated pooled deltas',
    );
    return ppm === null ? null : { update, modelHash };
  }

  /** Improvement measured with `blockHash`'s evaluation seed, or null if below threshold/invalid. */
  private improvement(update: ModelUpdate, modelHash: Hash, blockHash: Hash): number | null {
    try {
      const r = verifyImprovement(
        this.deps.evaluator,
        this.deps.getTipModel(),
        update.baseModelHash,
        update,
        modelHash,
        blockHash,
        this.deps.params,
      );
      return r.improvementPpm >= this.deps.params.minImprovementPpm ? r.improvementPpm : null;
    } catch (e) {
      if (e instanceof VerdictError) return null;
      throw e;
    }
  }
}
