/**
 * What the two block propagation benches share, so that they measure and print the same thing:
 * the mesh size, the block count, the spacing of mining calls, the per-block result, its table
 * (harness printTable rows: p50/p99 of a baseline, p50/p99/max to all nodes, p50/p99 per (block,
 * other node)), and the two benches side by side. propagation.ts runs the nodes in this process,
 * procMesh.ts one `qenex node` process per node.
 */
import { performance } from 'node:perf_hooks';
import { exponentialMs, mulberry32 } from '../netsim/random.js';
import { type BenchResult, median, percentile, printTable } from './harness.js';

export const MESH = 10;
export const SMALL_BLOCKS = 100;
/**
 * Gaps between two blocks' mining calls: exponential, as mining gives, with a mean of
 * BLOCK_MEAN_GAP_MS (half the devnet's 2 s target spacing) from a seeded generator (the same gaps
 * every run), and at least BLOCK_MIN_GAP_MS: gossip admits 10 blocks/s from each peer (burst 50,
 * p2p/options.ts `gossipLimits`), so back-to-back blocks would be dropped unseen.
 */
export const BLOCK_MEAN_GAP_MS = 1000;
export const BLOCK_MIN_GAP_MS = 150;
const GAP_SEED = 14;

/**
 * Untimed blocks before the timed ones, one mined on each node: a node's first mining call starts
 * its PoW thread (240–480 ms of the first blocks' mine-and-connect in the in-process bench).
 */
export const WARMUP_BLOCKS = MESH;

/** Issue 14's goal for small blocks on a 10-node mesh, to all nodes: p50 and p99, ms. */
const GOAL_P50_MS = 10;
const GOAL_P99_MS = 30;

export interface Propagation {
  readonly hash: string;
  /** The mining call until the last node had the block. */
  readonly toAllMs: number;
  /** The mining call until each other node had it (the miner left out). */
  readonly perNodeMs: number[];
  /** The baseline: the miner's own part (mine and connect, or the whole mining RPC call). */
  readonly localMs: number;
}

/** Spaces mining calls by the gaps above (each call waits for its gap since the previous one). */
export function pacer(): () => Promise<void> {
  const random = mulberry32(GAP_SEED);
  let next = 0;
  return async () => {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    next = performance.now() + Math.max(BLOCK_MIN_GAP_MS, exponentialMs(random, BLOCK_MEAN_GAP_MS));
  };
}

/** Latency row: "per call" is the latency, calls the samples; the ratio is baseline ÷ this latency. */
function latency(name: string, ms: number, samples: number): BenchResult {
  return { name, opsPerSec: 1000 / ms, ops: samples, calls: samples, elapsedMs: ms * samples, msPerCall: ms };
}

/** The table of one run: `baseline` names what each block's `localMs` is. */
export function printPropagation(title: string, ps: readonly Propagation[], baseline: string): void {
  const local = ps.map((p) => p.localMs);
  const toAll = ps.map((p) => p.toAllMs);
  const perNode = ps.flatMap((p) => p.perNodeMs);
  const base = `${baseline}, p50 (baseline)`;
  printTable(
    `${title} ("per call" = latency from the mining call; calls = samples; ratio = baseline ÷ latency)`,
    [
      latency(base, median(local), local.length),
      latency(`${baseline}, p99`, percentile(local, 0.99), local.length),
      latency(`to all ${MESH} nodes, p50`, median(toAll), toAll.length),
      latency(`to all ${MESH} nodes, p99`, percentile(toAll, 0.99), toAll.length),
      latency(`to all ${MESH} nodes, max`, Math.max(...toAll), toAll.length),
      latency('to one other node (block, node), p50', median(perNode), perNode.length),
      latency('to one other node (block, node), p99', percentile(perNode, 0.99), perNode.length),
    ],
    base,
  );
}

export interface PropagationRun {
  /** Column heading. */
  readonly label: string;
  /** What the baseline is (the run's `localMs`). */
  readonly baseline: string;
  readonly blocks: readonly Propagation[];
}

/** The runs' small-block results in one table, a column each, beside issue 14's goal. */
export function printSideBySide(title: string, runs: readonly PropagationRun[]): void {
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const stat = (f: (p: readonly Propagation[]) => number) => runs.map((r) => ms(f(r.blocks)));
  const toAll = (ps: readonly Propagation[]) => ps.map((p) => p.toAllMs);
  const perNode = (ps: readonly Propagation[]) => ps.flatMap((p) => p.perNodeMs);
  const local = (ps: readonly Propagation[]) => ps.map((p) => p.localMs);
  const rows: string[][] = [
    ['ms', ...runs.map((r) => r.label), 'goal'],
    [`to all ${MESH} nodes, p50`, ...stat((p) => median(toAll(p))), `≤ ${GOAL_P50_MS}`],
    [`to all ${MESH} nodes, p99`, ...stat((p) => percentile(toAll(p), 0.99)), `≤ ${GOAL_P99_MS}`],
    [`to all ${MESH} nodes, max`, ...stat((p) => Math.max(...toAll(p))), ''],
    ['to one other node, p50', ...stat((p) => median(perNode(p))), ''],
    ['to one other node, p99', ...stat((p) => percentile(perNode(p), 0.99)), ''],
    ['baseline, p50', ...stat((p) => median(local(p))), ''],
    ['baseline, p99', ...stat((p) => percentile(local(p), 0.99)), ''],
    ['blocks', ...runs.map((r) => String(r.blocks.length)), ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  for (const r of runs) console.log(`  baseline of "${r.label}": ${r.baseline}`);
}
