/**
 * Reading the coins a block spends, for ChainCore: which outpoints to read, the read itself (the
 * deferred batch's unwritten coin changes first, then one LevelDB getMany), and the read started
 * early for a block that extends the tip, so that the database works while the main thread hashes
 * and checks the block.
 */
import {
  type Block,
  type BlockWithIds,
  type Coin,
  type CoinSource,
  checkHeaderContext,
  checkHeaderSanity,
  equalBytes,
  type Hash,
  hashKey,
  headerHash,
  type NetworkParams,
  type OutPoint,
  outpointMapKey,
  VerdictError,
} from '../../consensus/index.js';
import type { ChainDb } from '../db/index.js';
import type { BlockIndex } from './blockIndex.js';
import { headerContext } from './headerContext.js';

/** Coin changes not on disk yet (ChainCore's deferred batch), by outpointMapKey; null: spent. */
export type UnwrittenCoins = ReadonlyMap<string, { readonly op: OutPoint; readonly coin: Coin | null }>;

/** The outpoints `b` spends that an earlier transaction of `b` does not create (those come from the view). */
export function spentOutpoints(b: BlockWithIds): OutPoint[] {
  const inBlock = new Set<string>();
  const ops: OutPoint[] = [];
  for (const t of b.txs) {
    for (const input of t.tx.inputs) if (!inBlock.has(hashKey(input.prevout.txid))) ops.push(input.prevout);
    inBlock.add(hashKey(t.txid));
  }
  return ops;
}

/**
 * The coins `ops` name as of the tip: `unwritten`'s changes (looked up now, synchronously), else
 * the database.
 */
export async function readCoins(
  db: ChainDb,
  unwritten: UnwrittenCoins | undefined,
  ops: readonly OutPoint[],
): Promise<CoinSource> {
  const map = new Map<string, Coin>();
  const read: OutPoint[] = [];
  for (const op of ops) {
    const d = unwritten?.get(outpointMapKey(op.txid, op.index));
    if (d === undefined) read.push(op);
    else if (d.coin) map.set(outpointMapKey(op.txid, op.index), d.coin);
  }
  const coins = await db.getCoins(read);
  read.forEach((op, i) => {
    const c = coins[i];
    if (c) map.set(outpointMapKey(op.txid, op.index), c);
  });
  return { getCoin: (op) => map.get(outpointMapKey(op.txid, op.index)), getCoinByKey: (key) => map.get(key) };
}

/**
 * The block hash and the outpoints to read ahead of `block`'s processing, when it is a new child of
 * the tip whose header passes its checks (proof of work at the expected bits, time: a read costs
 * its sender a block's work); else null. All its inputs, including those an earlier transaction of
 * the block creates (not known before its txids are): the view never asks for those.
 */
export function earlyCoinReadOf(
  block: Block,
  index: BlockIndex,
  now: number,
  params: NetworkParams,
): { readonly hash: Hash; readonly ops: OutPoint[] } | null {
  const tip = index.tip;
  if (!equalBytes(block.header.prevHash, tip.hash)) return null;
  const hash = headerHash(block.header);
  if (index.get(hash)) return null;
  try {
    checkHeaderSanity(block.header, hash, params);
    checkHeaderContext(block.header, headerContext(index, tip, now, params), params);
  } catch (e) {
    if (e instanceof VerdictError) return null; // judged (and reported) by the block's processing
    throw e;
  }
  const ops: OutPoint[] = [];
  for (const tx of block.txs) for (const input of tx.inputs) ops.push(input.prevout);
  return { hash, ops };
}

/**
 * One coin read started ahead of its block's connect. It holds the coins of the UTXO set at the
 * tip it started on, so it is used only when the block connects onto that very tip with no
 * database write since it started (a write could have landed in the middle of the read, or moved
 * unwritten coin changes to disk); otherwise it is dropped and the connect reads again. No write
 * is in flight when a read starts: the chain writes under its lock and awaits every write.
 */
export class EarlyCoinRead {
  private pending: {
    readonly block: string;
    readonly tip: Hash;
    readonly writes: number;
    readonly coins: Promise<CoinSource>;
  } | null = null;

  /** Holds the read `coins` started for block `hash` on `tip` after `writes` writes (replacing any not taken). */
  start(hash: Hash, tip: Hash, writes: number, coins: Promise<CoinSource>): void {
    coins.catch(() => {}); // a failed read nobody takes is dropped; one taken rethrows there
    this.pending = { block: hashKey(hash), tip, writes, coins };
  }

  /** The read started for block `hash`, when still valid at `tip` after `writes` writes; else undefined. */
  take(hash: Hash, tip: Hash, writes: number): Promise<CoinSource> | undefined {
    const p = this.pending;
    this.pending = null;
    if (!p || p.block !== hashKey(hash) || p.writes !== writes || !equalBytes(p.tip, tip)) return undefined;
    return p.coins;
  }

  clear(): void {
    this.pending = null;
  }
}
