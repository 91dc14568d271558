/**
 * The pool's transaction graph: entries keyed by txid, which outpoint each entry spends, parent /
 * child links between pooled transactions, ancestor and descendant aggregates (Bitcoin Core's
 * CTxMemPoolEntry *WithAncestors / *WithDescendants) and the eviction order.
 *
 * Eviction order is Bitcoin Core's descendant score: max(own fee rate, fee rate of the entry with
 * all its in-pool descendants), lowest first; among equals the newest goes first. A child paying
 * for its parent (CPFP) therefore protects the parent.
 */
import { type OutPoint, outpointKey, type TxWithId, toHex } from '../../consensus/index.js';
import { Heap } from './heap.js';

export interface PoolEntry {
  readonly t: TxWithId;
  readonly id: string;
  readonly wid: string;
  readonly fee: bigint;
  readonly size: number;
  /** Insertion order (ties in eviction: newest first). */
  readonly seq: number;
  readonly time: number;
  readonly height: number;
  /** Highest height of a chain coinbase coin it spends, -1 if none (rechecked after a reorg). */
  readonly coinbaseHeight: number;
  readonly parents: Set<PoolEntry>;
  readonly children: Set<PoolEntry>;
  ancCount: number;
  ancSize: number;
  ancFee: bigint;
  descCount: number;
  descSize: number;
  descFee: bigint;
  evictVer: number;
  removed: boolean;
}

export type NewEntry = Omit<
  PoolEntry,
  | 'parents'
  | 'children'
  | 'ancCount'
  | 'ancSize'
  | 'ancFee'
  | 'descCount'
  | 'descSize'
  | 'descFee'
  | 'evictVer'
  | 'removed'
>;

/** Compares fee rates exactly: negative if fa/sa < fb/sb, 0 if equal, positive if greater. */
export function cmpRate(fa: bigint, sa: number, fb: bigint, sb: number): number {
  const l = fa * BigInt(sb);
  const r = fb * BigInt(sa);
  return l < r ? -1 : l > r ? 1 : 0;
}

export interface Score {
  readonly fee: bigint;
  readonly size: number;
}

interface EvictNode extends Score {
  readonly e: PoolEntry;
  readonly ver: number;
}

function descendantScore(e: PoolEntry): Score {
  return cmpRate(e.fee, e.size, e.descFee, e.descSize) >= 0
    ? { fee: e.fee, size: e.size }
    : { fee: e.descFee, size: e.descSize };
}

