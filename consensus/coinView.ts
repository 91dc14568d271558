/**
 * UTXO set interface, an in-memory implementation, and per-block undo data.
 *
 * Validation works on a `CoinView`: an overlay over a synchronous `CoinSource`. The LevelDB-backed
 * node prefetches the coins a block spends into a view (async I/O stays outside consensus), runs
 * the pure checks against it, then writes the view's changes and the undo data in one batch.
 */
import { DecodeError, QenexError } from './errors.js';
import type { BlockWithIds } from './primitives/block.js';
import { decodeExact, Writer } from './primitives/encoding.js';
import { type Hash, hashKey } from './primitives/hash.js';
import type { OutPoint, TxOutput } from './primitives/tx.js';
import { PKH_SIZE } from './primitives/tx.js';

export interface Coin {
  readonly value: bigint;
  readonly pubKeyHash: Uint8Array;
  /** Height of the block that created it. */
  readonly height: number;
  readonly coinbase: boolean;
}

export interface CoinSource {
  getCoin(op: OutPoint): Coin | undefined;
  /**
   * getCoin(op) for a caller that already holds op's outpointMapKey (validation computes it once
   * per input, where each lookup would otherwise build the key again).
   */
  getCoinByKey?(key: string, op: OutPoint): Coin | undefined;
}

/** Undo data: the coins a block spent, in spend order (tx order, then input order). */
export interface UndoData {
  readonly spent: readonly Coin[];
}

const hexTable: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function outpointKey(txid: Hash, index: number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += hexTable[txid[i]!];
  return `${s}:${index}`;
}

/**
 * A compact map key of an outpoint (not for display: use outpointKey): the txid's hashKey, then
 * the index's low and high 16 bits. The node's hot maps (coin views, a block's prefetched coins)
 * key by it: the hex key costs 33 string concatenations per lookup, which dominated a full
 * block's connect.
 */
export function outpointMapKey(txid: Hash, index: number): string {
  return hashKey(txid) + String.fromCharCode(index & 0xffff, index >>> 16);
}

export function coinFromOutput(o: TxOutput, height: number, coinbase: boolean): Coin {
  return { value: o.value, pubKeyHash: o.pubKeyHash, height, coinbase };
}

/** Overlay of additions and spends over a source. `null` marks a spent coin. */
export class CoinView implements CoinSource {
  private readonly changes = new Map<string, { op: OutPoint; coin: Coin | null }>();

  constructor(private readonly source: CoinSource = EMPTY_SOURCE) {}

  getCoin(op: OutPoint): Coin | undefined {
    return this.getCoinByKey(outpointMapKey(op.txid, op.index), op);
  }

  getCoinByKey(key: string, op: OutPoint): Coin | undefined {
    const c = this.changes.get(key);
    if (c) return c.coin ?? undefined;
    const source = this.source;
    return source.getCoinByKey ? source.getCoinByKey(key, op) : source.getCoin(op);
  }

  addCoin(op: OutPoint, coin: Coin): void {
    this.changes.set(outpointMapKey(op.txid, op.index), { op, coin });
  }

  /**
   * Marks `op` (whose outpointMapKey is `key`) spent without looking it up (the caller has just
   * read it from this view).
   */
  markSpentByKey(key: string, op: OutPoint): void {
    this.changes.set(key, { op, coin: null });
  }

  /** Returns the spent coin, or undefined if it does not exist (or is already spent). */
  spendCoin(op: OutPoint): Coin | undefined {
    const key = outpointMapKey(op.txid, op.index);
    const c = this.changes.get(key);
    const coin = c ? (c.coin ?? undefined) : this.source.getCoin(op);
    if (!coin) return undefined;
    this.changes.set(key, { op, coin: null });
    return coin;
  }

  /** Every change: coin = null means delete. */
  entries(): IterableIterator<{ op: OutPoint; coin: Coin | null }> {
    return this.changes.values();
  }
}

const EMPTY_SOURCE: CoinSource = { getCoin: () => undefined };

/** UTXO set with block-level apply/undo (the interface the node's LevelDB set also implements). */
export interface UtxoSet extends CoinSource {
  /** Applies an already-validated block; returns its undo data. */
  apply(block: BlockWithIds, height: number): UndoData;
  /** Reverts `block` (which must be the last applied) using its undo data. */
  undo(block: BlockWithIds, undo: UndoData): void;
  readonly size: number;
}

