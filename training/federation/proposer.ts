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
 * seeds. The miner re-checks the found hash (`verifyFound`: improvement ≥ threshold and ≥ claim, and
 * significant) and searches on when it fails, throwing that proof of work away. So on main and
 * test (costly proof of work) the update must pass on every local seed; on devnet, where a
 * solution costs nothing, on half of them: a real but small gain (measured in the soak: +3,468 ppm
 * on average, significant on only some samples) is then still worth a few hashes, while an
 * update with no real gain passes a seed's sign test about 0.1% of the time and is not proposed.
 * Collecting: after the chain model changes, the first deltas for the new base arrive one by one;
 * proposing at the first would make every update a one-contributor update. So the proposer waits
 * until `minContributors` signers have pooled a delta, or `collectMs` has passed since the first
 * one arrived (generatetoaddress asks with `immediate`).
 * Proposals are cached per (tip model, levels, pool contents).
 * Off the node's thread: with a `scorer` (the node's ImprovementWorker) the scoring
 * (buildProposal.ts) and the found hash's check run on a worker. `proposal` then never waits: it
 * answers from the cache, starts a build for what is pooled now when the cache is out of date
 * (one at a time, so that the worker's block verifications never queue behind a backlog of
 * proposals) and meanwhile offers the last proposal on the same base, still valid; `revision`
 * changes when a build lands, and the miner rebuilds its template. `proposalNow`
 * (generatetoaddress) waits for the build.
 * Growth: when no update could be proposed and the model has not changed for growthStallBlocks
 * blocks, the proposer offers a capacity-growth update instead (consensus poi/improvement.ts),
 * so that a saturated model gets new units to train.
 */
import { randomBytes } from 'node:crypto';
import {
  type Block,
  type Evaluator,
  equalBytes,
  type GrowthWindow,
  growthAllowed,
  type Hash,
  type ImprovementJob,
  type ImprovementResult,
  type ModelUpdate,
  type NetworkParams,
  VerdictError,
  verifyImprovementJob,
} from '../../consensus/index.js';
import { buildProposal, type Proposal, type ProposalInput, type ProposalOutcome } from './buildProposal.js';
import type { DeltaPool } from './pool.js';
import { toContribution, uniqueDeltas } from './signedDelta.js';

export type { Proposal } from './buildProposal.js';

