/**
 * Network throughput (real in-process nodes on loopback, LevelDB data dirs):
 *  - blocks synced per second by a new node from one peer (from the dial, and from its first
 *    block on), the peer in this process and then a `qenex node` process serving the same chain,
 *    beside nodes importing the same blocks locally (no network) in the same run, one
 *    processBlock call per block and processBlocks runs of 64 (what sync does with a download);
 *  - time for a new block to reach every node of a 10-node devnet (a mesh with multi-hop paths),
 *    median and max over 20 blocks, beside the miner's own mine-and-connect time in the same run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Block, devnetParams, toHex } from '../../consensus/index.js';
import { keyPair } from '../../test/utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../test/utils/node.js';
import { waitFor } from '../../test/utils/proc.js';
import { encodeAddress } from '../../wallet/index.js';
import { startDevnet } from '../devnetProcs.js';
import { type BenchResult, median, printTable } from './harness.js';

const SYNC_BLOCKS = 2000;
/** Times each way of importing the chain is measured (medians reported). */
const REPEATS = 3;
const MESH = 10;
const PROPAGATIONS = 20;
const addr = encodeAddress(keyPair('bench-net').pkh, devnetParams);

function row(name: string, ops: number, ms: number): BenchResult {
  return { name, opsPerSec: (ops * 1000) / ms, ops, calls: 1, elapsedMs: ms, msPerCall: ms };
}

/** Dials `addr` from a; a failed dial is tried again (twice, 1 s apart) before the bench gives up. */
async function dial(a: TestNode, addr: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await a.node.p2p.connect(addr);
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log(`  dial failed (${err instanceof Error ? err.message : String(err)}); trying again`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Connects a to b and waits for their handshake. */
async function connect(a: TestNode, b: TestNode): Promise<void> {
  await dial(a, b.node.p2p.multiaddrs.find((m) => m.includes('127.0.0.1'))!);
  await waitFor(
    async () => a.node.p2p.peers().some((p) => p.id === b.node.p2p.peerId && p.status),
    20_000,
    'handshake',
  );
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
      const addrA = a.node.p2p.multiaddrs.find((m) => m.includes('127.0.0.1'))!;
      inProcess.push(await withNode((n) => timeSync(n, addrA)));
    }
    // then the same chain served by a `qenex node` process (as a real peer is: its work off the
    // syncing node's thread): a's data dir, moved to where a one-node devnet keeps its node's
    const root = await mkdtemp(join(tmpdir(), 'qenex-bench-serve-'));
    await a.node.stop(); // `finally` closes it again (a no-op) and removes what is left of it
    await rename(a.datadir, join(root, 'node-0'));
    const serving = await startDevnet({ nodes: 1, miners: 0, trainers: 0, dir: root, output: 'file' });
    const child: SyncTime[] = [];
    try {
      const server = serving.nodes[0]!;
      await waitFor(async () => existsSync(server.cookieFile), 60_000, 'the serving node');
      for (let k = 0; k < REPEATS; k++) {
        child.push(
          await withNode((n) => timeSync(n, `/ip4/127.0.0.1/tcp/${server.p2pPort}/p2p/${server.peerId}`)),
        );
      }
    } finally {
      await serving.stop();
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
      ],
      'local import via Chain.processBlock (baseline)',
    );
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

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
async function timeSync(fresh: TestNode, addr: string): Promise<SyncTime> {
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
    await dial(fresh, addr);
    await Promise.race([synced, timeout]);
  } finally {
    clearTimeout(timer);
    fresh.node.chain.off('tip', onTip);
  }
  const done = performance.now();
  return { totalMs: done - t0, fromFirstMs: done - first };
}

async function propagationBench(): Promise<void> {
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < MESH; i++) nodes.push(await startTestNode());
    // each node dials two earlier ones: a connected mesh with multi-hop paths
    for (let i = 1; i < MESH; i++) {
      await connect(nodes[i]!, nodes[i - 1]!);
      if (i >= 2) await connect(nodes[i]!, nodes[(i * 7) % i]!);
    }
    await new Promise((r) => setTimeout(r, 3000)); // let gossipsub build its mesh
    const times: number[] = [];
    const local: number[] = [];
    for (let k = 0; k < PROPAGATIONS; k++) {
      const miner = nodes[k % MESH]!;
      // Resolve per node on the chain's 'tip' event whose hash is the new block (no polling).
      let target = '';
      const arrivals = nodes.map(
        (n) =>
          new Promise<number>((resolve) => {
            const on = (e: { hash: Uint8Array }) => {
              if (target && toHex(e.hash) === target) {
                n.node.chain.off('tip', on);
                resolve(performance.now());
              }
            };
            n.node.chain.on('tip', on);
          }),
      );
      const t0 = performance.now();
      const hashes = miner.node.generate(1, addr);
      // generate resolves after the miner connected it; 'tip' on the miner fires before that.
      target = '';
      const pending = hashes.then(([h]) => {
        target = h!;
        local.push(performance.now() - t0);
      });
      // The miner's own tip event may fire before `target` is known: check tips directly too.
      await pending;
      const done = await Promise.race([
        Promise.all(
          arrivals.map((a, i) =>
            toHex(nodes[i]!.node.chain.tip.hash) === target ? Promise.resolve(performance.now()) : a,
          ),
        ),
        new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
      ]);
      if (!done) throw new Error('block did not reach every node within 30 s');
      times.push(Math.max(...done) - t0);
    }
    console.log(
      `\nblock propagation to all ${MESH} nodes over ${PROPAGATIONS} blocks (mined on rotating nodes):`,
    );
    console.log(`  median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
    console.log(
      `  baseline (same run): the miner mining and connecting the block locally, median ${median(local).toFixed(1)} ms, max ${Math.max(...local).toFixed(1)} ms`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

export async function run(): Promise<void> {
  await syncBench();
  await propagationBench();
}
