/**
 * The whole block state transition, in consensus order, cheapest checks first:
 *   sanity (PoW, merkle, structure) → header context (bits, time) → proof of improvement (combine
 *   the contributions, re-score, credit each) → UTXO rules (connectBlock) → signatures (via the
 *   SigVerifier: the update's contributions first, then every input). The signature checks are
 *   handed to the verifier in slices while connectBlock is still running (SliceVerifier), so that
 *   a multi-threaded verifier works beside the thread that checks the rest; the verdict is the
 *   same as one batch's.
 * Pure: the caller supplies the parent's state, the clock reading and the coin view; the verifier
 * and evaluator are injected. Nothing is written: the caller commits the view and undo data.
 */

import type { CoinView } from '../coinView.js';
import type { SigCheck, SigVerifier } from '../crypto/schnorr.js';
import { VerdictError } from '../errors.js';
import type { Payout } from '../money.js';
import type { NetworkParams } from '../params/types.js';
import { contributionSigChecks } from '../poi/credit.js';
import type { Evaluator } from '../poi/evaluator.js';
import type { GrowthWindow } from '../poi/growth.js';
import { type ImprovementResult, verifyImprovement } from '../poi/improvement.js';
import type { BlockWithIds } from '../primitives/block.js';
import type { Hash } from '../primitives/hash.js';
import {
  type ConnectResult,
  checkBlockSanity,
  checkHeaderContext,
  connectBlock,
  type HeaderContext,
} from './block.js';

export interface ParentState<M> {
  readonly height: number;
  readonly modelHash: Hash;
  /** The parent's model; only needed when the block carries an update. */
  readonly model: () => M;
  readonly issued: bigint;
  /** Levels of the leveled domains after the parent (poi/levels.ts): the update is scored at these. */
  readonly levels: readonly number[];
  /** The capacity-growth window up to the parent (poi/growth.ts); null: growth not allowed. */
  readonly growth: GrowthWindow | null;
  /** What the parent's contributors are owed by this block's coinbase (the parent's owedNext). */
  readonly owed: readonly Payout[];
}

export interface BlockTransitionResult<M> {
  readonly connect: ConnectResult;
  readonly improvement: ImprovementResult<M> | null;
}

/** Signature checks handed to the verifier at once while a block is still being connected. */
export const SIG_SLICE = 128;

/**
 * Verifies a growing list of signature checks in slices as it grows (`offer`), the rest at the
 * end (`offer(checks, true)`); `firstBad` is then the index of the first invalid check of the
 * list (-1: none), as one verifyBatch of the whole list would give. A slice goes out once a whole
 * one more is waiting behind it, so the last batch holds at least a slice: a pool verifies a
 * batch too small to split on the calling thread, the very thread this is meant to relieve.
 * Slices still in flight when the caller gives up (a verdict thrown meanwhile) settle unobserved.
 */
export class SliceVerifier {
  private sent = 0;
  private readonly pending: Promise<number>[] = [];

  constructor(
    private readonly verifier: SigVerifier,
    private readonly slice: number = SIG_SLICE,
  ) {}

  /**
   * Sends the slices of `checks` not sent yet that have a whole slice behind them; with `flush`,
   * everything not sent yet, in one batch.
   */
  offer(checks: readonly SigCheck[], flush = false): void {
    while (checks.length - this.sent >= 2 * this.slice) this.send(checks, this.sent + this.slice);
    if (flush && checks.length > this.sent) this.send(checks, checks.length);
  }

  private send(checks: readonly SigCheck[], to: number): void {
    const from = this.sent;
    const p = this.verifier.verifyBatch(checks.slice(from, to)).then((i) => (i < 0 ? -1 : from + i));
    p.catch(() => {});
    this.pending.push(p);
    this.sent = to;
  }

  /** Index of the first invalid check among those sent, or -1. */
  async firstBad(): Promise<number> {
    // slices are in list order: the first slice with a failure holds the first failure
    for (const i of await Promise.all(this.pending)) if (i >= 0) return i;
    return -1;
  }
}

/** What the caller has already established about this very block (`b`, the same object). */
export interface PriorChecks<M> {
  /**
   * verifyImprovement's result for this block on this parent, measured by the caller already (a
   * node verifies an update when it stores the block): it is a pure function of the two, so
   * measuring again would give the same result at the cost of a second scoring.
   */
  readonly improvement?: ImprovementResult<M>;
  /** checkBlockSanity(b, params) passed (a node checks it before storing the block). */
  readonly sane?: boolean;
}

export async function validateBlockTransition<M>(
  b: BlockWithIds,
  parent: ParentState<M>,
  headerCtx: HeaderContext,
  view: CoinView,
  deps: { readonly params: NetworkParams; readonly evaluator: Evaluator<M>; readonly verifier: SigVerifier },
  prior: PriorChecks<M> = {},
): Promise<BlockTransitionResult<M>> {
  const { params } = deps;
  if (!prior.sane) checkBlockSanity(b, params);
  checkHeaderContext(b.block.header, headerCtx, params);
  const update = b.block.update;
  const known = prior.improvement;
  const improvement = update
    ? (known ??
      verifyImprovement(
        deps.evaluator,
        parent.model(),
        parent.modelHash,
        update,
        b.block.header.modelHash,
        b.hash,
        parent.levels,
        params,
        parent.growth,
      ))
    : null;
  const contributions = new SliceVerifier(deps.verifier);
  if (update) contributions.offer(contributionSigChecks(update), true);
  const inputs = new SliceVerifier(deps.verifier);
  const connect = connectBlock(
    b,
    view,
    {
      height: parent.height + 1,
      issuedBefore: parent.issued,
      parentModelHash: parent.modelHash,
      improvementPpm: improvement?.improvementPpm ?? 0,
      credit: improvement?.credit ?? [],
      owed: parent.owed,
      onSigChecks: (checks) => inputs.offer(checks),
    },
    params,
  );
  inputs.offer(connect.sigChecks, true);
  const badContribution = await contributions.firstBad();
  if (badContribution >= 0) {
    throw new VerdictError(
      'bad-model-contributors',
      `contribution ${badContribution}: its signer did not sign this delta on this base`,
    );
  }
  const bad = await inputs.firstBad();
  if (bad >= 0) throw new VerdictError('bad-txns-sig', `signature ${bad} of the block is invalid`);
  return { connect, improvement };
}
