/**
 * What the wallet needs from a node. The wallet is a passive indexer: the node calls
 * `applyBlock`/`undoBlock` from its chain events and `addMempoolTx`/`removeMempoolTx` from its
 * mempool events. The only thing the wallet asks of the chain is to catch up after a restart
 * (`syncWallet`), through this narrow interface.
 */
import type { Block, Hash, NetworkParams } from '../consensus/index.js';

export interface ChainClient {
  readonly params: NetworkParams;
  /** Height of the best block. */
  tipHeight(): number;
  /** Hash of the best chain's block at `height`; undefined above the tip. */
  getBlockHash(height: number): Hash | undefined;
  /** A stored block by hash, on the best chain or a side branch (needed to undo a stale tip). */
  getBlock(hash: Hash): Promise<Block | undefined>;
}

/**
 * The node's fee rate estimate in base units per 1000 bytes (e.g. from mempool contents), or
 * undefined when it has none. The wallet clamps it to [minFeeRate, maxFeeRate].
 */
export type FeeRateEstimator = () => bigint | undefined | Promise<bigint | undefined>;
