/**
 * UpdateProposer: turns the DeltaPool's signed deltas for the tip model into a block's ModelUpdate
 * for the miner (node/miner's MinerUpdateSource, which node/createNode wires it to): the update carries the contributions themselves
 * and names the rule every node combines them with (default 'sparse-mean').
 * Selection, in the pool's first-seen order: at most maxContributors, each combinable with those
 * before it (a near-copy of an earlier delta makes the block invalid, consensus 'bad-model-duplicate',
 * so the later one is left out: the first seen keeps its place); then, measured on a local seed,
 * contributions whose leave-one-out effect (consensus poi/credit.ts, before clipping) is negative
 * are dropped: the update is better without them (random noise, a sign-flipped delta), and they
 * would earn nothing. A contribution the others make redundant (effect about 0) stays: dropping it
 * on one seed's noise would throw honest work away.
 *
 * The claim: consensus pays a block's bonus (and its contributors) for the update's claimedPpm,
 * which must not exceed the improvement measured on the block's own hash, unknown until the
 * proof of work is done. So the proposer measures the improvement on `claimSeeds` random local
 * seeds (each a fresh sample, as the block hash will be), and claims
 *   max(minImprovementPpm, floor(mean − 3·sd))
 * — a claim the found block misses with probability ≈ 0.1% beyond the threshold itself. It
 * proposes nothing unless the update passes both consensus rules (threshold and significance,
 * poi/improvement.ts), scored at the tip's levels, on at least `minPassingSeeds` of the local
 * seeds. The miner re-checks the found hash (`accepts`: improvement ≥ threshold and ≥ claim, and
 * significant) and searches on when it fails, throwing that proof of work away. So on main and
 * test (costly proof of work) the update must pass on every local seed; on devnet, where a
 * solution costs nothing, on half of them: a real but small gain (measured in the soak: +3,468 ppm
 * on average, significant on only some samples) is then still worth a few hashes, while an
 * update with no real gain passes a seed's sign test about 0.1% of the time and is not proposed.
 * Collecting: after the chain model changes, the first deltas for the new base arrive one by one;
 * proposing at the first would make every update a one-contributor update. So the proposer waits
 * until `minContributors` signers have pooled a delta, or `collectMs` has passed since the first
 * one arrived (generatetoaddress asks with `immediate`).
 * Proposals are cached per (tip model, pool contents).
 * Growth: when no update could be proposed and the model has not changed for growthStallBlocks
 * blocks, the proposer offers a capacity-growth update instead (consensus poi/improvement.ts),
 * so that a saturated model gets new units to train.
 */
import { randomBytes } from 'node:crypto';
import {
  type Block,
  type Combination,
  type Contribution,
  contributionCredit,
  type Evaluator,
  encodeModelUpdate,
  equalBytes,
  evaluationSeed,
  type GrowthWindow,
  growthAllowed,
  type Hash,
  isSignificant,
  type ModelUpdate,
  measureImprovement,
  type NetworkParams,
  toHex,
  VerdictError,
  verifyImprovement,
} from '../../consensus/index.js';
import { nearDuplicate, pairwiseDots, weightNorm } from './duplicates.js';
import type { DeltaPool } from './pool.js';
import { toContribution, uniqueDeltas } from './signedDelta.js';

