/**
 * The acceptance checks that need the pool's graph and the chain but not the pool's mutable
 * bookkeeping: context-free rules and duplicates, input lookup (pool first, then the chain's UTXO
 * set), and the unconfirmed-chain limits.
 */
import {
  type Coin,
  checkTx,
  type NetworkParams,
  outpointKey,
  type TxWithId,
  toHex,
  VerdictError,
} from '../../consensus/index.js';
import { MempoolError, policyError } from './errors.js';
import type { PoolEntry, TxGraph } from './graph.js';
import type { ResolvedMempoolOptions } from './options.js';
import type { MempoolChain } from './types.js';

/** Runs a consensus check, turning its VerdictError into a MempoolError with the same reason. */
export function consensus<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof VerdictError) {
      throw new MempoolError(
        { code: 'MEMPOOL_TX_INVALID', reason: err.reason, level: err.level },
        err.message,
      );
    }
    throw err;
  }
}

/** Not a coinbase, context-free consensus rules, not pooled yet, no input already spent in the pool. */
export function checkStandalone(t: TxWithId, graph: TxGraph, params: NetworkParams): void {
  const { tx } = t;
  if (tx.inputs.length === 0) throw policyError('coinbase');
  consensus(() => checkTx(tx, params, t.size));
  const existing = graph.get(toHex(t.txid));
  if (existing) {
    throw policyError(
      existing.wid === toHex(t.wtxid) ? 'txn-already-in-mempool' : 'txn-same-nonwitness-data-in-mempool',
    );
  }
  for (const i of tx.inputs) {
    const s = graph.spender(i.prevout);
    if (s) {
      throw policyError(
        'txn-mempool-conflict',
        `input ${toHex(i.prevout.txid)}:${i.prevout.index} spent by ${s.id}`,
      );
    }
  }
}

export interface InputLookup {
  /** Spent coins by outpointKey. Outputs of pooled parents appear as non-coinbase coins at `height`. */
  readonly coins: Map<string, Coin>;
  /** Txids (hex) of parents whose outputs were found nowhere. */
  readonly missing: string[];
  /** Highest height of a chain coinbase coin spent, -1 if none. */
  readonly coinbaseHeight: number;
}

export async function lookupInputs(
  t: TxWithId,
  graph: TxGraph,
  chain: MempoolChain,
  height: number,
): Promise<InputLookup> {
  const coins = new Map<string, Coin>();
  const missing = new Set<string>();
  let coinbaseHeight = -1;
  for (const i of t.tx.inputs) {
    const key = outpointKey(i.prevout.txid, i.prevout.index);
    const parentId = toHex(i.prevout.txid);
    const parent = graph.get(parentId);
    if (parent) {
      const out = parent.t.tx.outputs[i.prevout.index];
      if (out) coins.set(key, { value: out.value, pubKeyHash: out.pubKeyHash, height, coinbase: false });
      else missing.add(parentId);
      continue;
    }
    const coin = await chain.getCoin(i.prevout);
    if (!coin) {
      missing.add(parentId);
      continue;
    }
    coins.set(key, coin);
    if (coin.coinbase && coin.height > coinbaseHeight) coinbaseHeight = coin.height;
  }
  return { coins, missing: [...missing], coinbaseHeight };
}

/** As Bitcoin Core: inputs are missing because the transaction itself is confirmed (an output is unspent). */
export async function isConfirmed(t: TxWithId, chain: MempoolChain): Promise<boolean> {
  for (let index = 0; index < t.tx.outputs.length; index++) {
    if ((await chain.getCoin({ txid: t.txid, index })) !== undefined) return true;
  }
  return false;
}

/** Ancestor and descendant limits; returns the in-pool ancestors. */
export function checkChainLimits(t: TxWithId, graph: TxGraph, opts: ResolvedMempoolOptions): Set<PoolEntry> {
  const ancestors = graph.closureUp(graph.parentsOf(t));
  if (ancestors.size + 1 > opts.maxAncestors) {
    throw policyError('too-long-mempool-chain', `${ancestors.size + 1} ancestors > ${opts.maxAncestors}`);
  }
  for (const a of ancestors) {
    if (a.descCount + 1 > opts.maxDescendants) {
      throw policyError(
        'too-long-mempool-chain',
        `ancestor ${a.id} would have ${a.descCount + 1} descendants`,
      );
    }
  }
  return ancestors;
}