/** Spends inputs and adds outputs of `block` on `view`; returns the undo data. */
export function applyBlockToView(view: CoinView, block: BlockWithIds, height: number): UndoData {
  const spent: Coin[] = [];
  for (const t of block.txs) {
    const coinbase = t.tx.inputs.length === 0;
    for (const input of t.tx.inputs) {
      const c = view.spendCoin(input.prevout);
      if (!c) throw new UtxoInvariantError('apply: spending a missing coin (block not validated?)');
      spent.push(c);
    }
    t.tx.outputs.forEach((o, index) => {
      view.addCoin({ txid: t.txid, index }, coinFromOutput(o, height, coinbase));
    });
  }
  return { spent };
}

/** Reverse of applyBlockToView: removes the block's outputs and restores what it spent. */
export function undoBlockOnView(view: CoinView, block: BlockWithIds, undo: UndoData): void {
  let k = undo.spent.length;
  for (let ti = block.txs.length - 1; ti >= 0; ti--) {
    const t = block.txs[ti]!;
    for (let index = 0; index < t.tx.outputs.length; index++) view.spendCoin({ txid: t.txid, index });
    for (let ii = t.tx.inputs.length - 1; ii >= 0; ii--) {
      const coin = undo.spent[--k];
      if (!coin) throw new UtxoInvariantError('undo: undo data shorter than the block inputs');
      view.addCoin(t.tx.inputs[ii]!.prevout, coin);
    }
  }
  if (k !== 0) throw new UtxoInvariantError('undo: undo data longer than the block inputs');
}

export class UtxoInvariantError extends QenexError<{ code: 'UTXO_INVARIANT' }> {
  constructor(message: string) {
    super({ code: 'UTXO_INVARIANT' }, message);
  }
}

/** In-memory UTXO set. */
export class MemoryUtxoSet implements UtxoSet {
  private readonly coins = new Map<string, { op: OutPoint; coin: Coin }>();

  getCoin(op: OutPoint): Coin | undefined {
    return this.coins.get(outpointMapKey(op.txid, op.index))?.coin;
  }

  getCoinByKey(key: string): Coin | undefined {
    return this.coins.get(key)?.coin;
  }

  get size(): number {
    return this.coins.size;
  }

  private commit(view: CoinView): void {
    for (const { op, coin } of view.entries()) {
      const key = outpointMapKey(op.txid, op.index);
      if (coin) this.coins.set(key, { op, coin });
      else this.coins.delete(key);
    }
  }

  apply(block: BlockWithIds, height: number): UndoData {
    const view = new CoinView(this);
    const undo = applyBlockToView(view, block, height);
    this.commit(view);
    return undo;
  }

  undo(block: BlockWithIds, undo: UndoData): void {
    const view = new CoinView(this);
    undoBlockOnView(view, block, undo);
    this.commit(view);
  }

  /** Deterministic snapshot (sorted by key) for comparisons in tests and `chain verify`. */
  snapshot(): Array<[string, Coin]> {
    return [...this.coins.values()]
      .map(({ op, coin }): [string, Coin] => [outpointKey(op.txid, op.index), coin])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

// ---- codecs (coins and undo data are stored by the node) ----

export function writeCoin(w: Writer, c: Coin): void {
  w.u64(c.value)
    .bytes(c.pubKeyHash)
    .u32(c.height)
    .u8(c.coinbase ? 1 : 0);
}

export function encodeCoin(c: Coin): Uint8Array {
  const w = new Writer(33);
  writeCoin(w, c);
  return w.finish();
}

export function decodeCoin(bytes: Uint8Array): Coin {
  return decodeExact(bytes, (r) => {
    const value = r.u64();
    const pubKeyHash = r.bytes(PKH_SIZE);
    const height = r.u32();
    const flag = r.u8();
    if (flag > 1) throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'coin coinbase flag' });
    return { value, pubKeyHash, height, coinbase: flag === 1 };
  });
}

const MAX_UNDO_COINS = 1_000_000;

export function encodeUndo(u: UndoData): Uint8Array {
  const w = new Writer(5 + u.spent.length * 33);
  w.varint(u.spent.length);
  for (const c of u.spent) writeCoin(w, c);
  return w.finish();
}

export function decodeUndo(bytes: Uint8Array): UndoData {
  return decodeExact(bytes, (r) => {
    const n = r.varint('undo coins', MAX_UNDO_COINS);
    const spent: Coin[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const value = r.u64();
      const pubKeyHash = r.bytes(PKH_SIZE);
      const height = r.u32();
      const flag = r.u8();
      if (flag > 1) throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'coin coinbase flag' });
      spent[i] = { value, pubKeyHash, height, coinbase: flag === 1 };
    }
    return { spent };
  });
}