export class TxGraph {
  private readonly byId = new Map<string, PoolEntry>();
  private readonly spentBy = new Map<string, PoolEntry>();
  private evictHeap = new Heap<EvictNode>((a, b) => {
    const c = cmpRate(a.fee, a.size, b.fee, b.size);
    return c !== 0 ? c < 0 : a.e.seq > b.e.seq;
  });
  bytes = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): PoolEntry | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<PoolEntry> {
    return this.byId.values();
  }

  /** The pooled transaction spending `op`, if any. */
  spender(op: OutPoint): PoolEntry | undefined {
    return this.spentBy.get(outpointKey(op.txid, op.index));
  }

  /** In-pool parents a transaction spending `inputs` would have. */
  parentsOf(t: TxWithId): Set<PoolEntry> {
    const out = new Set<PoolEntry>();
    for (const i of t.tx.inputs) {
      const p = this.byId.get(toHex(i.prevout.txid));
      if (p) out.add(p);
    }
    return out;
  }

  /** Every in-pool ancestor reachable from `parents` (they included). */
  closureUp(parents: Iterable<PoolEntry>): Set<PoolEntry> {
    const seen = new Set<PoolEntry>();
    const stack = [...parents];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      for (const p of e.parents) stack.push(p);
    }
    return seen;
  }

  /** In-pool ancestors of `e`, excluding itself. */
  ancestors(e: PoolEntry): Set<PoolEntry> {
    return this.closureUp(e.parents);
  }

  /** In-pool descendants of `e`, excluding itself. */
  descendants(e: PoolEntry): Set<PoolEntry> {
    const seen = new Set<PoolEntry>();
    const stack = [...e.children];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      for (const c of d.children) stack.push(c);
    }
    return seen;
  }

  /** `e` and all its in-pool descendants. */
  withDescendants(e: PoolEntry): Set<PoolEntry> {
    const s = this.descendants(e);
    s.add(e);
    return s;
  }

  add(n: NewEntry): PoolEntry {
    const e: PoolEntry = {
      ...n,
      parents: new Set(),
      children: new Set(),
      ancCount: 1,
      ancSize: n.size,
      ancFee: n.fee,
      descCount: 1,
      descSize: n.size,
      descFee: n.fee,
      evictVer: 0,
      removed: false,
    };
    const { tx, txid } = e.t;
    for (const p of this.parentsOf(e.t)) {
      e.parents.add(p);
      p.children.add(e);
    }
    for (const i of tx.inputs) this.spentBy.set(outpointKey(i.prevout.txid, i.prevout.index), e);
    // Transactions already pooled that spend this one's outputs (its block was just disconnected).
    for (let index = 0; index < tx.outputs.length; index++) {
      const c = this.spentBy.get(outpointKey(txid, index));
      if (c) {
        e.children.add(c);
        c.parents.add(e);
      }
    }
    this.byId.set(e.id, e);
    this.bytes += e.size;
    const ancestors = this.ancestors(e);
    this.setAncestorStats(e, ancestors);
    if (e.children.size === 0) {
      for (const a of ancestors) {
        a.descCount += 1;
        a.descSize += e.size;
        a.descFee += e.fee;
        this.pushEvict(a);
      }
    } else {
      const descendants = this.descendants(e);
      this.setDescendantStats(e, descendants);
      for (const a of ancestors) {
        this.setDescendantStats(a, this.descendants(a));
        this.pushEvict(a);
      }
      for (const d of descendants) this.setAncestorStats(d, this.ancestors(d));
    }
    this.pushEvict(e);
    return e;
  }

  /** Removes `set` from the pool, keeping every remaining entry's aggregates exact. */
  remove(set: ReadonlySet<PoolEntry>): void {
    const touched = new Set<PoolEntry>();
    for (const r of set) {
      for (const a of this.ancestors(r)) {
        if (set.has(a)) continue;
        a.descCount -= 1;
        a.descSize -= r.size;
        a.descFee -= r.fee;
        touched.add(a);
      }
      for (const d of this.descendants(r)) {
        if (set.has(d)) continue;
        d.ancCount -= 1;
        d.ancSize -= r.size;
        d.ancFee -= r.fee;
      }
    }
    for (const r of set) {
      for (const p of r.parents) p.children.delete(r);
      for (const c of r.children) c.parents.delete(r);
      r.parents.clear();
      r.children.clear();
      for (const i of r.t.tx.inputs) {
        const k = outpointKey(i.prevout.txid, i.prevout.index);
        if (this.spentBy.get(k) === r) this.spentBy.delete(k);
      }
      this.byId.delete(r.id);
      this.bytes -= r.size;
      r.removed = true;
    }
    for (const a of touched) if (!a.removed) this.pushEvict(a);
    if (this.evictHeap.length > 2 * this.byId.size + 1024) {
      this.evictHeap.filter((n) => !n.e.removed && n.ver === n.e.evictVer);
    }
  }

  /** The entry evicted next and its descendant score, without removing it. */
  lowest(): (Score & { e: PoolEntry }) | undefined {
    for (;;) {
      const top = this.evictHeap.peek();
      if (!top) return undefined;
      if (!top.e.removed && top.ver === top.e.evictVer) return top;
      this.evictHeap.pop();
    }
  }

  private setAncestorStats(e: PoolEntry, ancestors: ReadonlySet<PoolEntry>): void {
    e.ancCount = 1;
    e.ancSize = e.size;
    e.ancFee = e.fee;
    for (const a of ancestors) {
      e.ancCount += 1;
      e.ancSize += a.size;
      e.ancFee += a.fee;
    }
  }

  private setDescendantStats(e: PoolEntry, descendants: ReadonlySet<PoolEntry>): void {
    e.descCount = 1;
    e.descSize = e.size;
    e.descFee = e.fee;
    for (const d of descendants) {
      e.descCount += 1;
      e.descSize += d.size;
      e.descFee += d.fee;
    }
  }

  private pushEvict(e: PoolEntry): void {
    e.evictVer += 1;
    this.evictHeap.push({ e, ver: e.evictVer, ...descendantScore(e) });
  }
}
