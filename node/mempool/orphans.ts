/**
 * Orphan pool: transactions whose inputs are not known yet, kept (bounded) until a parent arrives.
 * Signatures cannot be checked without the spent outputs, so orphans are capped in number and
 * size; when full the oldest is dropped.
 */
import { outpointKey, type TxWithId, toHex } from '../../consensus/index.js';

interface Orphan {
  readonly t: TxWithId;
  readonly parents: readonly string[];
}

export class Orphanage {
  private readonly byId = new Map<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();

  constructor(
    private readonly max: number,
    private readonly maxTxSize: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Keeps `t` if it is small enough and orphans are enabled; returns whether it is kept. */
  add(t: TxWithId, parents: readonly string[]): boolean {
    if (this.max === 0 || t.size > this.maxTxSize) return false;
    const id = toHex(t.txid);
    if (this.byId.has(id)) return true;
    while (this.byId.size >= this.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    this.byId.set(id, { t, parents });
    for (const p of parents) {
      let s = this.byParent.get(p);
      if (!s) {
        s = new Set();
        this.byParent.set(p, s);
      }
      s.add(id);
    }
    return true;
  }

  remove(id: string): TxWithId | undefined {
    const o = this.byId.get(id);
    if (!o) return undefined;
    this.byId.delete(id);
    for (const p of o.parents) {
      const s = this.byParent.get(p);
      if (!s) continue;
      s.delete(id);
      if (s.size === 0) this.byParent.delete(p);
    }
    return o.t;
  }

  /** Removes and returns the orphans waiting for `parentId`. */
  takeChildren(parentId: string): TxWithId[] {
    const ids = this.byParent.get(parentId);
    if (!ids) return [];
    const out: TxWithId[] = [];
    for (const id of [...ids]) {
      const t = this.remove(id);
      if (t) out.push(t);
    }
    return out;
  }

  /** Drops orphans spending any of `outpoints` (keys from outpointKey): a block spent them. */
  removeSpending(outpoints: ReadonlySet<string>): void {
    for (const [id, o] of [...this.byId]) {
      if (o.t.tx.inputs.some((i) => outpoints.has(outpointKey(i.prevout.txid, i.prevout.index))))
        this.remove(id);
    }
  }
}
