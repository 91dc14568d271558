/**
 * Blocks whose parent is unknown, kept until the parent arrives. Bounded by count and bytes (the
 * oldest is evicted first) and by age. Only blocks that passed the context-free checks (proof of
 * work included) get here, so filling the pool costs real work.
 */
import { type BlockWithIds, toHex } from '../../consensus/index.js';

export interface Orphan {
  readonly block: BlockWithIds;
  readonly source: string | undefined;
  /** Chain clock (seconds) when it was added. */
  readonly added: number;
}

export interface OrphanLimits {
  readonly maxOrphans: number;
  readonly maxOrphanBytes: number;
  readonly orphanExpirySeconds: number;
}

export class OrphanPool {
  /** By block hash (hex), in insertion order: the first entry is the oldest. */
  private readonly byHash = new Map<string, Orphan>();
  /** Parent hash (hex) → hashes (hex) of orphans waiting for it. */
  private readonly byParent = new Map<string, Set<string>>();
  private totalBytes = 0;

  constructor(private readonly limits: OrphanLimits) {}

  get size(): number {
    return this.byHash.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** Adds an orphan; returns the hashes (hex) evicted to make room (possibly the new one itself). */
  add(block: BlockWithIds, source: string | undefined, now: number): string[] {
    const evicted = this.expire(now);
    const hex = toHex(block.hash);
    if (this.byHash.has(hex)) return evicted;
    if (block.size > this.limits.maxOrphanBytes || this.limits.maxOrphans === 0) {
      evicted.push(hex);
      return evicted;
    }
    this.byHash.set(hex, { block, source, added: now });
    const parent = toHex(block.block.header.prevHash);
    let set = this.byParent.get(parent);
    if (!set) {
      set = new Set();
      this.byParent.set(parent, set);
    }
    set.add(hex);
    this.totalBytes += block.size;
    while (this.byHash.size > this.limits.maxOrphans || this.totalBytes > this.limits.maxOrphanBytes) {
      const oldest = this.byHash.keys().next().value as string;
      this.remove(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  /** Removes and returns the orphans whose parent is `parentHex`. */
  takeChildren(parentHex: string): Orphan[] {
    const set = this.byParent.get(parentHex);
    if (!set) return [];
    const out: Orphan[] = [];
    for (const hex of [...set]) {
      const o = this.byHash.get(hex);
      if (o) out.push(o);
      this.remove(hex);
    }
    return out;
  }

  /** Drops orphans older than the expiry; returns their hashes (hex). */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [hex, o] of this.byHash) {
      if (now - o.added <= this.limits.orphanExpirySeconds) break; // insertion order = age order
      out.push(hex);
    }
    for (const hex of out) this.remove(hex);
    return out;
  }

  clear(): void {
    this.byHash.clear();
    this.byParent.clear();
    this.totalBytes = 0;
  }

  private remove(hex: string): void {
    const o = this.byHash.get(hex);
    if (!o) return;
    this.byHash.delete(hex);
    this.totalBytes -= o.block.size;
    const parent = toHex(o.block.block.header.prevHash);
    const set = this.byParent.get(parent);
    set?.delete(hex);
    if (set && set.size === 0) this.byParent.delete(parent);
  }
}
