/**
 * Network throughput (real in-process nodes on loopback, LevelDB data dirs):
 *  - blocks synced per second by a new node from one peer (from the dial, and from its first
 *    block on), the peer in this process and then a `qenex node` process serving the same chain,
 *    then from two such processes at once (one session, the other peer its helper),
 *    beside nodes importing the same blocks locally (no network) in the same run, one
 *    processBlock call per block and processBlocks runs of 64 (what sync does with a download);
 *  - block propagation on a 10-node mesh, small and 2,000-transaction blocks, in this process, then
 *    the small blocks on a mesh of `qenex node` processes (propagation.ts `run`, procMesh.ts; also
 *    `npm run bench -- propagation` alone).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Block, devnetParams } from '../../consensus/index.js';
import { keyPair } from '../../test/utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../test/utils/node.js';
import { waitFor } from '../../test/utils/proc.js';
import { encodeAddress } from '../../wallet/index.js';
import { type DevnetNode, startDevnet } from '../devnetProcs.js';
import { type BenchResult, median, printTable } from './harness.js';
import { dial, loopbackAddr } from './mesh.js';
import { run as propagationRun } from './propagation.js';

const SYNC_BLOCKS = 2000;
/** Times each way of importing the chain is measured (medians reported). */
const REPEATS = 3;
const addr = encodeAddress(keyPair('bench-net').pkh, devnetParams);

function row(name: string, ops: number, ms: number): BenchResult {
  return { name, opsPerSec: (ops * 1000) / ms, ops, calls: 1, elapsedMs: ms, msPerCall: ms };
}

async function syncBench(): Promise<void> {
  const nodes: TestNode[] = [];
  try {
    const a = await startTestNode();
    nodes.push(a);
    await a.node.generate(SYNC_BLOCKS, addr);
    const blocks: Block[] = [];
    for (let h = 1; h <= SYNC_BLOCKS; h++)
      blocks.push((await a.node.chain.getBlock(a.node.chain.getEntryByHeight(h)!.hash))!);
    // each way is timed REPEATS times, in turns, on fresh nodes; the table has the medians
    const localMs: number[] = [];
    const runsMs: number[] = [];
    const inProcess: SyncTime[] = [];
    for (let k = 0; k < REPEATS; k++) {
      localMs.push(
        await withNode(async (n) => {
          const t0 = performance.now();
          for (const b of blocks) await n.node.chain.processBlock(b);
          return performance.now() - t0;
        }),
      );
      // the same in runs of 64 (as sync hands over each download), each run one LevelDB write
      runsMs.push(
        await withNode(async (n) => {
          const t0 = performance.now();
          for (let i = 0; i < blocks.length; i += 64)
            await n.node.chain.processBlocks(blocks.slice(i, i + 64));
          return performance.now() - t0;
        }),
      );
      // a new node syncing over libp2p from one peer: `a`, in this process
      const addrA = loopbackAddr(a);
      inProcess.push(await withNode((n) => timeSync(n, [addrA])));
    }
    // then the same chain served by a `qenex node` process (as a real peer is: its work off the
    // syncing node's thread): a's data dir, moved to where a one-node devnet keeps its node's
    const root = await mkdtemp(join(tmpdir(), 'qenex-bench-serve-'));
    await a.node.stop(); // `finally` closes it again (a no-op) and removes what is left of it
    await rename(a.datadir, join(root, 'node-0'));
    const child: SyncTime[] = [];
    const pair: SyncTime[] = [];
    try {
      const one = await startDevnet({ nodes: 1, miners: 0, trainers: 0, dir: root, output: 'file' });
      try {
        await waitFor(async () => existsSync(one.nodes[0]!.cookieFile), 60_000, 'the serving node');
        for (let k = 0; k < REPEATS; k++)
          child.push(await withNode((n) => timeSync(n, [p2pAddr(one.nodes[0]!)])));
      } finally {
        await one.stop();
      }
      // then from two such processes at once (a second copy of the chain, under its own peer key):
      // the session with one of them takes the other on as a helper (downloadPeers)
      await cp(join(root, 'node-0'), join(root, 'node-1'), { recursive: true });
      await rm(join(root, 'node-1', 'p2p-key'), { force: true });
      const two = await startDevnet({ nodes: 2, miners: 0, trainers: 0, dir: root, output: 'file' });
      try {
        await waitFor(
          async () => two.nodes.every((d) => existsSync(d.cookieFile)),
          60_000,
          'the serving nodes',
        );
        for (let k = 0; k < REPEATS; k++)
          pair.push(await withNode((n) => timeSync(n, two.nodes.map(p2pAddr))));
      } finally {
        await two.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    printTable(
      `initial block download of ${SYNC_BLOCKS} blocks (ops = blocks; medians of ${REPEATS} runs each)`,
      [
        row('local import via Chain.processBlock (baseline)', SYNC_BLOCKS, median(localMs)),
        row('local import via Chain.processBlocks, runs of 64', SYNC_BLOCKS, median(runsMs)),
        row(
          'sync from a peer in this process, from the dial',
          SYNC_BLOCKS,
          median(inProcess.map((t) => t.totalMs)),
        ),
        row('  the same, from its first block', SYNC_BLOCKS - 1, median(inProcess.map((t) => t.fromFirstMs))),
        row(
          'sync from a `qenex node` process, from the dial',
          SYNC_BLOCKS,
          median(child.map((t) => t.totalMs)),
        ),
        row('  the same, from its first block', SYNC_BLOCKS - 1, median(child.map((t) => t.fromFirstMs))),
        row(
          'sync from two `qenex node` processes at once, from the dials',
          SYNC_BLOCKS,
          median(pair.map((t) => t.totalMs)),
        ),
        row('  the same, from its first block', SYNC_BLOCKS - 1, median(pair.map((t) => t.fromFirstMs))),
      ],
      'local import via Chain.processBlock (baseline)',
    );
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** A devnet node process's libp2p address on loopback. */
const p2pAddr = (d: DevnetNode): string => `/ip4/127.0.0.1/tcp/${d.p2pPort}/p2p/${d.peerId}`;

interface SyncTime {
  readonly totalMs: number;
  readonly fromFirstMs: number;
}

/** Runs `fn` on a fresh test node, closed afterwards. */
async function withNode<T>(fn: (n: TestNode) => Promise<T>): Promise<T> {
  const n = await startTestNode();
  try {
    return await fn(n);
  } finally {
    await n.close();
  }
}

/**
 * Connects `fresh` to the peer at `addr` and times its sync of SYNC_BLOCKS blocks by its tip
 * events (not by polling): from the dial, and from its first block on (the headers-first start,
 * ~0.2 s of dial, handshake and the first 2,000 headers, excluded).
 */
async function timeSync(fresh: TestNode, addrs: readonly string[]): Promise<SyncTime> {
  let first = 0;
  let onTip: (e: { height: number }) => void = () => {};
  const synced = new Promise<void>((resolve) => {
    onTip = (e) => {
      if (first === 0) first = performance.now();
      if (e.height >= SYNC_BLOCKS) resolve();
    };
    fresh.node.chain.on('tip', onTip);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sync of ${SYNC_BLOCKS} blocks timed out`)), 300_000);
  });
  const t0 = performance.now();
  try {
    await Promise.all(addrs.map((a) => dial(fresh, a)));
    await Promise.race([synced, timeout]);
  } finally {
    clearTimeout(timer);
    fresh.node.chain.off('tip', onTip);
  }
  const done = performance.now();
  return { totalMs: done - t0, fromFirstMs: done - first };
}

export async function run(): Promise<void> {
  await syncBench();
  await propagationRun();
}
