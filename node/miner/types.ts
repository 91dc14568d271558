import type {
  Block,
  BlockHeader,
  Hash,
  ImprovementResult,
  ModelUpdate,
  NetworkParams,
  Payout,
  Transaction,
  TxWithId,
} from '../../consensus/index.js';
import type { Logger } from '../logger.js';
import type { PowEngine } from './grinder.js';

/** Everything a block template needs from the best chain (node/chain implements it). */
export interface NextBlockContext {
  /** Height of the block to build (tip height + 1). */
  readonly height: number;
  /** Hash of the current tip, the new block's parent. */
  readonly prevHash: Hash;
  /** Compact target the new block must carry. */
  readonly bits: number;
  /** Median time past of the parent chain: the new block's time must exceed it. */
  readonly medianTimePast: number;
  /** Total issued by the new block's ancestors (the tip's cumulative issuance). */
  readonly issued: bigint;
  /** Model hash after the tip (kept by a block without a model update). */
  readonly modelHash: Hash;
  /** The `now` the context was asked for, seconds. */
  readonly now: number;
  /** What the new block's coinbase owes the tip's contributors (the tip entry's `owed`). */
  readonly owed: readonly Payout[];
}

export interface MinerChain {
  readonly params: NetworkParams;
  nextBlockContext(now: number): NextBlockContext;
  /**
   * Validates and stores a block through the same path as a block received from a peer;
   * `improvement` is the miner's own verification of the block's update (verifyFound, with the
   * block's parent as the tip), which the chain then does not repeat.
   */
  processBlock(
    block: Block,
    source?: string,
    opts?: { readonly improvement?: ImprovementResult<unknown> },
  ): Promise<{ status: string }>;
}

/** What a template needs from the pool (node/mempool's Mempool implements it). */
export interface MinerMempool {
  selectForBlock(maxBytes: number): { readonly txs: readonly TxWithId[]; readonly fees: bigint };
  /** Increases whenever the pool's contents change. */
  readonly revision: number;
}

/** Wall clock in milliseconds since the epoch (Date.now shape). */
export interface Clock {
  now(): number;
}

/** A model update to put in a template, and the model hash the header then commits to. */
export interface TemplateUpdate {
  readonly update: ModelUpdate;
  readonly modelHash: Hash;
}

/**
 * Where the miner gets model updates from (training/federation's proposer). `proposal` pre-checks
 * the improvement on local samples and never waits (it may offer none while it scores what is
 * pooled, off the node's thread); `proposalNow` waits for that scoring (generatetoaddress).
 * `verifyFound` re-checks the found block on its own hash (the sample consensus measures) and
 * returns the verified improvement, or null: the block is discarded and the search continues.
 * `immediate` (generatetoaddress) asks for whatever is pooled now, without waiting to collect more
 * deltas. `revision` changes whenever a proposal that was not possible may have become so (new
 * deltas pooled, a scoring done): the miner then rebuilds a template that carries no update.
 */
export interface MinerUpdateSource {
  proposal(ctx: NextBlockContext, opts?: { readonly immediate?: boolean }): TemplateUpdate | null;
  proposalNow(ctx: NextBlockContext, opts?: { readonly immediate?: boolean }): Promise<TemplateUpdate | null>;
  revision(): number;
  verifyFound(block: Block, blockHash: Hash): Promise<ImprovementResult<unknown> | null>;
}

export interface MinerDeps {
  /** Model updates (when training is on); without it blocks carry none. */
  readonly updates?: MinerUpdateSource;
  readonly chain: MinerChain;
  readonly mempool: MinerMempool;
  readonly params: NetworkParams;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface BlockTemplate {
  /** Header with nonce 0; the search fills in the nonce. */
  readonly header: BlockHeader;
  /** Coinbase first, then the selected pool transactions, parents before children. */
  readonly txs: readonly Transaction[];
  /** Fees of the selected transactions. */
  readonly fees: bigint;
  /**
   * Subsidy the coinbase claims. Never the improvement bonus: it depends on the improvement
   * measured with the final block hash, which the coinbase (inside the merkle root) cannot know.
   */
  readonly reward: bigint;
  /** The model update the block carries (its header commits to the resulting model). */
  readonly update: ModelUpdate | null;
  readonly height: number;
  /** Serialized size of the block. */
  readonly size: number;
}

export interface TemplateOptions {
  /** Block size limit to fill up to; default (and at most) params.maxBlockSize. */
  readonly maxBlockSize?: number;
  /** Lowest header time to use (to move past a time whose nonce space is exhausted). */
  readonly minTime?: number;
}

/** Mining state for getmininginfo. */
export interface MinerStatus {
  readonly mining: boolean;
  /** Hashes per second this node's miner did over the last 10 s (measured; 0 when not mining). */
  readonly hashrate: number;
  /** The grinder of the proof-of-work threads, null when not mining. */
  readonly engine: PowEngine | null;
  readonly blocksFound: number;
  /** Hex hash of the last block this miner found that became the tip, or null. */
  readonly lastBlockHash: string | null;
  readonly address: string;
  readonly threads: number;
}

/** Typed events: 'template' when a search starts on a new template, 'block' when a mined block became the tip. */
export interface MinerEvents {
  template: [BlockTemplate];
  block: [{ readonly hash: string; readonly height: number; readonly source: string }];
}
