/**
 * Initial sync throughput (real in-process nodes on loopback, LevelDB data dirs; part of the
 * `network` bench, `npm run bench -- sync` alone): what a new node syncs per second from one
 * peer (from the dial, and from its first block on), the peer in this process and then a `qenex
 * node` process serving the same chain, then from two such processes at once (one session, the
 * other peer its helper), beside nodes importing the same blocks locally (no network) in the same
 * run, one processBlock call per block and processBlocks runs of 64 (what sync does with a
 * download). First for SYNC_BLOCKS coinbase-only blocks (blocks per second), then for a chain that
 * mixes FULL_SYNC_BLOCKS blocks of 2,000 signed transactions into its small ones (transactions
 * per second).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Block, devnetParams, toHex } from '../../consensus/index.js';
import { keyPair } from '../../test/utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../test/utils/node.js';
import { waitFor } from '../../test/utils/proc.js';
import { encodeAddress } from '../../wallet/index.js';
import { type DevnetNode, startDevnet } from '../devnetProcs.js';
import { type BenchResult, median, printTable } from './harness.js';
import { dial, loopbackAddr } from './mesh.js';
import { coinbaseCoin, expectTxs, fanOut, spendEach, submit } from './spends.js';

const SYNC_BLOCKS = 2000;
/** Blocks of TXS_PER_FULL_BLOCK transactions in the mixed chain, and fan-outs mined per block before them. */
const FULL_SYNC_BLOCKS = 20;
const TXS_PER_FULL_BLOCK = 2000;
const FANS_PER_BLOCK = 10;
/** Times each way of importing the chain is measured (medians reported). */
const REPEATS = 3;
const key = keyPair('bench-net');
const addr = encodeAddress(key.pkh, devnetParams);

/** A chain mined on a node for the others to import: its blocks from height 1, and what is counted. */
interface SyncChain {
  readonly blocks: Block[];
  /** What the table counts: every block, or every transaction but the coinbases. */
  readonly unit: 'blocks' | 'transactions';
  readonly title: string;
}

/** Ops for the table: the chain's blocks or transactions (from height `from` on). */
function opsOf(chain: SyncChain, from = 1): number {
  const blocks = chain.blocks.slice(from - 1);
  return chain.unit === 'blocks' ? blocks.length : blocks.reduce((n, b) => n + b.txs.length - 1, 0);
}

async function blocksOf(n: TestNode): Promise<Block[]> {
  const blocks: Block[] = [];
  for (let h = 1; h <= n.node.chain.tip.height; h++)
    blocks.push((await n.node.chain.getBlock(n.node.chain.getEntryByHeight(h)!.hash))!);
  return blocks;
}

/** SYNC_BLOCKS coinbase-only blocks. */
async function smallChain(a: TestNode): Promise<SyncChain> {
  await a.node.generate(SYNC_BLOCKS, addr);
  return {
    blocks: await blocksOf(a),
    unit: 'blocks',
    title: `initial block download of ${SYNC_BLOCKS} blocks`,
  };
}

/**
 * Coinbase-only blocks until FULL_SYNC_BLOCKS coinbases are mature, blocks of FANS_PER_BLOCK
 * fan-outs of them (TXS_PER_FULL_BLOCK outputs each), then FULL_SYNC_BLOCKS blocks each spending
 * one fan-out's outputs in TXS_PER_FULL_BLOCK one-input, one-output transactions, all mined by `a`
 * from its mempool.
 */
