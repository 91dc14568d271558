import type { Coin, NetworkParams, OutPoint, SigVerifier, TxWithId } from '../../consensus/index.js';
import type { Logger } from '../logger.js';

/** What the mempool needs from the chain (node/chain implements it; tests use a small adapter). */
export interface MempoolChain {
  readonly params: NetworkParams;
  /** Height of the best block (a pooled transaction must be valid in a block at tipHeight() + 1). */
  tipHeight(): number;
  /** Unspent coin of the best chain's UTXO set, or undefined. */
  getCoin(op: OutPoint): Promise<Coin | undefined>;
}

export interface MempoolDeps {
  readonly chain: MempoolChain;
  readonly verifier: SigVerifier;
  readonly logger: Logger;
  /** Wall clock in milliseconds for entry times; default Date.now. */
  readonly clock?: { now(): number };
}

/** Result of a successful `accept`. Fee rates are base units per byte, rounded down. */
export interface AcceptResult {
  readonly txid: string;
  readonly wtxid: string;
  readonly fee: bigint;
  readonly size: number;
  readonly feeRate: bigint;
}

/** Snapshot of one pooled transaction (the fields of Bitcoin Core's getmempoolentry). */
export interface MempoolEntry {
  readonly tx: TxWithId;
  readonly txid: string;
  readonly wtxid: string;
  readonly fee: bigint;
  readonly size: number;
  /** Base units per byte, rounded down. */
  readonly feeRate: bigint;
  /** Clock time (ms) when it entered the pool. */
  readonly time: number;
  /** Chain height when it entered the pool. */
  readonly height: number;
  /** In-pool ancestors, itself included. */
  readonly ancestorCount: number;
  readonly ancestorSize: number;
  readonly ancestorFees: bigint;
  /** In-pool descendants, itself included. */
  readonly descendantCount: number;
  readonly descendantSize: number;
  readonly descendantFees: bigint;
  /** Txids (hex) of its in-pool parents. */
  readonly depends: readonly string[];
  /** Txids (hex) of in-pool transactions spending its outputs. */
  readonly spentBy: readonly string[];
}

/** Bitcoin Core's getmempoolinfo, with amounts as bigint base units per byte. */
export interface MempoolInfo {
  readonly size: number;
  /** Sum of serialized sizes. */
  readonly bytes: number;
  /** What the size budget counts: serialized bytes of pooled transactions (not heap memory). */
  readonly usage: number;
  readonly maxmempool: number;
  /** Lowest fee rate a new transaction currently needs (rises above minrelaytxfee after evictions). */
  readonly mempoolminfee: bigint;
  readonly minrelaytxfee: bigint;
  /** Transactions waiting for missing parents. */
  readonly orphans: number;
}

/** Transactions for a block, parents before children, with their total fees. */
export interface BlockSelection {
  readonly txs: readonly TxWithId[];
  readonly fees: bigint;
  /** Sum of the selected transactions' sizes. */
  readonly size: number;
}

export type RemovalReason = 'block' | 'conflict' | 'evicted' | 'reorg';

export interface MempoolTxEvent extends AcceptResult {
  readonly tx: TxWithId;
}

export interface MempoolRemovedEvent {
  readonly txid: string;
  readonly reason: RemovalReason;
}

/** Typed events: 'tx' when a transaction enters the pool, 'removed' when one leaves it. */
export interface MempoolEvents {
  tx: [MempoolTxEvent];
  removed: [MempoolRemovedEvent];
}
