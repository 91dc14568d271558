/**
 * Block propagation on a mesh of MESH `qenex node` processes: the in-process bench's small blocks
 * (propagation.ts) again, with each node's receive, validation, LevelDB write and relay on its own
 * process's thread, as on a network of separate machines (in one process they queue on one thread).
 *
 * The processes are the netsim's (scripts/netsim/nodes.ts NodeSet, without its delaying proxy:
 * loopback, no added latency): devnet, each with its own data dir and P2P key under one temp
 * folder, RPC with a user and a random password, run from the TypeScript sources as the in-process
 * nodes are. They are linked by RPC `addnode … onetry` into the in-process bench's mesh
 * (meshPlan.ts: node i dials i−1 and 7i mod (i−1); a failed dial is tried again, a link that still
 * fails is skipped and a node cut off is linked to the reachable ones), each link once both ends
 * list the other as handshaken in `getpeerinfo`; then GOSSIP_MESH_MS for gossipsub's meshes.
 *
 * Blocks are coinbase-only, mined by RPC `generatetoaddress` (one block) on rotating nodes, at
 * the gaps of propagationTable.ts `pacer`; WARMUP_BLOCKS untimed ones first (each process
 * compiles its block path and starts its PoW thread on its first blocks). Each block is timed
 * from just before the mining call to each node's own `blocks` WebSocket event for it (the
 * netsim's ChainObserver follows every node), using the time the node put in the event
 * (`connectedms`: its clock when it connected the block, sub-millisecond;
 * performance.timeOrigin + performance.now(), the same clock this process reads for the start), so
 * the bench's own delay in receiving the event is not counted; that delay is printed beside.
 * Baseline: the miner's generatetoaddress round trip, as this process sees it.
 *
 * Every process is stopped and the temp folder removed on the way out: after the run, on an error
 * (a node exiting counts as one), and on SIGINT/SIGTERM (which end the run early).
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { QenexError } from '../../consensus/index.js';
import { RpcClient } from '../../node/rpc/index.js';
import { listenAddr, type NodePlan, NodeSet, planNetwork, randomPassword } from '../netsim/nodes.js';
import { type BlockSeen, ChainObserver } from '../netsim/observer.js';
import { cpuSeconds } from '../netsim/sampler.js';
import { median, percentile } from './harness.js';
import { diameter, GOSSIP_MESH_MS, linkMesh, withRetries } from './meshPlan.js';
import {
  MESH,
  type Propagation,
  pacer,
  printPropagation,
  SMALL_BLOCKS,
  WARMUP_BLOCKS,
} from './propagationTable.js';

const START_TIMEOUT_MS = 180_000;
const HANDSHAKE_TIMEOUT_MS = 20_000;
const BLOCK_TIMEOUT_MS = 30_000;
const RPC_TIMEOUT_MS = 60_000;
const BASELINE = 'miner generatetoaddress round trip';

export type ProcMeshErrorType =
  | { code: 'PROCMESH_NODE_DOWN'; node: string }
  | { code: 'PROCMESH_INTERRUPTED'; signal: string }
  | { code: 'PROCMESH_TIMEOUT'; what: string }
  | { code: 'PROCMESH_NO_NODE_CLOCK'; node: number }
  | { code: 'PROCMESH_BAD_OPTION'; option: string };

export class ProcMeshError extends QenexError<ProcMeshErrorType> {}

export interface ProcMeshOptions {
  /** Profile node `node`'s process (`--cpu-prof`, that process only), writing into `dir` when it stops. */
  readonly cpuProf?: { readonly node: number; readonly dir: string };
}

/** One block on the process mesh: the shared result, plus what only the processes show. */
interface ProcPropagation extends Propagation {
  /** The mining call until the miner's own `blocks` event (its mine and connect, without the RPC reply). */
  readonly minerConnectMs: number;
  /** At each other node: its gossip arrival (`gossipblocks` receivedms, whole ms) until it connected the block. */
  readonly receiveToConnectMs: number[];
  /** At each node: the node's `blocks` event stamp until this process received the event (whole ms). */
  readonly observerLagMs: number[];
}

