/**
 * Block propagation on a 10-node devnet mesh (real in-process nodes on loopback, LevelDB data
 * dirs, multi-hop paths; mesh.ts): the time from a block's mining call until the last node's
 * chain emits its 'tip' event for it, beside the miner's own mine-and-connect in the same run.
 *  - SMALL_BLOCKS coinbase-only blocks, mined on rotating nodes;
 *  - FULL_BLOCKS blocks of TXS_PER_BLOCK real signed transactions (one input, one output each)
 *    spending coins of the chain the nodes share, mined on rotating nodes.
 * Reported: p50 (harness `median`), p99 and max of the time to all nodes, and p50/p99 over every
 * (block, other node) arrival (propagationTable.ts). `run` then measures the small blocks again on
 * a mesh of node processes (procMesh.ts) and prints both side by side.
 */
import { performance } from 'node:perf_hooks';
import { type Transaction, toHex, txid } from '../../consensus/index.js';
import { keyPair } from '../../test/utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../test/utils/node.js';
import { encodeAddress } from '../../wallet/index.js';
import { median } from './harness.js';
import { buildMesh } from './mesh.js';
import { diameter } from './meshPlan.js';
import { processPropagationBench } from './procMesh.js';
import {
  MESH,
  type Propagation,
  pacer,
  printPropagation,
  printSideBySide,
  SMALL_BLOCKS,
  WARMUP_BLOCKS,
} from './propagationTable.js';
import { coinbaseCoin, expectTxs, fanOut, spendEach, submit } from './spends.js';

/**
 * Few, because relaying each block's transactions first costs ~40 s on the shared 2-core machine
 * (2,000 accepts on each of 10 nodes plus their gossip, all on this process's one thread).
 */
const FULL_BLOCKS = 5;
const TXS_PER_BLOCK = 2000;
/** No node's mempool gained one of the block's transactions for this long: gossip is idle. */
const GOSSIP_IDLE_MS = 1500;

/** What each block's `localMs` is here: the miner's generate call, mining the block and connecting it locally. */
const BASELINE = 'miner mine+connect';

/**
 * Mines one block on `miner` (paying `address`) and waits for every node's 'tip' event for it,
 * timed by the events (no polling). Every tip event is recorded from before the mining call, so
 * one that fires before `generate` resolves (the miner's own, or a fast neighbour's) is counted.
 */
async function propagate(
  nodes: readonly TestNode[],
  miner: TestNode,
  address: string,
  timeoutMs: number,
): Promise<Propagation> {
  const seen = nodes.map(() => new Map<string, number>());
  const arrived: number[] = nodes.map(() => Number.NaN);
  let target: string | undefined;
  let left = nodes.length;
  let allArrived: () => void = () => {};
  const all = new Promise<void>((r) => {
    allArrived = r;
  });
  const settle = (i: number): void => {
    if (!Number.isNaN(arrived[i]!)) return;
    arrived[i] = seen[i]!.get(target!)!;
    if (--left === 0) allArrived();
  };
  const listeners = nodes.map((n, i) => {
    const on = (e: { hash: Uint8Array }): void => {
      const h = toHex(e.hash);
      if (!seen[i]!.has(h)) seen[i]!.set(h, performance.now());
      if (h === target) settle(i);
    };
    n.node.chain.on('tip', on);
    return on;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const t0 = performance.now();
    const [hash] = await miner.node.generate(1, address);
    const localMs = performance.now() - t0;
    target = hash!;
    nodes.forEach((_, i) => {
      if (seen[i]!.has(target!)) settle(i);
    });
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    if ((await Promise.race([all, timeout])) === 'timeout') {
      const missing = nodes.flatMap((_, i) => (Number.isNaN(arrived[i]!) ? [i] : []));
      throw new Error(`block ${target} did not reach nodes ${missing.join(', ')} within ${timeoutMs} ms`);
    }
    const m = nodes.indexOf(miner);
    return {
      hash: target,
      toAllMs: Math.max(...arrived) - t0,
      perNodeMs: arrived.flatMap((t, i) => (i === m ? [] : [t - t0])),
      localMs,
    };
  } finally {
    clearTimeout(timer);
    for (const [i, n] of nodes.entries()) n.node.chain.off('tip', listeners[i]!);
  }
}

/**
 * After the block's transactions went into the miner's mempool, gossip relays them to the other
 * nodes' mempools. Waits until every mempool holds all of them, or until no mempool gained one for
 * GOSSIP_IDLE_MS (gossip idle): gossip admits 200 transactions/s from each peer (burst 1,000,
 * p2p/options.ts `gossipLimits`) and drops the rest unseen, so with 2,000 at once a node may never
 * get them all. Returns how many each node holds.
 */
async function settleMempools(nodes: readonly TestNode[], ids: readonly Uint8Array[]): Promise<number[]> {
  const counts = () => nodes.map((n) => ids.reduce((c, id) => c + (n.node.mempool.has(id) ? 1 : 0), 0));
  let last = counts();
  let since = performance.now();
  const end = since + 120_000;
  while (Math.min(...last) < ids.length) {
    await new Promise((r) => setTimeout(r, 100));
    const now = counts();
    if (now.some((c, i) => c !== last[i])) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= GOSSIP_IDLE_MS) {
      break;
    }
    if (performance.now() > end) throw new Error('transaction gossip did not settle within 120 s');
  }
  return last;
}

/**
 * The in-process bench: the small-block table and the full-block table; returns the small blocks'
 * results (for the side-by-side table of `run`).
 */