async function mixedChain(a: TestNode): Promise<SyncChain> {
  const params = a.node.params;
  await a.node.generate(params.coinbaseMaturity + FULL_SYNC_BLOCKS, addr);
  const fans = [];
  for (let b = 0; b < FULL_SYNC_BLOCKS; b++)
    fans.push(fanOut(await coinbaseCoin(a, b + 1, key), TXS_PER_FULL_BLOCK, key, params));
  const mine = async (txs: Parameters<typeof submit>[1]): Promise<void> => {
    await submit(a, txs);
    const [hash] = await a.node.generate(1, addr);
    await expectTxs(a, hash!, txs.length);
  };
  for (let b = 0; b < fans.length; b += FANS_PER_BLOCK) await mine(fans.slice(b, b + FANS_PER_BLOCK));
  for (const fan of fans) await mine(spendEach(fan, key, params));
  const blocks = await blocksOf(a);
  const full = blocks.filter((b) => b.txs.length > FANS_PER_BLOCK + 1).length;
  const txs = blocks.reduce((n, b) => n + b.txs.length - 1, 0);
  return {
    blocks,
    unit: 'transactions',
    title: `initial block download of ${blocks.length} blocks, ${full} of them with ${TXS_PER_FULL_BLOCK.toLocaleString('en-US')} transactions (${txs.toLocaleString('en-US')} in all)`,
  };
}

function row(name: string, ops: number, ms: number): BenchResult {
  return { name, opsPerSec: (ops * 1000) / ms, ops, calls: 1, elapsedMs: ms, msPerCall: ms };
}

async function syncBench(build: (a: TestNode) => Promise<SyncChain>): Promise<void> {
  const nodes: TestNode[] = [];
  try {
    const a = await startTestNode();
    nodes.push(a);
    const chain = await build(a);
    const { blocks } = chain;
    const tip = { height: blocks.length, hash: toHex(a.node.chain.tip.hash) };
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
      inProcess.push(await withNode((n) => timeSync(n, [addrA], tip)));
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
          child.push(await withNode((n) => timeSync(n, [p2pAddr(one.nodes[0]!)], tip)));
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
          pair.push(await withNode((n) => timeSync(n, two.nodes.map(p2pAddr), tip)));
      } finally {
        await two.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    const all = opsOf(chain);
    const afterFirst = opsOf(chain, 2);
    printTable(
      `${chain.title} (ops = ${chain.unit}; medians of ${REPEATS} runs each)`,
      [
        row('local import via Chain.processBlock (baseline)', all, median(localMs)),
        row('local import via Chain.processBlocks, runs of 64', all, median(runsMs)),
        row('sync from a peer in this process, from the dial', all, median(inProcess.map((t) => t.totalMs))),
        row('  the same, from its first block', afterFirst, median(inProcess.map((t) => t.fromFirstMs))),
        row('sync from a `qenex node` process, from the dial', all, median(child.map((t) => t.totalMs))),
        row('  the same, from its first block', afterFirst, median(child.map((t) => t.fromFirstMs))),
        row(
          'sync from two `qenex node` processes at once, from the dials',
          all,
          median(pair.map((t) => t.totalMs)),
        ),
        row('  the same, from its first block', afterFirst, median(pair.map((t) => t.fromFirstMs))),
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
 * Connects `fresh` to the peers at `addrs` and times its sync up to `tip` by its tip events (not
 * by polling): from the dial, and from its first block on (the headers-first start, ~0.2 s of
 * dial, handshake and the first 2,000 headers, excluded). Fails unless it ends on `tip`'s block.
 */
async function timeSync(
  fresh: TestNode,
  addrs: readonly string[],
  tip: { readonly height: number; readonly hash: string },
): Promise<SyncTime> {
  const { height } = tip;
  let first = 0;
  let onTip: (e: { height: number }) => void = () => {};
  const synced = new Promise<void>((resolve) => {
    onTip = (e) => {
      if (first === 0) first = performance.now();
      if (e.height >= height) resolve();
    };
    fresh.node.chain.on('tip', onTip);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sync of ${height} blocks timed out`)), 300_000);
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
  const got = toHex(fresh.node.chain.tip.hash);
  if (got !== tip.hash) throw new Error(`synced to ${got} at height ${height}, not to ${tip.hash}`);
  return { totalMs: done - t0, fromFirstMs: done - first };
}

export async function run(): Promise<void> {
  await syncBench(smallChain);
  await syncBench(mixedChain);
}
