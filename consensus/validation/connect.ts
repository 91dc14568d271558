/**
 * The whole block state transition, in consensus order, cheapest checks first:
 *   sanity (PoW, merkle, structure) → header context (bits, time) → proof of improvement (combine
 *   the contributions, re-score, credit each) → UTXO rules (connectBlock) → signatures (bulk, via
 *   the SigVerifier: the update's contributions first, then every input).
 * Pure: the caller supplies the parent's state, the clock reading and the coin view; the verifier
 * and evaluator are injected. Nothing is written: the caller commits the view and undo data.
 */

import type { CoinView } from '../coinView.js';
import type { SigVerifier } from '../crypto/schnorr.js';
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

export async function validateBlockTransition<M>(
  b: BlockWithIds,
  parent: ParentState<M>,
  headerCtx: HeaderContext,
  view: CoinView,
  deps: { readonly params: NetworkParams; readonly evaluator: Evaluator<M>; readonly verifier: SigVerifier },
  known?: ImprovementResult<M>,
): Promise<BlockTransitionResult<M>> {
  const { params } = deps;
  checkBlockSanity(b, params);
  checkHeaderContext(b.block.header, headerCtx, params);
  const update = b.block.update;
  // `known`: verifyImprovement's result for this very block on this parent, measured by the
  // caller already (a node verifies an update when it stores the block); it is a pure function
  // of the two, so measuring again would give the same result at the cost of a second scoring.
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
    },
    params,
  );
  const contributions = update ? contributionSigChecks(update) : [];
  const bad = await deps.verifier.verifyBatch([...contributions, ...connect.sigChecks]);
  if (bad >= 0 && bad < contributions.length) {
    throw new VerdictError(
      'bad-model-contributors',
      `contribution ${bad}: its signer did not sign this delta on this base`,
    );
  }
  if (bad >= 0) {
    throw new VerdictError('bad-txns-sig', `signature ${bad - contributions.length} of the block is invalid`);
  }
  return { connect, improvement };
}
