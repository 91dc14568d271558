/**
 * buildProposal: the scoring half of the UpdateProposer (proposer.ts), as a pure function of its
 * input, so that a node can run it on a worker thread (training/parallel's ImprovementWorker)
 * while its own thread keeps relaying blocks: on a busy 2-core machine the selection and claim
 * estimate below take seconds, and a miner that ran them on its node's thread received its
 * peers' blocks seconds late (netsim run 10: the steady state's p99 to all nodes at arrival was
 * 6.5 s, all of it at the miners).
 *
 * Selection, in the pool's first-seen order: at most maxContributors, each combinable with those
 * before it (a near-copy of an earlier delta makes the block invalid, consensus
 * 'bad-model-duplicate', so the later one is left out); then contributions whose leave-one-out
 * effect on a local seed (consensus poi/credit.ts, before clipping) is negative are dropped. The
 * claim is max(minImprovementPpm, floor(mean − 3·sd)) over the claim seeds, and there is no
 * proposal unless the update passes both consensus rules on `minPassingSeeds` of them
 * (proposer.ts explains both choices). The local seeds come with the input (the caller's
 * randomness), so the function is deterministic.
 */
import {
  type Combination,
  type Contribution,
  contributionCredit,
  type Evaluator,
  encodeModelUpdate,
  equalBytes,
  evaluationSeed,
  type Hash,
  isSignificant,
  type ModelUpdate,
  measureImprovement,
  type NetworkParams,
  toHex,
  VerdictError,
} from '../../consensus/index.js';
import type { SparseDelta } from '../delta.js';
import { nearDuplicate, pairwiseDots, weightNorm } from './duplicates.js';

/** A proposed update and the model hash the block's header must commit to. */
export interface Proposal {
  readonly update: ModelUpdate;
  readonly modelHash: Hash;
}

export interface ProposalInput<M> {
  /** The tip model and its hash (the update's base). */
  readonly parent: M;
  readonly base: Hash;
  /** Levels of the generated domains after the tip. */
  readonly levels: readonly number[];
  /**
   * The pooled contributions for `base`, one per signer and payload, in first-seen order, each
   * with its decoded entries.
   */
  readonly candidates: readonly { readonly contribution: Contribution; readonly delta: SparseDelta }[];
  /** Index of the aggregation rule in the evaluator's rules. */
  readonly rule: number;
  /** 32 random bytes for the leave-one-out sample, and one such seed per claim sample. */
  readonly creditSeed: Uint8Array;
  readonly claimSeeds: readonly Uint8Array[];
  /** Claim samples the update must pass (both consensus rules) for a proposal. */
  readonly minPassingSeeds: number;
}

