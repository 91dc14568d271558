/**
 * The netsim's measurements, computed from what the observer saw (pure functions of the
 * recorded timelines; no I/O).
 *
 *  - Propagation: for a block, t0 is its connect on the node that mined it; for each other node
 *    that could get it (its process running from t0 on, and not cut off from the miner by a
 *    partition when it was mined) the delay is its first connect of the block minus t0. A node
 *    still running at the end of the window plus a grace period without it is a miss. Beside it,
 *    the delay at arrival: the node's first gossip arrival of the block (or its connect when that
 *    came first, as for a block it got by sync rather than gossip) minus t0.
 *  - Tip timelines: a node's tip, as a step function over its sessions (process runs), gives
 *    when all running nodes share one tip (convergence after a heal) and how long a node holds a
 *    tip most running nodes do not (minority time under churn).
 *  - Stale rate: blocks mined in a window that did not end on the final best chain.
 */
import type { BlockArrival, BlockSeen, Session } from './observer.js';
import type { MinedRecord } from './producer.js';

export interface Window {
  readonly start: number;
  readonly end: number;
}

export interface Partition {
  readonly start: number;
  /** When it healed (Infinity: never). */
  readonly end: number;
  readonly group: (node: number) => number;
}

export interface BlockPropagation {
  readonly hash: string;
  readonly height: number;
  readonly miner: number;
  readonly t0: number;
  readonly best: boolean;
  readonly eligible: number;
  /**
   * Per node that got it: the delay to its connect (ms), and to its arrival (arrivalMs: its first
   * gossip arrival, or its connect when that came first or no arrival was recorded; `gossiped`
   * says whether an arrival was recorded).
   */
  readonly delays: ReadonlyArray<{
    readonly node: number;
    readonly ms: number;
    readonly arrivalMs: number;
    readonly gossiped: boolean;
  }>;
  /** Eligible nodes that never got it while running. */
  readonly missed: readonly number[];
  /** Nodes that had connected a competing block at this height first; ms: until they switched (null: never). */
  readonly siblings: ReadonlyArray<{ readonly node: number; readonly ms: number | null }>;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentiles of `xs`. */
export function percentiles(xs: readonly number[]): Percentiles {
  if (xs.length === 0) return { n: 0, p50: null, p90: null, p99: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

function sessionAt(sessions: readonly Session[], node: number, t: number): Session | undefined {
  return sessions.find((s) => s.node === node && s.start <= t && (s.end === null || s.end >= t));
}

/**
 * First time of each (node, hash), in a map keyed `${node} ${hash}`; multiple connects (reorgs) or
 * arrivals keep the first.
 */
function firstSeen(blocks: ReadonlyArray<Pick<BlockSeen, 't' | 'node' | 'hash'>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of blocks) {
    const k = `${b.node} ${b.hash}`;
    const t = out.get(k);
    if (t === undefined || b.t < t) out.set(k, b.t);
  }
  return out;
}

export interface PropagationInput {
  readonly nodes: readonly number[];
  readonly blocks: readonly BlockSeen[];
  /** Gossip arrivals (none: the arrival delays equal the connect delays). */
  readonly arrivals?: readonly BlockArrival[];
  readonly sessions: readonly Session[];
  readonly mined: readonly MinedRecord[];
  readonly partitions: readonly Partition[];
  readonly bestChain: ReadonlySet<string>;
  /** A node that has not got a block this long after t0 while running counts as a miss. */
  readonly graceMs: number;
}

/**
 * Propagation of every block a miner produced (its connect on the miner observed). A node that
 * connected a competing block at the same height first (a tie or a race: it was not waiting for
 * this one) is counted apart, with the time it took to switch, if it did.
 */
export function blockPropagation(input: PropagationInput): BlockPropagation[] {
  const seen = firstSeen(input.blocks);
  const arrived = firstSeen(input.arrivals ?? []);
  const heights = new Map(input.blocks.map((b) => [b.hash, b.height]));
  const atHeight = new Map<string, BlockSeen[]>();
  for (const b of input.blocks) {
    const k = `${b.node} ${b.height}`;
    const list = atHeight.get(k) ?? [];
    list.push(b);
    atHeight.set(k, list);
  }
  const out: BlockPropagation[] = [];
  for (const rec of input.mined) {
    for (const hash of rec.hashes) {
      const t0 = seen.get(`${rec.miner} ${hash}`);
      if (t0 === undefined) continue;
      const part = input.partitions.find((p) => p.start <= t0 && t0 < p.end);
      const height = heights.get(hash) ?? -1;
      const delays: Array<BlockPropagation['delays'][number]> = [];
      const missed: number[] = [];
      const siblings: Array<{ node: number; ms: number | null }> = [];
      let eligible = 0;
      for (const node of input.nodes) {
        if (node === rec.miner) continue;
        if (part && part.group(node) !== part.group(rec.miner)) continue;
        const session = sessionAt(input.sessions, node, t0);
        if (!session) continue;
        const t = seen.get(`${node} ${hash}`);
        const sibling = (atHeight.get(`${node} ${height}`) ?? []).some(
          (b) => b.hash !== hash && b.t >= session.start && (t === undefined || b.t < t),
        );
        if (sibling) {
          siblings.push({ node, ms: t === undefined ? null : Math.max(0, t - t0) });
          continue;
        }
        if (t !== undefined && t >= session.start && (session.end === null || t <= session.end)) {
          eligible++;
          const a = arrived.get(`${node} ${hash}`);
          delays.push({
            node,
            ms: Math.max(0, t - t0),
            arrivalMs: Math.max(0, Math.min(a ?? t, t) - t0),
            gossiped: a !== undefined,
          });
          continue;
        }
        // Not got during this session: a miss only if the session lasted the grace period.
        const lasted = session.end === null || session.end - t0 >= input.graceMs;
        if (lasted) {
          eligible++;
          missed.push(node);
        }
      }
      out.push({
        hash,
        height,
        miner: rec.miner,
        t0,
        best: input.bestChain.has(hash),
        eligible,
        delays,
        missed,
        siblings,
      });
    }
  }
  return out.sort((a, b) => a.t0 - b.t0);
}

export interface PropagationSummary {
  /** Best-chain blocks (the figures below are theirs). */
  readonly blocks: number;
  /** Each (block, node) delay. */
  readonly perNode: Percentiles;
  /** Per block: until the last eligible node had it (blocks every eligible node got). */
  readonly toAll: Percentiles;
  readonly misses: number;
  /** (block, node) pairs where the node was on a competing block at that height first. */
  readonly onSibling: number;
  /** Their time to switch to the best-chain block (those that switched). */
  readonly siblingSwitch: Percentiles;
  /** Blocks that did not end on the best chain (not in the figures above). */
  readonly staleBlocks: number;
  /**
   * perNode and toAll measured at each node's arrival of the block instead of its connect (over
   * the same pairs and blocks).
   */
  readonly arrival: {
    readonly perNode: Percentiles;
    readonly toAll: Percentiles;
    /** Pairs with a gossip arrival recorded (the others count their connect). */
    readonly gossiped: number;
  };
}

/** Figures over the best-chain blocks of `blocks`; stale ones are only counted. */
export function summarizePropagation(blocks: readonly BlockPropagation[]): PropagationSummary {
  const perNode: number[] = [];
  const toAll: number[] = [];
  const perNodeArrival: number[] = [];
  const toAllArrival: number[] = [];
  let gossiped = 0;
  const switched: number[] = [];
  let misses = 0;
  let onSibling = 0;
  let staleBlocks = 0;
  let n = 0;
  for (const b of blocks) {
    if (!b.best) {
      staleBlocks++;
      continue;
    }
    n++;
    for (const d of b.delays) {
      perNode.push(d.ms);
      perNodeArrival.push(d.arrivalMs);
      if (d.gossiped) gossiped++;
    }
    misses += b.missed.length;
    onSibling += b.siblings.length;
    for (const s of b.siblings) if (s.ms !== null) switched.push(s.ms);
    if (b.missed.length === 0 && b.delays.length > 0) {
      toAll.push(Math.max(...b.delays.map((d) => d.ms)));
      toAllArrival.push(Math.max(...b.delays.map((d) => d.arrivalMs)));
    }
  }
  return {
    blocks: n,
    perNode: percentiles(perNode),
    toAll: percentiles(toAll),
    misses,
    onSibling,
    siblingSwitch: percentiles(switched),
    staleBlocks,
    arrival: { perNode: percentiles(perNodeArrival), toAll: percentiles(toAllArrival), gossiped },
  };
}

export interface StaleSummary {
  readonly mined: number;
  readonly stale: number;
  readonly rate: number | null;
}

/** Blocks mined in `w` (by the producer's records) and how many are not on the final best chain. */
export function staleRate(mined: readonly MinedRecord[], best: ReadonlySet<string>, w: Window): StaleSummary {
  let n = 0;
  let stale = 0;
  for (const r of mined) {
    if (r.t < w.start || r.t >= w.end) continue;
    for (const h of r.hashes) {
      n++;
      if (!best.has(h)) stale++;
    }
  }
  return { mined: n, stale, rate: n === 0 ? null : stale / n };
}

/** One change of the network's tip state: node `node` has tip `hash` from `t` (null: not running). */
export interface TipChange {
  readonly t: number;
  readonly node: number;
  readonly hash: string | null;
  readonly height: number;
}

/** Every tip change of every node, in time order. */
export function tipChanges(blocks: readonly BlockSeen[], sessions: readonly Session[]): TipChange[] {
  const out: TipChange[] = [];
  for (const s of sessions) {
    out.push({ t: s.start, node: s.node, hash: s.tip.hash, height: s.tip.height });
    if (s.end !== null) out.push({ t: s.end, node: s.node, hash: null, height: -1 });
  }
  for (const b of blocks) {
    if (sessionAt(sessions, b.node, b.t)) out.push({ t: b.t, node: b.node, hash: b.hash, height: b.height });
  }
  // Stable: at equal times, session ends sort after blocks (a block seen just before a socket closed).
  return out.sort((a, b) => a.t - b.t || (a.hash === null ? 1 : 0) - (b.hash === null ? 1 : 0));
}

/** The first time ≥ `from` at which all `expected` nodes are running with one tip; null if never before `until`. */
export function convergedAt(
  changes: readonly TipChange[],
  expected: number,
  from: number,
  until: number,
): number | null {
  const tips = new Map<number, string>();
  const check = (t: number): number | null => {
    if (t < from || tips.size < expected) return null;
    const first = tips.values().next().value;
    for (const h of tips.values()) if (h !== first) return null;
    return Math.max(t, from);
  };
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.t > until) break;
    if (c.hash === null) tips.delete(c.node);
    else tips.set(c.node, c.hash);
    // Decide once every change at this instant has applied.
    const next = changes[i + 1];
    if (next && next.t === c.t) continue;
    if (c.t < from) continue;
    const at = check(c.t);
    if (at !== null) return at;
  }
  // Already converged when `from` came and nothing changed since.
  if (changes.length > 0 && changes[changes.length - 1]!.t < from) return check(from);
  return null;
}