export async function propagationBench(): Promise<Propagation[]> {
  const started = performance.now();
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < MESH; i++) nodes.push(await startTestNode());
    const links = await buildMesh(nodes);
    console.log(
      `\nmesh: ${MESH} nodes, ${links.length} links, at most ${diameter(MESH, links)} hops between two nodes`,
    );
    const params = nodes[0]!.node.params;
    // One key receives every coinbase (so the first small blocks also fund the full ones).
    const key = keyPair('bench-net');
    const address = encodeAddress(key.pkh, params);
    const pace = pacer();

    // coinbase-only blocks, after WARMUP_BLOCKS untimed ones
    for (let k = 0; k < WARMUP_BLOCKS; k++) {
      await pace();
      await propagate(nodes, nodes[k % MESH]!, address, 30_000);
    }
    const small: Propagation[] = [];
    const linksBefore = linkCount(nodes);
    const cpuFrom = process.cpuUsage();
    const timedFrom = performance.now();
    for (let k = 0; k < SMALL_BLOCKS; k++) {
      await pace();
      small.push(await propagate(nodes, nodes[k % MESH]!, address, 30_000));
    }
    const smallDone = performance.now();
    const cpu = process.cpuUsage(cpuFrom);
    const linksAfter = linkCount(nodes);
    printPropagation(
      `block propagation, ${SMALL_BLOCKS} coinbase-only blocks mined on rotating nodes (after ${WARMUP_BLOCKS} untimed)`,
      small,
      BASELINE,
    );
    // the nodes dial peers the DHT tells them of (up to p2p's targetPeers), beyond the mesh's links
    console.log(
      `  links: ${links.length} made, ${linksBefore} before the first block, ${linksAfter} after the last`,
    );
    // this process's CPU (every thread: the nodes' own, their PoW and scoring workers, libuv's pool)
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `  CPU of this process over the timed blocks: ${(cpuMs / SMALL_BLOCKS).toFixed(1)} ms per block (${(cpuMs / SMALL_BLOCKS / MESH).toFixed(1)} per node), ${(cpuMs / (smallDone - timedFrom)).toFixed(2)} cores on average`,
    );

    // Full blocks: block b spends the fan-out of the coinbase at height b + 1 (a small block's),
    // mined FULL_BLOCKS to a block once those coinbases are mature (untimed blocks until then).
    const fanHeight = FULL_BLOCKS + params.coinbaseMaturity;
    while (nodes[0]!.node.chain.tip.height + 1 < fanHeight) {
      await pace();
      await propagate(nodes, nodes[0]!, address, 30_000);
    }
    const fans: Transaction[] = [];
    for (let b = 0; b < FULL_BLOCKS; b++) {
      fans.push(fanOut(await coinbaseCoin(nodes[0]!, b + 1, key), TXS_PER_BLOCK, key, params));
    }
    await submit(nodes[0]!, fans);
    await pace();
    const fanBlock = await propagate(nodes, nodes[0]!, address, 60_000);
    await expectTxs(nodes[0]!, fanBlock.hash, FULL_BLOCKS);

    const full: Propagation[] = [];
    const held: number[] = [];
    for (let k = 0; k < FULL_BLOCKS; k++) {
      const txs = spendEach(fans[k]!, key, params);
      const miner = nodes[k % MESH]!;
      await submit(miner, txs);
      // Timed only once the transactions' gossip settled (every mempool holds them all, or
      // gossip went idle: see settleMempools), so that the block does not race their relay.
      held.push(...(await settleMempools(nodes, txs.map(txid))));
      await pace();
      const p = await propagate(nodes, miner, address, 120_000);
      await expectTxs(miner, p.hash, TXS_PER_BLOCK);
      full.push(p);
    }
    printPropagation(
      `block propagation, ${FULL_BLOCKS} blocks of ${TXS_PER_BLOCK.toLocaleString('en-US')} transactions mined on rotating nodes`,
      full,
      BASELINE,
    );
    console.log(
      `  each node's mempool held ${Math.min(...held)}–${Math.max(...held)} (median ${median(held)}) of a block's ${TXS_PER_BLOCK} transactions when it was mined`,
    );
    const end = performance.now();
    console.log(
      `  run time: mesh and ${SMALL_BLOCKS} small blocks ${((smallDone - started) / 1000).toFixed(1)} s, full blocks (funding, signing, gossip, mining) ${((end - smallDone) / 1000).toFixed(1)} s`,
    );
    return small;
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Open links between the nodes (each node's peers, halved). */
function linkCount(nodes: readonly TestNode[]): number {
  return nodes.reduce((n, t) => n + t.node.p2p.peers().length, 0) / 2;
}

/**
 * `npm run bench -- propagation` (and the end of `network`): the in-process bench (all nodes on
 * this process's one thread), then the same small blocks on a mesh of `qenex node` processes
 * (procMesh.ts: each node's work on its own thread, as on separate machines), then the two side
 * by side. BENCH_CPU_PROF_NODE=<i> (with BENCH_CPU_PROF_DIR, default ./bench-profiles) profiles
 * node i's process of the process mesh (--cpu-prof; the profile is written when it stops).
 */
export async function run(): Promise<void> {
  const inProcess = await propagationBench();
  const profNode = process.env.BENCH_CPU_PROF_NODE;
  const processes = await processPropagationBench(
    profNode === undefined
      ? {}
      : { cpuProf: { node: Number(profNode), dir: process.env.BENCH_CPU_PROF_DIR ?? 'bench-profiles' } },
  );
  printSideBySide(`block propagation, ${SMALL_BLOCKS} coinbase-only blocks, side by side`, [
    { label: 'nodes in one process', baseline: `${BASELINE} (in its process)`, blocks: inProcess },
    {
      label: 'a process per node',
      baseline: 'the miner’s generatetoaddress RPC round trip',
      blocks: processes,
    },
  ]);
}