/** What the proposer logs through (a pino-compatible subset). */
export interface ProposerLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** The tip a proposal is for (the miner's next-block context has it). */
export interface ProposalContext {
  readonly modelHash: Hash;
}

/** A proposed update and the model hash the block's header must commit to. */
export interface Proposal {
  readonly update: ModelUpdate;
  readonly modelHash: Hash;
}

export interface UpdateProposerOptions {
  /** Aggregation rule, one of the evaluator's rules (default 'sparse-mean'). */
  readonly rule?: string;
  /** Local evaluation samples the claim is estimated from (default 6, at least 2). */
  readonly claimSeeds?: number;
  /**
   * Of those, how many the update must pass for a proposal (default: all on main and test, half
   * on devnet, where proof of work is free).
   */
  readonly minPassingSeeds?: number;
  /** Propose as soon as this many signers have pooled a delta for the tip model (default 3). */
  readonly minContributors?: number;
  /** ...or once this long has passed since the first of them arrived (ms, default 5,000). */
  readonly collectMs?: number;
  /** Milliseconds clock (default performance.now). */
  readonly now?: () => number;
  /** Source of the local evaluation seeds (default node:crypto randomBytes; tests fix it). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

const DEFAULT_CLAIM_SEEDS = 6;

export interface UpdateProposerDeps {
  readonly pool: DeltaPool;
  readonly params: NetworkParams;
  readonly evaluator: Evaluator<unknown>;
  getTipModel(): unknown;
  /** Levels of the generated domains after the tip (what an update on it is scored at). */
  getTipLevels(): readonly number[];
  /** The capacity-growth window up to the tip (consensus poi/growth.ts). */
  getGrowthWindow(): GrowthWindow;
  readonly logger: ProposerLogger;
}

export class UpdateProposer {
  readonly rule: string;
  private readonly ruleId: number;
  private cache: { base: Hash; levels: string; revision: number; proposal: Proposal | null } | null = null;
  private readonly claimSeeds: number;
  readonly minPassingSeeds: number;
  private readonly minContributors: number;
  private readonly collectMs: number;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  /** When the first delta for `base` was seen. */
  private collecting: { base: Hash; since: number } | null = null;
  /** Mean improvement (ppm) of the last aggregate over the local seeds. */
  lastPrecheckPpm = 0;
  /** Improvement (ppm) the last proposal claims (0 when there was none). */
  lastClaimPpm = 0;

  constructor(
    opts: UpdateProposerOptions,
    private readonly deps: UpdateProposerDeps,
  ) {
    this.rule = opts.rule ?? 'sparse-mean';
    this.ruleId = deps.evaluator.rules.indexOf(this.rule);
    if (this.ruleId < 0) {
      throw new RangeError(`aggregation rule ${this.rule} is not one of ${deps.evaluator.rules.join(', ')}`);
    }
    this.claimSeeds = Math.max(2, opts.claimSeeds ?? DEFAULT_CLAIM_SEEDS);
    const defaultPassing = deps.params.name === 'devnet' ? Math.ceil(this.claimSeeds / 2) : this.claimSeeds;
    this.minPassingSeeds = Math.min(this.claimSeeds, Math.max(1, opts.minPassingSeeds ?? defaultPassing));
    this.minContributors = Math.max(1, opts.minContributors ?? 3);
    this.collectMs = Math.max(0, opts.collectMs ?? 5_000);
    this.now = opts.now ?? (() => performance.now());
    this.random = opts.randomBytes ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  proposal(ctx: ProposalContext, opts: { readonly immediate?: boolean } = {}): Proposal | null {
    if (!opts.immediate && !this.collected(ctx.modelHash)) return this.growth(ctx.modelHash);
    const revision = this.deps.pool.stats().received;
    const levels = this.deps.getTipLevels();
    const key = levels.join(',');
    const c = this.cache;
    if (c && c.revision === revision && c.levels === key && equalBytes(c.base, ctx.modelHash))
      return c.proposal;
    const proposal = this.build(ctx.modelHash, levels) ?? this.growth(ctx.modelHash);
    this.cache = { base: ctx.modelHash, levels: key, revision, proposal };
    return proposal;
  }

  /** True once enough signers have pooled deltas for `base`, or the collection window is over. */
  private collected(base: Hash): boolean {
    const n = this.deps.pool.deltasFor(base).length;
    if (n === 0) {
      this.collecting = null;
      return false;
    }
    if (!this.collecting || !equalBytes(this.collecting.base, base)) {
      this.collecting = { base, since: this.now() };
    }
    return n >= this.minContributors || this.now() - this.collecting.since >= this.collectMs;
  }

  /**
   * Changes when a proposal may have become possible (the miner then rebuilds a template that
   * carries none): a delta was pooled, or the window for collecting the pooled ones closed.
   */
  revision(): number {
    const c = this.collecting;
    const closed = c !== null && this.now() - c.since >= this.collectMs;
    return 2 * this.deps.pool.stats().received + (closed ? 1 : 0);
  }

  accepts(block: Block, blockHash: Hash): boolean {
    const u = block.update;
    if (!u) return true;
    return this.improvement(u, block.header.modelHash, blockHash) !== null;
  }

  /**
   * A capacity-growth update on `base` when the rule allows one (poi/growth.ts), else null: it
   * widens the most stalled domain that can still grow.
   */
  private growth(base: Hash): Proposal | null {
    const { params, evaluator } = this.deps;
    const window = this.deps.getGrowthWindow();
    const parent = this.deps.getTipModel();
    const order = window.gainPpm.map((g, d) => ({ g, d })).sort((a, b) => a.g - b.g || a.d - b.d);
    const allowed = order.filter(({ d }) => growthAllowed(window, d, params));
    if (allowed.length === 0 || !equalBytes(evaluator.modelHash(parent), base)) return null;
    for (const { d } of allowed) {
      const grown = evaluator.grow(parent, d);
      if (grown === null) continue;
      this.deps.logger.info({ domain: d, windowGainPpm: window.gainPpm }, 'proposing capacity growth');
      const update: ModelUpdate = {
        baseModelHash: base,
        claimedPpm: 0,
        levels: [...this.deps.getTipLevels()],
        grow: d,
        rule: 0,
        contributions: [],
      };
      return { update, modelHash: evaluator.modelHash(grown) };
    }
    return null;
  }

  /** The pooled contributions a block can carry together (see the module comment), in pool order. */
  private select(
    base: Hash,
    parent: unknown,
  ): { chosen: Contribution[]; combination: Combination<unknown> } | null {
    const { params, evaluator } = this.deps;
    const pooled = uniqueDeltas(this.deps.pool.deltasFor(base));
    if (pooled.length === 0) return null;
    // first seen first; a near-copy of one already chosen is left out (consensus would reject
    // the pair, bad-model-duplicate): one pass over the pairwise dot products
    const deltas = pooled.map((v) => v.delta);
    const norms = deltas.map(weightNorm);
    const dots = pairwiseDots(deltas);
    const picked: number[] = [];
    for (let i = 0; i < pooled.length && picked.length < params.maxContributors; i++) {
      const copy = picked.find((j) => nearDuplicate(dots[j]![i]!, norms[j]!, norms[i]!));
      if (copy === undefined) picked.push(i);
      else
        this.deps.logger.debug(
          { signer: toHex(pooled[i]!.message.pubkey) },
          'near-copy of an earlier delta left out',
        );
    }
    const chosen = picked.map((i) => toContribution(pooled[i]!.message));
    try {
      const combination = evaluator.combine(
        parent,
        chosen.map((c) => c.delta),
        this.ruleId,
      );
      return { chosen, combination };
    } catch (e) {
      if (!(e instanceof VerdictError)) throw e;
      return this.selectOneByOne(chosen, parent);
    }
  }

  /** Slow path (a pooled delta consensus refuses, e.g. for another model shape): add one at a time. */
  private selectOneByOne(
    candidates: readonly Contribution[],
    parent: unknown,
  ): { chosen: Contribution[]; combination: Combination<unknown> } | null {
    const chosen: Contribution[] = [];
    let combination: Combination<unknown> | null = null;
    for (const c of candidates) {
      try {
        combination = this.deps.evaluator.combine(
          parent,
          [...chosen, c].map((x) => x.delta),
          this.ruleId,
        );
        chosen.push(c);
      } catch (e) {
        if (!(e instanceof VerdictError)) throw e;
        this.deps.logger.debug({ signer: toHex(c.pubkey), reason: e.message }, 'delta left out');
      }
    }
    return combination ? { chosen, combination } : null;
  }

  private build(base: Hash, levels: readonly number[]): Proposal | null {
    const parent = this.deps.getTipModel();
    const { params, evaluator } = this.deps;
    if (!equalBytes(evaluator.modelHash(parent), base)) return null;
    const selected = this.select(base, parent);
    if (!selected) return null;
    let { chosen, combination } = selected;
    if (chosen.length > 1) {
      // Drop what does harm: a negative leave-one-out effect (consensus credit without the noise
      // margin, unclipped) on a local seed.
      const seed = evaluationSeed(this.random(32));
      const cmp = evaluator.compare(parent, combination.model, seed, params.evalSamples, levels);
      const credit = contributionCredit(
        evaluator,
        combination,
        chosen.length,
        cmp,
        seed,
        params.evalSamples,
        levels,
        { ...params, creditZ100: 0 },
        false,
      );
      const kept = chosen.filter((_, i) => credit[i]! >= 0);
      if (kept.length > 0 && kept.length < chosen.length) {
        chosen = kept;
        combination = evaluator.combine(
          parent,
          kept.map((x) => x.delta),
          this.ruleId,
        );
      }
    }
    const next = combination.model;
    const modelHash = evaluator.modelHash(next);
    if (equalBytes(modelHash, base)) return null;
    const update0: ModelUpdate = {
      baseModelHash: base,
      claimedPpm: 0,
      levels: [...levels],
      grow: null,
      rule: this.ruleId,
      contributions: chosen,
    };
    if (encodeModelUpdate(update0).length > params.maxModelUpdateSize) return null;
    const ppms: number[] = [];
    let significant = 0;
    let passing = 0;
    for (let i = 0; i < this.claimSeeds; i++) {
      const seed = evaluationSeed(this.random(32));
      const n = params.evalSamples;
      const c = evaluator.compare(parent, next, seed, n, levels);
      const ppm = measureImprovement(c.parentScore, c.newScore, n);
      ppms.push(ppm);
      const sig = isSignificant(c, n, params);
      if (sig) significant++;
      if (sig && ppm >= params.minImprovementPpm) passing++;
    }
    const mean = ppms.reduce((a, b) => a + b, 0) / ppms.length;
    const sd = Math.sqrt(ppms.reduce((a, b) => a + (b - mean) ** 2, 0) / (ppms.length - 1));
    const claim = Math.min(
      params.maxImprovementPpm,
      Math.max(params.minImprovementPpm, Math.floor(mean - 3 * sd)),
    );
    this.lastPrecheckPpm = Math.floor(mean);
    const ok = passing >= this.minPassingSeeds;
    this.lastClaimPpm = ok ? claim : 0;
    this.deps.logger.debug(
      {
        contributors: chosen.length,
        rule: this.rule,
        meanPpm: Math.floor(mean),
        sdPpm: Math.round(sd),
        significant: `${significant}/${ppms.length}`,
        passing: `${passing}/${this.minPassingSeeds} needed`,
        claim,
      },
      'combined pooled deltas',
    );
    if (!ok) return null;
    return { update: { ...update0, claimedPpm: claim }, modelHash };
  }

  /**
   * Improvement measured with `blockHash`'s evaluation seed, or null if consensus would reject it
   * (below the threshold or the update's claim, or otherwise invalid).
   */
  private improvement(update: ModelUpdate, modelHash: Hash, blockHash: Hash): number | null {
    try {
      const r = verifyImprovement(
        this.deps.evaluator,
        this.deps.getTipModel(),
        update.baseModelHash,
        update,
        modelHash,
        blockHash,
        this.deps.getTipLevels(),
        this.deps.params,
        this.deps.getGrowthWindow(),
      );
      if (update.grow !== null) return 0;
      return r.improvementPpm >= this.deps.params.minImprovementPpm ? r.improvementPpm : null;
    } catch (e) {
      if (e instanceof VerdictError) return null;
      throw e;
    }
  }
}