export interface MinorityInterval {
  readonly node: number;
  readonly start: number;
  readonly ms: number;
  /** The interval was still open at the end of the window. */
  readonly open: boolean;
}

/**
 * Intervals in `w` during which a running node's tip differs from the tip most running nodes
 * share (the plurality; ties go to the higher block). Intervals open at w.start start there.
 */
export function minorityIntervals(changes: readonly TipChange[], w: Window): MinorityInterval[] {
  const tips = new Map<number, { hash: string; height: number }>();
  const since = new Map<number, number>();
  const out: MinorityInterval[] = [];
  const evaluate = (t: number) => {
    const counts = new Map<string, { n: number; height: number }>();
    for (const { hash, height } of tips.values()) {
      const c = counts.get(hash);
      counts.set(hash, { n: (c?.n ?? 0) + 1, height });
    }
    let major: string | null = null;
    let best = { n: 0, height: -1 };
    for (const [h, c] of counts) {
      if (c.n > best.n || (c.n === best.n && c.height > best.height)) {
        major = h;
        best = c;
      }
    }
    for (const [node, tip] of tips) {
      const start = since.get(node);
      if (tip.hash !== major) {
        if (start === undefined) since.set(node, Math.max(t, w.start));
      } else if (start !== undefined) {
        since.delete(node);
        out.push({ node, start, ms: Math.max(t, w.start) - start, open: false });
      }
    }
  };
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.t > w.end) break;
    if (c.hash === null) {
      tips.delete(c.node);
      const start = since.get(c.node);
      if (start !== undefined) {
        since.delete(c.node);
        if (c.t >= w.start) out.push({ node: c.node, start, ms: c.t - start, open: false });
      }
    } else {
      tips.set(c.node, { hash: c.hash, height: c.height });
    }
    const next = changes[i + 1];
    if (next && next.t === c.t) continue;
    if (c.t >= w.start) evaluate(c.t);
    else evaluate(w.start);
  }
  for (const [node, start] of since) out.push({ node, start, ms: w.end - start, open: true });
  return out.filter((x) => x.start + x.ms > w.start && x.start < w.end);
}
