import type {
  BlockWithIds,
  Evaluator,
  Hash,
  ImprovementJob,
  ImprovementResult,
  NetworkParams,
  Payout,
  SigVerifier,
} from '../../consensus/index.js';
import type { ChainDb, ChainEntry } from '../db/index.js';
import type { Logger } from '../logger.js';

export interface ChainDeps<M> {
  /** The chain database; `start()` opens it if needed, the owner closes it after `stop()`. */
  readonly db: ChainDb;
  readonly params: NetworkParams;
  /** The network's deterministic model evaluator; its initial model must hash to the genesis commitment. */
  readonly evaluator: Evaluator<M>;
  readonly verifier: SigVerifier;
  readonly logger: Logger;
  /** Adjusted network time, unix seconds. */
  readonly clock: () => number;
  /**
   * Verifies a block's model update (consensus verifyImprovementJob with `evaluator` and
   * `params`), typically on another thread so that this one keeps serving peers meanwhile; the
   * result and the verdict must be verifyImprovementJob's. Default: on this thread.
   */
  readonly improvement?: { verify(job: ImprovementJob<M>): Promise<ImprovementResult<M>> };
}

/**
 * What happened to a processed block:
 *  - 'connected'   it extended the best chain (directly, no block disconnected)
 *  - 'reorganized' it became part of the best chain through a reorganization
 *  - 'side'        stored on a side branch (not heavier than the best chain)
 *  - 'orphan'      parent unknown; kept in the orphan pool until the parent arrives
 *  - 'duplicate'   already stored (or already in the orphan pool)
 */
export type ProcessStatus = 'connected' | 'reorganized' | 'side' | 'orphan' | 'duplicate';

export interface ProcessResult {
  readonly status: ProcessStatus;
  readonly hash: Hash;
  /** Height of the block, when its parent is known. */
  readonly height?: number;
}

export interface ChainBlockEvent {
  readonly block: BlockWithIds;
  /** The block's index entry after the change (status valid-connected, or valid-side for 'disconnect'). */
  readonly entry: ChainEntry;
}

/** How long connecting a block took (monotonic clock), for the node's metrics. */
export interface ConnectTiming {
  /** Full consensus validation against the parent's state (validateBlockTransition), ms. */
  readonly validateMs: number;
  /**
   * The whole connect: load, coin prefetch (what is left of it: a child of the tip has its coins
   * read beside its context-free checks, before the connect), validation, the database batch, ms.
   */
  readonly connectMs: number;
}

export interface ChainConnectEvent extends ChainBlockEvent {
  readonly timing: ConnectTiming;
}

/** A reorganization that completed: the best chain left `disconnected` blocks for another branch. */
export interface ChainReorgEvent {
  /** Height of the last block both branches share. */
  readonly forkHeight: number;
  readonly disconnected: number;
  readonly connected: number;
  /** The new tip. */
  readonly tip: ChainEntry;
}

/** Payloads of the chain's events. */
export interface ChainEvents {
  /** A block was connected to the best chain (one event per block, in chain order). */
  block: ChainConnectEvent;
  /** The best chain's tip block was disconnected (reorg), tip first. */
  disconnect: ChainBlockEvent;
  /** A reorganization completed (after its 'disconnect' and 'block' events, before 'tip'). */
  reorg: ChainReorgEvent;
  /** The best tip changed (once per processBlock / activation, after its connects and disconnects). */
  tip: ChainEntry;
}

/** Everything a block template needs from the best chain. */
export interface NextBlockContext {
  readonly height: number;
  readonly prevHash: Hash;
  /** Compact target the new block must carry (pow nextBits). */
  readonly bits: number;
  /** Median time past of the tip's chain: the new block's time must exceed it. */
  readonly medianTimePast: number;
  /** Total issued by the new block's ancestors. */
  readonly issued: bigint;
  /** Model hash after the tip (a block without a model update keeps it). */
  readonly modelHash: Hash;
  readonly now: number;
  /** What the new block's coinbase owes the tip's contributors (consensus money.ts). */
  readonly owed: readonly Payout[];
}

/** Result of `verifyChain`. */
export interface VerifyReport {
  readonly height: number;
  readonly tipHash: string;
  /** Blocks re-validated (genesis excluded). */
  readonly blocksChecked: number;
  /** Coins in the stored UTXO set. */
  readonly coins: number;
  /** Coins in the replayed UTXO set. */
  readonly replayCoins: number;
  readonly issued: bigint;
  /** Human-readable differences; empty when the stored state equals the replay. */
  readonly mismatches: readonly string[];
}