/** The clock the nodes stamp `connectedms` with (node/createNode.ts). */
const wallNow = (): number => performance.timeOrigin + performance.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PeerRow {
  readonly peerid: string;
  /** The peer's best height from its handshake status; -1 before the handshake. */
  readonly synced_blocks: number;
}

export async function processPropagationBench(opts: ProcMeshOptions = {}): Promise<ProcPropagation[]> {
  const prof = opts.cpuProf;
  if (prof && !(Number.isInteger(prof.node) && prof.node >= 0 && prof.node < MESH))
    throw new ProcMeshError(
      { code: 'PROCMESH_BAD_OPTION', option: 'cpuProf.node' },
      `the node to profile must be an index from 0 to ${MESH - 1}`,
    );
  const root = await mkdtemp(join(tmpdir(), 'qenex-bench-procmesh-'));
  const removeRoot = () => {
    try {
      rmSync(root, { recursive: true, force: true });
    } catch {
      // a process killed a moment ago may still be writing: the OS's temp cleaning gets the rest
    }
  };
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) =>
    abort.abort(new ProcMeshError({ code: 'PROCMESH_INTERRUPTED', signal }, `interrupted by ${signal}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const aborted = new Promise<never>((_, reject) => {
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason));
  });
  aborted.catch(() => {});
  /** `p`, or the reason the run was ended (a signal, a node down) as soon as there is one. */
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  let nodes: NodeSet | null = null;
  let observer: ChainObserver | null = null;
  let down: NodePlan | null = null;
  try {
    const plans = await planNetwork({ nodes: MESH, miners: 1, trainers: 0, root });
    const user = 'bench';
    const password = randomPassword();
    const client = (p: NodePlan) =>
      new RpcClient({ url: `http://127.0.0.1:${p.rpcPort}/`, user, password, timeoutMs: RPC_TIMEOUT_MS });
    const clients = plans.map(client);
    const obs = new ChainObserver({
      nodes: plans.map((p) => ({ index: p.index, rpcPort: p.rpcPort })),
      user,
      password,
    });
    observer = obs;
    const set = new NodeSet(
      {
        plans,
        rpcUser: user,
        rpcPassword: password,
        trainCpuShare: 0, // no trainers
        logLevel: 'warn',
        fromSource: true,
        proxied: false,
        ...(prof
          ? {
              nodeFlags: (p: NodePlan) =>
                p.index === prof.node ? ['--cpu-prof', `--cpu-prof-dir=${resolve(prof.dir)}`] : [],
            }
          : {}),
      },
      {
        onExit: (p, code, signal, expected) => {
          if (expected) return;
          down ??= p;
          abort.abort(
            new ProcMeshError(
              { code: 'PROCMESH_NODE_DOWN', node: p.name },
              `${p.name} exited (${signal ?? code})`,
            ),
          );
        },
        onNewPorts: (p) => {
          clients[p.index] = client(p);
          obs.setRpcPort(p.index, p.rpcPort);
        },
        onStartFailed: (e) =>
          abort.abort(new ProcMeshError({ code: 'PROCMESH_NODE_DOWN', node: 'a node' }, e.message)),
      },
    );
    nodes = set;
    // after NodeSet's own hook, which kills the processes left running
    process.on('exit', removeRoot);
    const started = performance.now();
    for (const p of plans) {
      set.start(p.index);
      obs.watch(p.index);
    }
    await guard(
      obs.waitFor(
        () => plans.every((p) => obs.tip(p.index) !== null),
        START_TIMEOUT_MS,
        "every node's RPC WebSocket",
      ),
    );
    const startMs = performance.now() - started;

    const rpc = (i: number) => clients[i]!;
    const handshaken = async (i: number, peerId: string) =>
      (await rpc(i).call<PeerRow[]>('getpeerinfo')).some((r) => r.peerid === peerId && r.synced_blocks >= 0);
    // guarded as a whole: linkMesh skips a link that fails, whatever the reason
    const links = await guard(
      linkMesh(MESH, async (i, j) => {
        const [a, b] = [set.plans[i]!, set.plans[j]!];
        await guard(
          withRetries(() => rpc(i).call('addnode', [listenAddr(b), 'onetry']), `addnode ${i} → ${j}`),
        );
        await until(
          async () => (await handshaken(i, b.peerId)) && (await handshaken(j, a.peerId)),
          HANDSHAKE_TIMEOUT_MS,
          `the handshake of ${i} and ${j}`,
          guard,
        );
      }),
    );
    await guard(sleep(GOSSIP_MESH_MS));
    console.log(
      `\nprocess mesh: ${MESH} \`qenex node\` processes (sources through tsx, devnet, loopback), up in ${(startMs / 1000).toFixed(1)} s; ${links.length} links, at most ${diameter(MESH, links)} hops between two nodes; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );

    const address = plans.find((p) => p.address !== null)!.address!;
    const pace = pacer();
    const mine = async (miner: number): Promise<ProcPropagation> => {
      await guard(pace());
      return propagate(obs, rpc(miner), miner, address, guard);
    };
    for (let k = 0; k < WARMUP_BLOCKS; k++) await mine(k % MESH);
    // the nodes dial peers the DHT tells them of (up to p2p's targetPeers), beyond the mesh's links
    const linkCount = async () =>
      (await guard(Promise.all(plans.map((p) => rpc(p.index).call<PeerRow[]>('getpeerinfo'))))).reduce(
        (n, rows) => n + rows.length,
        0,
      ) / 2;
    const linksBefore = await linkCount();
    const timed: ProcPropagation[] = [];
    const cpuBefore = nodesCpuSeconds(set);
    const timedFrom = performance.now() - started;
    for (let k = 0; k < SMALL_BLOCKS; k++) timed.push(await mine(k % MESH));
    const timedTo = performance.now() - started;
    const cpuAfter = nodesCpuSeconds(set);
    const linksAfter = await linkCount();

    printPropagation(
      `block propagation on the process mesh, ${SMALL_BLOCKS} coinbase-only blocks mined on rotating nodes (after ${WARMUP_BLOCKS} untimed), arrival = each node's own \`blocks\` event stamp`,
      timed,
      BASELINE,
    );
    const line = (what: string, xs: readonly number[]) =>
      console.log(
        `  ${what}: p50 ${median(xs).toFixed(1)} ms, p99 ${percentile(xs, 0.99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (${xs.length})`,
      );
    line(
      "the miner's own connect (its `blocks` event), from the mining call",
      timed.map((p) => p.minerConnectMs),
    );
    // the miner connects the block before it answers: its stamp falls inside the call on this
    // process's clock, unless the two clocks disagree
    const inside = timed.filter((p) => p.minerConnectMs >= 0 && p.minerConnectMs <= p.localMs).length;
    console.log(
      `  clock check: the miner's stamp within its generatetoaddress call for ${inside} of ${timed.length} blocks`,
    );
    line(
      'at a receiving node, gossip arrival (`gossipblocks`, whole ms) → connected',
      timed.flatMap((p) => p.receiveToConnectMs),
    );
    line(
      "this process's receipt of a `blocks` event after the node's stamp (not counted above)",
      timed.flatMap((p) => p.observerLagMs),
    );
    if (cpuBefore !== null && cpuAfter !== null) {
      // everything the node processes did while the timed blocks ran (gossip, validation, storage,
      // status announcements, RPC, timers), per block: what the machine's cores carry per block
      const perBlockMs = ((cpuAfter - cpuBefore) * 1000) / SMALL_BLOCKS;
      console.log(
        `  CPU of the ${MESH} node processes (all threads, /proc) over the timed blocks: ${perBlockMs.toFixed(1)} ms per block (${(perBlockMs / MESH).toFixed(1)} per node), ${(((cpuAfter - cpuBefore) * 1000) / (timedTo - timedFrom)).toFixed(2)} cores on average`,
      );
    }
    console.log(
      `  links: ${links.length} made, ${linksBefore} before the first timed block, ${linksAfter} after the last`,
    );
    console.log(
      `  load average at the end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(
          ' ',
        )}; the timed blocks ran ${(timedFrom / 1000).toFixed(1)}–${(timedTo / 1000).toFixed(1)} s after the nodes were spawned`,
    );
    return timed;
  } catch (err) {
    const d = down as NodePlan | null;
    if (d) console.log(`${d.name}'s log, the end:\n${tail(d.logFile, 30)}`);
    throw err;
  } finally {
    observer?.close();
    await nodes?.stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', removeRoot);
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Mines one block on node `miner` and waits until every node's `blocks` event for it has come in.
 * The events are looked for from before the mining call on, so one that comes before the call's
 * reply (the miner's own, or a fast neighbour's) is counted.
 */
async function propagate(
  obs: ChainObserver,
  rpc: RpcClient,
  miner: number,
  address: string,
  guard: <T>(p: Promise<T>) => Promise<T>,
): Promise<ProcPropagation> {
  const from = obs.blocks.length;
  const t0 = wallNow();
  const [hash] = await guard(rpc.call<string[]>('generatetoaddress', [1, address]));
  const localMs = wallNow() - t0;
  const seen = new Map<number, BlockSeen>();
  const collect = (): boolean => {
    for (let k = from; k < obs.blocks.length; k++) {
      const b = obs.blocks[k]!;
      if (b.hash === hash && !seen.has(b.node)) seen.set(b.node, b);
    }
    return seen.size === MESH;
  };
  try {
    await guard(obs.waitFor(collect, BLOCK_TIMEOUT_MS, `block ${hash}`));
  } catch (err) {
    if (!(err instanceof Error) || err instanceof ProcMeshError) throw err;
    const missing = Array.from({ length: MESH }, (_, i) => i).filter((i) => !seen.has(i));
    throw new ProcMeshError(
      { code: 'PROCMESH_TIMEOUT', what: `block ${hash}` },
      `block ${hash} did not reach nodes ${missing.join(', ')} within ${BLOCK_TIMEOUT_MS} ms`,
    );
  }
  const at = Array.from({ length: MESH }, (_, i) => {
    const b = seen.get(i)!;
    if (b.connectedMs === undefined)
      throw new ProcMeshError(
        { code: 'PROCMESH_NO_NODE_CLOCK', node: i },
        `node ${i}'s \`blocks\` event has no connectedms (a node built before it: run from the sources)`,
      );
    return b.connectedMs;
  });
  const receivedAt = new Map(obs.arrivals.filter((a) => a.hash === hash).map((a) => [a.node, a.t]));
  return {
    hash: hash!,
    toAllMs: Math.max(...at) - t0,
    perNodeMs: at.flatMap((t, i) => (i === miner ? [] : [t - t0])),
    localMs,
    minerConnectMs: at[miner]! - t0,
    receiveToConnectMs: at.flatMap((t, i) => {
      const r = receivedAt.get(i);
      return i === miner || r === undefined ? [] : [t - r];
    }),
    observerLagMs: at.map((t, i) => seen.get(i)!.t - t),
  };
}

/** Polls `pred` every 100 ms until it holds; ProcMeshError after `timeoutMs`. */
async function until(
  pred: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  guard: <T>(p: Promise<T>) => Promise<T>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await guard(pred()))) {
    if (performance.now() > deadline)
      throw new ProcMeshError({ code: 'PROCMESH_TIMEOUT', what }, `${what}: not within ${timeoutMs} ms`);
    await guard(sleep(100));
  }
}

/** The last `lines` lines of a file ('' when it cannot be read). */
function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The node processes' CPU seconds so far, summed; null where /proc cannot tell (not Linux, or a process gone). */
function nodesCpuSeconds(set: NodeSet): number | null {
  let sum = 0;
  for (const pid of set.pids().values()) {
    const c = cpuSeconds(pid);
    if (c === undefined) return null;
    sum += c;
  }
  return sum;
}
