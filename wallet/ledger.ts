/**
 * The wallet's view of the chain: the transactions that pay it or spend its coins, confirmed or
 * not, and the outputs it owns. It is a passive indexer: the node feeds it blocks in chain order
 * (`applyBlock`), takes them back on a reorganization (`undoBlock`, tip first) and reports its
 * mempool (`addPending`, `removePending`). Everything else — coins, spent flags, balances,
 * history — is derived from the recorded transactions, so a state reloaded from its transactions,
 * or rebuilt by rescanning the blocks, is the same state.
 *
 * Rules:
 *  - A block's transaction replaces any unconfirmed wallet transaction spending one of the same
 *    outpoints (the unconfirmed one and its unconfirmed descendants are dropped as conflicted).
 *  - Undoing a block makes its wallet transactions unconfirmed again (the node's mempool takes them
 *    back, and `removePending` is called for any it refuses); its coinbase, which can never be
 *    unconfirmed, is dropped with its descendants.
 *  - Confirmations = tip − height + 1. A coinbase created at height h may be spent in a block at
 *    height h + coinbaseMaturity or later, i.e. once tip >= h + coinbaseMaturity − 1.
 */
import {
  type BlockWithIds,
  isCoinbase,
  type NetworkParams,
  type OutPoint,
  outpointKey,
  type TxWithId,
  toHex,
} from '../consensus/index.js';
import type { AddressBook } from './addressBook.js';
import { WalletError } from './errors.js';
import type { KeyChain } from './hd/index.js';
import type { ChainTip } from './types.js';

export interface TxRecord {
  readonly tx: TxWithId;
  readonly id: string;
  readonly coinbase: boolean;
  height: number | null;
  blockHash: string | null;
  blockIndex: number | null;
  /** Arrival order among unconfirmed transactions. */
  seq: number;
}

export interface OwnedOutput {
  readonly key: string;
  readonly op: OutPoint;
  readonly value: bigint;
  readonly pubKeyHash: Uint8Array;
  readonly chain: KeyChain;
  readonly keyIndex: number;
  readonly record: TxRecord;
}

export class Ledger {
  private readonly records = new Map<string, TxRecord>();
  private readonly owned = new Map<string, OwnedOutput>();
  /** Outpoint key → id of the recorded transaction spending it (every input of every record). */
  private readonly spentBy = new Map<string, string>();
  private seq = 0;

  constructor(
    private readonly book: AddressBook,
    private readonly params: NetworkParams,
    private tipValue: ChainTip | null,
  ) {}

  get tip(): ChainTip | null {
    return this.tipValue;
  }

  /** Height of the last processed block, −1 before any. */
  get tipHeight(): number {
    return this.tipValue?.height ?? -1;
  }

  get size(): number {
    return this.records.size;
  }

  isRelevant(t: TxWithId): boolean {
    for (const o of t.tx.outputs) if (this.book.lookup(o.pubKeyHash)) return true;
    for (const i of t.tx.inputs)
      if (this.owned.has(outpointKey(i.prevout.txid, i.prevout.index))) return true;
    return false;
  }

  /** Records `rec` and indexes its inputs and our outputs (re-scanning while the address window grows). */
  insert(rec: TxRecord): void {
    this.records.set(rec.id, rec);
    if (rec.height === null) this.seq = Math.max(this.seq, rec.seq);
    for (const i of rec.tx.tx.inputs) this.spentBy.set(outpointKey(i.prevout.txid, i.prevout.index), rec.id);
    let grew = true;
    while (grew) {
      grew = false;
      rec.tx.tx.outputs.forEach((o, index) => {
        const key = outpointKey(rec.tx.txid, index);
        if (this.owned.has(key)) return;
        const k = this.book.lookup(o.pubKeyHash);
        if (!k) return;
        this.owned.set(key, {
          key,
          op: { txid: rec.tx.txid, index },
          value: o.value,
          pubKeyHash: o.pubKeyHash,
          chain: k.chain,
          keyIndex: k.index,
          record: rec,
        });
        if (this.book.markUsed(k.chain, k.index)) grew = true;
      });
    }
  }

  /** Drops a record and, first, every recorded transaction spending its outputs. Returns the ids dropped. */
  private remove(id: string): string[] {
    const rec = this.records.get(id);
    if (!rec) return [];
    const removed: string[] = [];
    for (let index = 0; index < rec.tx.tx.outputs.length; index++) {
      const child = this.spentBy.get(outpointKey(rec.tx.txid, index));
      if (child !== undefined && child !== id) removed.push(...this.remove(child));
    }
    for (const i of rec.tx.tx.inputs) {
      const k = outpointKey(i.prevout.txid, i.prevout.index);
      if (this.spentBy.get(k) === id) this.spentBy.delete(k);
    }
    for (let index = 0; index < rec.tx.tx.outputs.length; index++)
      this.owned.delete(outpointKey(rec.tx.txid, index));
    this.records.delete(id);
    removed.push(id);
    return removed;
  }

  /** Drops unconfirmed records spending any input of `t` other than `t` itself. */
  private dropConflicts(t: TxWithId, id: string): string[] {
    const dropped: string[] = [];
    for (const i of t.tx.inputs) {
      const other = this.spentBy.get(outpointKey(i.prevout.txid, i.prevout.index));
      if (other !== undefined && other !== id && this.records.get(other)?.height === null) {
        dropped.push(...this.remove(other));
      }
    }
    return dropped;
  }