/** What the proposer logs through (a pino-compatible subset). */
export interface ProposerLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** The tip a proposal is for (the miner's next-block context has it). */
export interface ProposalContext {
  readonly modelHash: Hash;
}

/**
 * Runs the proposer's scoring off the caller's thread (the node's ImprovementWorker), with the
 * same results as buildProposal and verifyImprovementJob on it.
 */
export interface ProposalScorer {
  propose(input: ProposalInput<unknown>): Promise<ProposalOutcome>;
  verify(job: ImprovementJob<unknown>): Promise<ImprovementResult<unknown>>;
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
  /** Where the scoring runs; without one, on the caller's thread (proposal() then waits for it). */
  readonly scorer?: ProposalScorer;
}

/** What a proposal is built from: the tip model, its levels and the pool's contents. */
interface ProposalKey {
  readonly base: Hash;
  readonly levels: string;
  readonly revision: number;
}

const sameBase = (a: ProposalKey, b: ProposalKey): boolean =>
  a.levels === b.levels && equalBytes(a.base, b.base);
const sameKey = (a: ProposalKey, b: ProposalKey): boolean => a.revision === b.revision && sameBase(a, b);

export class UpdateProposer {
  readonly rule: string;
  private readonly ruleId: number;
  private cache: { key: ProposalKey; proposal: Proposal | null } | null = null;
  /** The build on the scorer (at most one at a time). */
  private building: { key: ProposalKey; done: Promise<Proposal | null> } | null = null;
  /** Builds landed from the scorer (part of revision()). */
  private built = 0;
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

  /**
   * The update for a block on the tip: from the cache, built here without a scorer; with one, the
   * last proposal on the same base while a build for the pool's present contents runs (see the
   * module comment).
   */
  proposal(ctx: ProposalContext, opts: { readonly immediate?: boolean } = {}): Proposal | null {
    if (!opts.immediate && !this.collected(ctx.modelHash)) return this.growth(ctx.modelHash);
    const key = this.key(ctx.modelHash);
    const c = this.cache;
    if (c && sameKey(c.key, key)) return c.proposal;
    if (!this.deps.scorer)
      return this.land(key, buildProposal(this.deps.evaluator, this.deps.params, this.input(key)));
    if (!this.building) void this.build(key);
    return c && sameBase(c.key, key) ? c.proposal : null;
  }

  /** proposal(), waiting for the scorer's build of what is pooled now (generatetoaddress). */
  async proposalNow(
    ctx: ProposalContext,
    opts: { readonly immediate?: boolean } = {},
  ): Promise<Proposal | null> {
    if (!opts.immediate && !this.collected(ctx.modelHash)) return this.growth(ctx.modelHash);
    const key = this.key(ctx.modelHash);
    const c = this.cache;
    if (c && sameKey(c.key, key)) return c.proposal;
    if (!this.deps.scorer) return this.proposal(ctx, opts);
    // wait for a build of other contents first: one at a time on the scorer
    while (this.building && !sameKey(this.building.key, key)) await this.building.done;
    return this.building ? this.building.done : this.build(key);
  }

  private key(base: Hash): ProposalKey {
    return { base, levels: this.deps.getTipLevels().join(','), revision: this.deps.pool.stats().received };
  }

  private input(key: ProposalKey): ProposalInput<unknown> {
    return {
      parent: this.deps.getTipModel(),
      base: key.base,
      levels: [...this.deps.getTipLevels()],
      candidates: uniqueDeltas(this.deps.pool.deltasFor(key.base)).map((v) => ({
        contribution: toContribution(v.message),
        delta: v.delta,
      })),
      rule: this.ruleId,
      creditSeed: this.random(32),
      claimSeeds: Array.from({ length: this.claimSeeds }, () => this.random(32)),
      minPassingSeeds: this.minPassingSeeds,
    };
  }

  /** Builds the proposal for `key` on the scorer; a failed build proposes nothing (logged). */
  private build(key: ProposalKey): Promise<Proposal | null> {
    const done = this.deps.scorer!.propose(this.input(key)).then(
      (outcome) => {
        this.building = null;
        this.built++;
        return this.land(key, outcome);
      },
      (e: unknown) => {
        this.building = null;
        this.built++;
        this.deps.logger.info({ err: e }, 'proposal build failed: no update proposed');
        return this.land(key, { proposal: null, precheckPpm: 0, claimPpm: 0, notes: [] });
      },
    );
    this.building = { key, done };
    return done;
  }

  /** Caches a built outcome (a growth update when it proposes none) and returns its proposal. */
  private land(key: ProposalKey, outcome: ProposalOutcome): Proposal | null {
    for (const n of outcome.notes) this.deps.logger.debug({ ...n.fields, rule: this.rule }, n.msg);
    if (outcome.notes.length > 0 || outcome.proposal) {
      this.lastPrecheckPpm = outcome.precheckPpm;
      this.lastClaimPpm = outcome.claimPpm;
    }
    const proposal = outcome.proposal ?? this.growth(key.base);
    this.cache = { key, proposal };
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
   * carries none): a delta was pooled, the window for collecting the pooled ones closed, or a
   * build landed from the scorer.
   */
  revision(): number {
    const c = this.collecting;
    const closed = c !== null && this.now() - c.since >= this.collectMs;
    return 2 * (this.deps.pool.stats().received + this.built) + (closed ? 1 : 0);
  }

  /**
   * The improvement consensus measures for a found block's update on its own hash (the scorer's
   * verification when there is one), or null when consensus would reject the block: below the
   * threshold or the update's claim, or otherwise invalid. The block's parent must be the tip
   * when this is called (the job is built from the tip at once).
   */
  async verifyFound(block: Block, blockHash: Hash): Promise<ImprovementResult<unknown> | null> {
    const u = block.update;
    if (!u) throw new RangeError('verifyFound: the block carries no model update');
    const { params, scorer } = this.deps;
    const job: ImprovementJob<unknown> = {
      parent: this.deps.getTipModel(),
      parentModelHash: u.baseModelHash,
      update: u,
      headerModelHash: block.header.modelHash,
      blockHash,
      levels: this.deps.getTipLevels(),
      growth: this.deps.getGrowthWindow(),
    };
    try {
      const r = scorer ? await scorer.verify(job) : verifyImprovementJob(this.deps.evaluator, job, params);
      return u.grow !== null || r.improvementPpm >= params.minImprovementPpm ? r : null;
    } catch (e) {
      if (e instanceof VerdictError) return null;
      throw e;
    }
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
}
