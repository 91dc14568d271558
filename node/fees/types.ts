import type { Block, Hash, NetworkParams, UndoData } from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';
import type { BlockSelection, MempoolEntry } from '../mempool/index.js';

/** What the estimator reads from the chain (node/chain's Chain implements it). */
export interface FeeEstimatorChain {
  readonly params: NetworkParams;
  readonly tip: ChainEntry;
  getEntryByHeight(height: number): ChainEntry | undefined;
  getBlock(hash: Hash): Promise<Block | undefined>;
  /** The coins a best-chain block spent, in input order. */
  getUndo(hash: Hash): Promise<UndoData | undefined>;
}

/** What the estimator reads from the pool (node/mempool's Mempool implements it). */
export interface FeeEstimatorMempool {
  /** Sum of the pooled transactions' sizes. */
  readonly bytes: number;
  /** The transactions a miner would take for `maxBytes`, in the pool's mining order. */
  selectForBlock(maxBytes: number): BlockSelection;
  get(txid: Uint8Array): MempoolEntry | undefined;
  /** The fee rate a new transaction needs now, base units per byte. */
  minFeeRate(): bigint;
}

export interface FeeEstimatorDeps {
  readonly chain: FeeEstimatorChain;
  readonly mempool: FeeEstimatorMempool;
}

/** Bitcoin Core's estimate modes; 'economical' looks at a shorter history, at a lower percentile. */
export type FeeEstimateMode = 'economical' | 'conservative';

/** A fee rate in base units per 1000 bytes, or null when the node has seen too little to tell. */
export interface FeeEstimate {
  readonly feeRate: bigint | null;
  /** The confirmation target the estimate is for. */
  readonly blocks: number;
}

/** What one best-chain block says about fees. */
export interface BlockFeeStats {
  /** Transactions besides the coinbase. */
  readonly txs: number;
  /** Whether a smallest transaction would not have fit any more. */
  readonly full: boolean;
  /** Lowest fee rate it included, base units per 1000 bytes (null without transactions). */
  readonly minRate: bigint | null;
}
