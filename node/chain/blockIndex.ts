/**
 * In-memory header index: every stored entry by hash, the tree of children, the best chain as an
 * array by height, and the fork-choice candidates (leaves of the tree of entries not marked
 * invalid). Mirrors the 'h' and 'H' records; the Chain updates it only after a batch is written.
 */
import { bestTip, equalBytes, type Hash, toHex } from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';
import { ChainError } from './errors.js';

function corrupt(detail: string): ChainError {
  return new ChainError({ code: 'CHAIN_CORRUPT', detail });
}

export class BlockIndex {
  private readonly byHash = new Map<string, ChainEntry>();
  private readonly children = new Map<string, Set<string>>();
  private readonly leaves = new Set<string>();
  private main: ChainEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.byHash.size;
  }

  get tip(): ChainEntry {
    const t = this.main[this.main.length - 1];
    if (!t) throw corrupt('empty best chain');
    return t;
  }

  get(hash: Hash | string): ChainEntry | undefined {
    return this.byHash.get(typeof hash === 'string' ? hash : toHex(hash));
  }

  atHeight(height: number): ChainEntry | undefined {
    return this.main[height];
  }

  isMain(e: ChainEntry): boolean {
    const m = this.main[e.height];
    return m !== undefined && equalBytes(m.hash, e.hash);
  }

  /** Next arrival sequence number (kept with each entry; fork choice does not use it). */
  takeSeq(): number {
    return this.seq++;
  }

  /** Loads stored entries (any order) and the best chain ending at `tipHash`. */
  load(entries: readonly ChainEntry[], tipHash: Hash): void {
    for (const e of entries) this.byHash.set(toHex(e.hash), e);
    for (const e of entries) {
      if (e.height > 0) this.link(e);
      if (e.seq >= this.seq) this.seq = e.seq + 1;
    }
    for (const e of entries)
      if (e.status !== 'invalid' && !this.hasLiveChild(toHex(e.hash))) this.leaves.add(toHex(e.hash));
    const main: ChainEntry[] = [];
    let e = this.get(tipHash);
    if (!e) throw corrupt('best tip has no index entry');
    for (;;) {
      if (e.status !== 'valid-connected')
        throw corrupt(`best-chain block ${toHex(e.hash)} has status ${e.status}`);
      main.push(e);
      if (e.height === 0) break;
      const parent: ChainEntry | undefined = this.get(e.prevHash);
      if (!parent || parent.height !== e.height - 1) throw corrupt(`broken best chain at height ${e.height}`);
      e = parent;
    }
    this.main = main.reverse();
  }

  /** Adds a new entry (its parent, unless genesis, must be indexed). */
  add(e: ChainEntry): void {
    const hex = toHex(e.hash);
    if (this.byHash.has(hex)) throw corrupt(`entry ${hex} added twice`);
    this.byHash.set(hex, e);
    if (e.seq >= this.seq) this.seq = e.seq + 1;
    if (e.height === 0) {
      if (e.status !== 'invalid') this.leaves.add(hex);
      this.main = [e];
      return;
    }
    this.link(e);
    if (e.status !== 'invalid') {
      this.leaves.add(hex);
      this.leaves.delete(toHex(e.prevHash));
    }
  }

  /** Replaces an entry after a status change (same hash). */
  update(e: ChainEntry): void {
    const hex = toHex(e.hash);
    const old = this.byHash.get(hex);
    if (!old) throw corrupt(`update of unknown entry ${hex}`);
    this.byHash.set(hex, e);
    if (this.isMain(e)) this.main[e.height] = e;
    if (e.status === 'invalid' && old.status !== 'invalid') {
      this.leaves.delete(hex);
      const parent = this.get(e.prevHash);
      const phex = toHex(e.prevHash);
      if (parent && parent.status !== 'invalid' && !this.hasLiveChild(phex)) this.leaves.add(phex);
    }
  }

  /** Extends the best chain by `e` (a child of the tip). */
  pushMain(e: ChainEntry): void {
    if (!equalBytes(e.prevHash, this.tip.hash)) throw corrupt('connected block does not extend the tip');
    this.main.push(e);
  }

  popMain(): void {
    if (this.main.length <= 1) throw corrupt('cannot disconnect genesis');
    this.main.pop();
  }

  /** Best-chain entries from `fromHeight` to the tip, ascending. */
  mainFrom(fromHeight: number): ChainEntry[] {
    return this.main.slice(fromHeight);
  }

  parentOf(e: ChainEntry): ChainEntry {
    const p = this.get(e.prevHash);
    if (!p) throw corrupt(`parent of ${toHex(e.hash)} not indexed`);
    return p;
  }

  /** The ancestor of `e` at `height` (≤ e.height). */
  ancestor(e: ChainEntry, height: number): ChainEntry {
    if (height > e.height || height < 0)
      throw corrupt(`no ancestor at height ${height} of height ${e.height}`);
    let cur = e;
    while (cur.height > height) {
      if (this.isMain(cur)) return this.main[height]!;
      cur = this.parentOf(cur);
    }
    return cur;
  }

  /** Header times of the `n` blocks ending at `e`, oldest first. */
  times(e: ChainEntry, n: number): number[] {
    const out: number[] = [];
    let cur: ChainEntry | undefined = e;
    while (cur && out.length < n) {
      if (this.isMain(cur)) {
        // on the best chain the ancestors are indexed by height: no hash lookups
        for (let h = cur.height; h >= 0 && out.length < n; h--) out.push(this.main[h]!.time);
        break;
      }
      out.push(cur.time);
      cur = cur.height === 0 ? undefined : this.parentOf(cur);
    }
    return out.reverse();
  }

  /** The last best-chain block that is an ancestor of (or is) `e`. */
  forkPoint(e: ChainEntry): ChainEntry {
    let cur = e;
    while (!this.isMain(cur)) cur = this.parentOf(cur);
    return cur;
  }

  /** Entries from just above `ancestor` up to `e`, ascending. */
  pathFrom(ancestor: ChainEntry, e: ChainEntry): ChainEntry[] {
    const out: ChainEntry[] = [];
    let cur = e;
    while (cur.height > ancestor.height) {
      out.push(cur);
      cur = this.parentOf(cur);
    }
    if (!equalBytes(cur.hash, ancestor.hash)) throw corrupt('pathFrom: not an ancestor');
    return out.reverse();
  }

  /** Every descendant of `e` (breadth first, `e` excluded). */
  descendants(e: ChainEntry): ChainEntry[] {
    const out: ChainEntry[] = [];
    const queue = [toHex(e.hash)];
    for (let i = 0; i < queue.length; i++) {
      for (const c of this.children.get(queue[i]!) ?? []) {
        const child = this.byHash.get(c);
        if (child) {
          out.push(child);
          queue.push(c);
        }
      }
    }
    return out;
  }

  /**
   * The heaviest candidate tip; among candidates of equal weight, the one every node picks
   * (consensus tieWinner), so nodes that saw a tie in different orders still agree.
   */
  bestCandidate(): ChainEntry {
    if (this.leaves.size === 0) return this.tip;
    return bestTip([...this.leaves].map((hex) => this.byHash.get(hex)!));
  }

  /** Every entry no other entry builds on, invalid ones included (Bitcoin Core's chain tips). */
  tips(): ChainEntry[] {
    const out: ChainEntry[] = [];
    for (const [hex, e] of this.byHash) if ((this.children.get(hex)?.size ?? 0) === 0) out.push(e);
    return out;
  }

  values(): IterableIterator<ChainEntry> {
    return this.byHash.values();
  }

  private link(e: ChainEntry): void {
    const phex = toHex(e.prevHash);
    let set = this.children.get(phex);
    if (!set) {
      set = new Set();
      this.children.set(phex, set);
    }
    set.add(toHex(e.hash));
  }

  private hasLiveChild(hex: string): boolean {
    for (const c of this.children.get(hex) ?? []) {
      if (this.byHash.get(c)?.status !== 'invalid') return true;
    }
    return false;
  }
}
