/**
 * Block assembly by ancestor-package fee rate (Bitcoin Core's addPackageTxs): repeatedly take the
 * transaction whose package — itself plus its not-yet-selected in-pool ancestors — pays the
 * highest fee rate, add the whole package parents first, then lower the package of every
 * descendant by what was just selected. A child paying for a low-fee parent (CPFP) lifts both.
 */
import type { TxWithId } from '../../consensus/index.js';
import { cmpRate, type PoolEntry, type TxGraph } from './graph.js';
import { Heap } from './heap.js';
import type { BlockSelection } from './types.js';

interface Node {
  readonly e: PoolEntry;
  readonly fee: bigint;
  readonly size: number;
  readonly ver: number;
}

interface Modified {
  fee: bigint;
  size: number;
  ver: number;
}

/** Stop after this many packages in a row did not fit while the block is nearly full. */
const MAX_CONSECUTIVE_FAILURES = 1000;
const NEARLY_FULL_MARGIN = 4000;

export function selectPackages(graph: TxGraph, maxBytes: number): BlockSelection {
  const higherFirst = (a: Node, b: Node): boolean => {
    const c = cmpRate(a.fee, a.size, b.fee, b.size);
    if (c !== 0) return c > 0;
    if (a.size !== b.size) return a.size < b.size;
    return a.e.seq < b.e.seq;
  };
  const initial: Node[] = [];
  for (const e of graph.values()) initial.push({ e, fee: e.ancFee, size: e.ancSize, ver: 0 });
  const heap = new Heap<Node>(higherFirst, initial);
  const modified = new Map<PoolEntry, Modified>();
  const selected = new Set<PoolEntry>();
  const txs: TxWithId[] = [];
  let fees = 0n;
  let size = 0;
  let failures = 0;

  for (let node = heap.pop(); node !== undefined; node = heap.pop()) {
    const { e } = node;
    if (selected.has(e)) continue;
    if (node.ver !== (modified.get(e)?.ver ?? 0)) continue;
    if (size + node.size > maxBytes) {
      // Dropped; reconsidered only if selecting one of its ancestors shrinks its package.
      failures++;
      if (failures > MAX_CONSECUTIVE_FAILURES && size > maxBytes - NEARLY_FULL_MARGIN) break;
      continue;
    }
    failures = 0;
    const pkg = [...graph.ancestors(e)].filter((a) => !selected.has(a));
    pkg.push(e);
    // An ancestor always has fewer ancestors than its descendants: this order is topological.
    pkg.sort((a, b) => a.ancCount - b.ancCount || a.seq - b.seq);
    for (const p of pkg) {
      selected.add(p);
      txs.push(p.t);
      fees += p.fee;
      size += p.size;
    }
    for (const p of pkg) {
      for (const d of graph.descendants(p)) {
        if (selected.has(d)) continue;
        let m = modified.get(d);
        if (!m) {
          m = { fee: d.ancFee, size: d.ancSize, ver: 0 };
          modified.set(d, m);
        }
        m.fee -= p.fee;
        m.size -= p.size;
        m.ver += 1;
        heap.push({ e: d, fee: m.fee, size: m.size, ver: m.ver });
      }
    }
  }
  return { txs, fees, size };
}