  /** Processes the block at `height`, which must extend the last processed block. */
  applyBlock(block: BlockWithIds, height: number): { relevant: string[]; conflicted: string[] } {
    const tip = this.tipValue;
    const prev = toHex(block.block.header.prevHash);
    if (tip ? height !== tip.height + 1 || prev !== tip.hash : height !== 0) {
      throw new WalletError({
        code: 'BLOCK_NOT_CONNECTING',
        reason: tip
          ? `block ${height} (parent ${prev}) after tip ${tip.height} (${tip.hash})`
          : `first block must be height 0, got ${height}`,
      });
    }
    const hash = toHex(block.hash);
    const relevant: string[] = [];
    const conflicted: string[] = [];
    block.txs.forEach((t, pos) => {
      const id = toHex(t.txid);
      conflicted.push(...this.dropConflicts(t, id));
      let rec = this.records.get(id);
      if (rec) {
        rec.height = height;
        rec.blockHash = hash;
        rec.blockIndex = pos;
      } else if (this.isRelevant(t)) {
        rec = { tx: t, id, coinbase: isCoinbase(t.tx), height, blockHash: hash, blockIndex: pos, seq: 0 };
        this.insert(rec);
      }
      if (rec) relevant.push(id);
    });
    this.tipValue = { height, hash };
    return { relevant, conflicted };
  }

  /** Takes back the block at `height`, which must be the last processed block. */
  undoBlock(block: BlockWithIds, height: number): { unconfirmed: string[]; removed: string[] } {
    const tip = this.tipValue;
    const hash = toHex(block.hash);
    if (!tip || tip.height !== height || tip.hash !== hash) {
      throw new WalletError({
        code: 'BLOCK_NOT_CONNECTING',
        reason: `undo of block ${height} (${hash}) but the tip is ${tip ? `${tip.height} (${tip.hash})` : 'empty'}`,
      });
    }
    const unconfirmed: string[] = [];
    const removed: string[] = [];
    for (const t of block.txs) {
      const id = toHex(t.txid);
      const rec = this.records.get(id);
      if (!rec) continue;
      if (rec.coinbase) {
        removed.push(...this.remove(id));
      } else {
        rec.height = null;
        rec.blockHash = null;
        rec.blockIndex = null;
        rec.seq = ++this.seq;
        unconfirmed.push(id);
      }
    }
    this.tipValue = height === 0 ? null : { height: height - 1, hash: toHex(block.block.header.prevHash) };
    return { unconfirmed, removed };
  }

  /**
   * Records an unconfirmed transaction when it concerns the wallet. Returns false when it does not
   * (or conflicts with a confirmed one); an unconfirmed wallet transaction it conflicts with is
   * dropped (the mempool accepted this one instead).
   */
  addPending(t: TxWithId): boolean {
    const id = toHex(t.txid);
    if (this.records.has(id)) return true;
    if (isCoinbase(t.tx) || !this.isRelevant(t)) return false;
    for (const i of t.tx.inputs) {
      const other = this.spentBy.get(outpointKey(i.prevout.txid, i.prevout.index));
      if (other !== undefined && this.records.get(other)?.height !== null) return false;
    }
    this.dropConflicts(t, id);
    this.insert({
      tx: t,
      id,
      coinbase: false,
      height: null,
      blockHash: null,
      blockIndex: null,
      seq: ++this.seq,
    });
    return true;
  }

  /** Drops an unconfirmed transaction and its unconfirmed descendants. Returns the ids dropped. */
  removePending(id: string): string[] {
    if (this.records.get(id)?.height !== null) return [];
    return this.remove(id);
  }

  /** Forgets every transaction and restarts from `tip` (a rescan). Address indices are kept. */
  reset(tip: ChainTip | null): void {
    this.records.clear();
    this.owned.clear();
    this.spentBy.clear();
    this.seq = 0;
    this.tipValue = tip;
  }

  /** Used when loading a saved state. */
  setTip(tip: ChainTip | null): void {
    this.tipValue = tip;
  }

  record(id: string): TxRecord | undefined {
    return this.records.get(id);
  }

  /** Confirmed records by (height, position), then unconfirmed ones by arrival. */
  orderedRecords(): TxRecord[] {
    return [...this.records.values()].sort((a, b) => {
      if (a.height !== null && b.height !== null) return a.height - b.height || a.blockIndex! - b.blockIndex!;
      if (a.height !== null) return -1;
      if (b.height !== null) return 1;
      return a.seq - b.seq;
    });
  }

  confirmations(rec: TxRecord): number {
    return rec.height === null ? 0 : this.tipHeight - rec.height + 1;
  }

  /** Spendable in the next block as far as coinbase maturity goes. */
  isMature(o: OwnedOutput): boolean {
    if (!o.record.coinbase) return true;
    return o.record.height !== null && this.tipHeight + 1 - o.record.height >= this.params.coinbaseMaturity;
  }

  ownedOutput(op: OutPoint): OwnedOutput | undefined {
    return this.owned.get(outpointKey(op.txid, op.index));
  }

  isSpent(key: string): boolean {
    return this.spentBy.has(key);
  }

  /** Every owned output no recorded transaction spends. */
  unspent(): OwnedOutput[] {
    const out: OwnedOutput[] = [];
    for (const o of this.owned.values()) if (!this.spentBy.has(o.key)) out.push(o);
    return out;
  }
}