/** A line for the proposer's debug log. */
export interface ProposalNote {
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

export interface ProposalOutcome {
  readonly proposal: Proposal | null;
  /** Mean improvement (ppm) over the claim samples; 0 when none was measured. */
  readonly precheckPpm: number;
  /** The claim of the proposal, 0 when there is none. */
  readonly claimPpm: number;
  readonly notes: readonly ProposalNote[];
}

/** The update the pooled contributions make on `input.parent`, or none (see the module comment). */
export function buildProposal<M>(
  evaluator: Evaluator<M>,
  params: NetworkParams,
  input: ProposalInput<M>,
): ProposalOutcome {
  const notes: ProposalNote[] = [];
  const none: ProposalOutcome = { proposal: null, precheckPpm: 0, claimPpm: 0, notes };
  const { parent, base, levels } = input;
  if (!equalBytes(evaluator.modelHash(parent), base)) return none;
  const selected = select(evaluator, params, input, notes);
  if (!selected) return none;
  let { chosen, combination } = selected;
  if (chosen.length > 1) {
    // Drop what does harm: a negative leave-one-out effect (consensus credit without the noise
    // margin, unclipped) on a local seed.
    const seed = evaluationSeed(input.creditSeed);
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
        input.rule,
      );
    }
  }
  const next = combination.model;
  const modelHash = evaluator.modelHash(next);
  if (equalBytes(modelHash, base)) return none;
  const update0: ModelUpdate = {
    baseModelHash: base,
    claimedPpm: 0,
    levels: [...levels],
    grow: null,
    rule: input.rule,
    contributions: chosen,
  };
  if (encodeModelUpdate(update0).length > params.maxModelUpdateSize) return none;
  const ppms: number[] = [];
  let significant = 0;
  let passing = 0;
  for (const bytes of input.claimSeeds) {
    const n = params.evalSamples;
    const c = evaluator.compare(parent, next, evaluationSeed(bytes), n, levels);
    const ppm = measureImprovement(c.parentScore, c.newScore, n);
    ppms.push(ppm);
    const sig = isSignificant(c, n, params);
    if (sig) significant++;
    if (sig && ppm >= params.minImprovementPpm) passing++;
  }
  if (ppms.length === 0) return none;
  const mean = ppms.reduce((a, b) => a + b, 0) / ppms.length;
  const sd =
    ppms.length > 1 ? Math.sqrt(ppms.reduce((a, b) => a + (b - mean) ** 2, 0) / (ppms.length - 1)) : 0;
  const claim = Math.min(
    params.maxImprovementPpm,
    Math.max(params.minImprovementPpm, Math.floor(mean - 3 * sd)),
  );
  const ok = passing >= input.minPassingSeeds;
  notes.push({
    msg: 'combined pooled deltas',
    fields: {
      contributors: chosen.length,
      meanPpm: Math.floor(mean),
      sdPpm: Math.round(sd),
      significant: `${significant}/${ppms.length}`,
      passing: `${passing}/${input.minPassingSeeds} needed`,
      claim,
    },
  });
  return {
    proposal: ok ? { update: { ...update0, claimedPpm: claim }, modelHash } : null,
    precheckPpm: Math.floor(mean),
    claimPpm: ok ? claim : 0,
    notes,
  };
}

/** The pooled contributions a block can carry together (see the module comment), in pool order. */
function select<M>(
  evaluator: Evaluator<M>,
  params: NetworkParams,
  input: ProposalInput<M>,
  notes: ProposalNote[],
): { chosen: Contribution[]; combination: Combination<M> } | null {
  const pooled = input.candidates;
  if (pooled.length === 0) return null;
  // first seen first; a near-copy of one already chosen is left out (consensus would reject
  // the pair, bad-model-duplicate): one pass over the pairwise dot products
  const deltas = pooled.map((c) => c.delta);
  const norms = deltas.map(weightNorm);
  const dots = pairwiseDots(deltas);
  const picked: number[] = [];
  for (let i = 0; i < pooled.length && picked.length < params.maxContributors; i++) {
    const copy = picked.find((j) => nearDuplicate(dots[j]![i]!, norms[j]!, norms[i]!));
    if (copy === undefined) picked.push(i);
    else
      notes.push({
        msg: 'near-copy of an earlier delta left out',
        fields: { signer: toHex(pooled[i]!.contribution.pubkey) },
      });
  }
  const chosen = picked.map((i) => pooled[i]!.contribution);
  try {
    const combination = evaluator.combine(
      input.parent,
      chosen.map((c) => c.delta),
      input.rule,
    );
    return { chosen, combination };
  } catch (e) {
    if (!(e instanceof VerdictError)) throw e;
    return selectOneByOne(evaluator, input, chosen, notes);
  }
}

/** Slow path (a pooled delta consensus refuses, e.g. for another model shape): add one at a time. */
function selectOneByOne<M>(
  evaluator: Evaluator<M>,
  input: ProposalInput<M>,
  candidates: readonly Contribution[],
  notes: ProposalNote[],
): { chosen: Contribution[]; combination: Combination<M> } | null {
  const chosen: Contribution[] = [];
  let combination: Combination<M> | null = null;
  for (const c of candidates) {
    try {
      combination = evaluator.combine(
        input.parent,
        [...chosen, c].map((x) => x.delta),
        input.rule,
      );
      chosen.push(c);
    } catch (e) {
      if (!(e instanceof VerdictError)) throw e;
      notes.push({ msg: 'delta left out', fields: { signer: toHex(c.pubkey), reason: e.message } });
    }
  }
  return combination ? { chosen, combination } : null;
}
