/**
 * The netsim driver: builds the network (node processes behind the DelayNet), starts block
 * production, runs the scenarios one after another, then stops production, heals everything,
 * waits for one tip and compares every node's final state (tip, model hash, and the UTXO set read
 * from each stopped node's database). Returns the report; `writeReport` (report.ts) writes it.
 *
 * Order: plan → proxy endpoints → seeds → the other nodes in batches (each waits for its RPC) →
 * peers → block production + samplers → warm-up → scenarios → final check → stop everything.
 * A node started again on fresh ports after a port clash (nodes.ts) is followed here: its proxy
 * endpoint, RPC client and observer move to the new ports; one that cannot start fails the start-up.
 * Every process and socket it opened is closed on the way out, on error and on abort too.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, getPriority, setPriority, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { devnetParams, toHex } from '../../consensus/index.js';
import { ChainDb, utxoSnapshotFromDb } from '../../node/db/index.js';
import { RpcClient } from '../../node/rpc/index.js';
import { analyse } from './analysis.js';
import { logTail, type NodePlan, NodeSet, planNetwork, randomPassword } from './nodes.js';
import { ChainObserver } from './observer.js';
import { BlockProducer } from './producer.js';
import { DelayNet } from './proxy.js';
import { mulberry32 } from './random.js';
import { cpuSeconds, Sampler } from './sampler.js';
import { allOnOneTip, runScenario, type ScenarioContext, type ScenarioRecord } from './scenarios.js';
import type { FinalNodeState, NetsimOptions, NetsimReport, StoredChain, StoredStates } from './types.js';

export interface NetsimDeps {
  readonly log: (line: string) => void;
  /** Aborting ends the current scenario early and goes to the final check. */
  readonly signal?: AbortSignal;
}

const RPC_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 180_000;
/** Lines of a node's log quoted when it fails to come up. */
const LOG_TAIL_LINES = 12;
/** Longest wait for one tip everywhere before a scenario starts (it starts anyway after it). */
const SETTLE_TIMEOUT_MS = 60_000;

export async function runNetsim(opts: NetsimOptions, deps: NetsimDeps): Promise<NetsimReport> {
  const { log } = deps;
  const signal = deps.signal ?? new AbortController().signal;
  const random = mulberry32(opts.seed);
  const t0 = Date.now();
  rmSync(opts.root, { recursive: true, force: true });
  const planned = await planNetwork({
    nodes: opts.nodes,
    miners: opts.miners,
    trainers: opts.trainers,
    root: opts.root,
  });
  const user = 'netsim';
  const password = randomPassword();
  const unexpectedExits: string[] = [];
  const net = new DelayNet({ latency: opts.latency }, { random, log });
  const observer = new ChainObserver({
    nodes: planned.map((p) => ({ index: p.index, rpcPort: p.rpcPort })),
    user,
    password,
  });
  const rpcClient = (p: NodePlan) =>
    new RpcClient({ url: `http://127.0.0.1:${p.rpcPort}/`, user, password, timeoutMs: RPC_TIMEOUT_MS });
  const clients = planned.map(rpcClient);
  const startFailed = new AbortController();
  let starting = true;
  const nodes = new NodeSet(
    {
      plans: planned,
      rpcUser: user,
      rpcPassword: password,
      trainCpuShare: opts.trainCpuShare,
      fromSource: opts.fromSource,
      logLevel: opts.nodeLogLevel,
      nice: opts.nodeNice,
    },
    {
      onExit: (p, code, sig, expected) => {
        if (expected) return;
        const msg = `${p.name} exited unexpectedly (${sig ?? code}) at ${((Date.now() - t0) / 1000).toFixed(0)} s; see ${p.logFile}`;
        unexpectedExits.push(msg);
        log(msg);
        // During start-up nobody restarts it: waiting for its RPC would only time out.
        if (starting) startFailed.abort(new Error(`${msg}\n${indent(logTail(p.logFile, LOG_TAIL_LINES))}`));
      },
      onNewPorts: (p, clash) => {
        log(
          `${p.name}: its ${clash.listener} port ${clash.port} was taken before it could listen; starting it again (P2P ${p.privatePort}, RPC ${p.rpcPort})`,
        );
        net.setPrivatePort(p.name, p.privatePort);
        clients[p.index] = rpcClient(p);
        observer.setRpcPort(p.index, p.rpcPort);
      },
      onStartFailed: (error) => {
        log(error.message);
        startFailed.abort(error);
      },
    },
  );
  // The nodes' plans as they run: a node started again on fresh ports has a new entry.
  const plans = nodes.plans;
  const rpc = (i: number) => clients[i]!;
  const live = (i: number) => nodes.isRunning(i) && observer.tip(i) !== null;
  const producer = new BlockProducer(
    { spacingMs: opts.spacingMs },
    {
      random,
      log,
      miners: () =>
        plans
          .filter((p) => p.roles.miner && p.address !== null && live(p.index))
          .map((p) => ({
            index: p.index,
            address: p.address!,
            rpc: rpc(p.index),
          })),
    },
  );
  const sampler = new Sampler({
    clients: () => plans.filter((p) => live(p.index)).map((p) => ({ node: p.index, rpc: rpc(p.index) })),
    pids: () => nodes.pids(),
  });
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);
  const ctx: ScenarioContext = {
    plans,
    nodes,
    net,
    observer,
    producer,
    params: devnetParams,
    random,
    rpc,
    log,
    sleep: pause,
    signal,
  };
  const records: ScenarioRecord[] = [];
  const timers: Array<ReturnType<typeof setInterval>> = [];
  let startupMs = 0;
  // The proxy stands for the network, not for a program on the machine: it should not wait behind
  // busy nodes. The nodes run at nice +nodeNice relative to the driver; as root the driver also
  // raises itself by as much, so that the nodes keep the priority of everything else here.
  const callerNice = getPriority();
  try {
    setPriority(Math.max(-20, callerNice - opts.nodeNice));
  } catch {
    // not permitted: the nodes are lowered instead
  }
  const driverNice = getPriority();
  const startup = { withoutPeer: [] as string[], fewPeers: [] as string[] };
  let final: Awaited<ReturnType<typeof finalCheck>> | null = null;
  try {
    for (const p of plans) {
      await net.addEndpoint({ id: p.name, ip: p.ip, privatePort: p.privatePort, publicPort: p.publicPort });
    }
    startup.withoutPeer = await startNodes(ctx, sampler, opts.startBatch, startFailed.signal);
    starting = false;
    startup.fewPeers = await waitForPeers(ctx, sampler, Math.min(3, plans.length - 1));
    startupMs = Date.now() - t0;
    log(`network up after ${(startupMs / 1000).toFixed(0)} s`);
    timers.push(
      setInterval(() => void sampler.samplePeers(), opts.sampleEveryMs),
      setInterval(() => sampler.sampleMachine(), Math.max(1000, opts.sampleEveryMs / 2)),
    );
    sampler.sampleMachine();
    producer.start();
    const warmup: ScenarioRecord = {
      name: 'warmup',
      spec: { kind: 'steady', durationMs: opts.warmupMs },
      start: Date.now(),
      end: 0,
    };
    await pause(opts.warmupMs);
    warmup.end = Date.now();
    records.push(warmup);
    const counts = new Map<string, number>();
    for (const spec of opts.scenarios) {
      if (signal.aborted) break;
      await observer
        .waitFor(() => plans.every((p) => observer.tip(p.index) !== null), READY_TIMEOUT_MS, 'every node up')
        .catch((e: Error) => log(e.message));
      // and settled: a scenario measures its own effect, not the one before it (a node churn
      // restarted a minute ago may still be syncing when the staller scenario starts)
      const settling = Date.now();
      await observer
        .waitFor(() => allOnOneTip(ctx), SETTLE_TIMEOUT_MS, 'one tip before the scenario')
        .then(() => log(`one tip everywhere after ${((Date.now() - settling) / 1000).toFixed(1)} s`))
        .catch((e: Error) => log(`${e.message}: the scenario starts anyway`));
      const n = (counts.get(spec.kind) ?? 0) + 1;
      counts.set(spec.kind, n);
      const name =
        opts.scenarios.filter((s) => s.kind === spec.kind).length > 1 ? `${spec.kind}-${n}` : spec.kind;
      records.push(await runScenario(ctx, spec, name));
    }
    await producer.stop();
    net.heal();
    final = await finalCheck(ctx, opts, sampler, startup.withoutPeer);
  } finally {
    for (const t of timers) clearInterval(t);
    await producer.stop();
    observer.close();
    await nodes.stopAll();
    await net.close();
    sampler.close();
    try {
      setPriority(callerNice);
    } catch {
      // lowering back is always permitted; nothing else to do
    }
  }
  const stored = final ? await readFinalStates(plans) : { states: [], chain: null };
  const report = analyse({
    opts,
    t0,
    startupMs,
    startup: { ...startup, driverNice, nodeNice: driverNice + nodes.nice },
    records,
    plans,
    observer,
    mined: producer.mined,
    sampler,
    final,
    stored,
    proxy: net.stats(),
    unexpectedExits,
    machine: { cpus: cpus().length, memMiB: Math.round(totalmem() / 2 ** 20), node: process.version },
  });
  return report;
}

/**
 * Seeds first, then the others `batch` at a time, each batch waiting until its RPC sessions are
 * up and then (up to a minute) until each of its nodes has a peer. Returns the nodes still without
 * one (a node does not retry its bootstrap dials: such a node stays alone; docs/netsim.md).
 * Throws the reason as soon as `failed` aborts (a node could not start).
 */
async function startNodes(
  ctx: ScenarioContext,
  sampler: Sampler,
  batch: number,
  failed: AbortSignal,
): Promise<string[]> {
  const alone: string[] = [];
  const order = [...ctx.plans];
  for (let i = 0; i < order.length; ) {
    const size = i === 0 ? order.filter((p) => p.roles.seed).length : Math.max(1, batch);
    const group = order.slice(i, i + size);
    i += size;
    for (const p of group) {
      ctx.nodes.start(p.index);
      ctx.observer.watch(p.index);
    }
    await ctx.observer
      .waitFor(
        () => failed.aborted || group.every((p) => ctx.observer.tip(p.index) !== null),
        READY_TIMEOUT_MS,
        `RPC of ${group.map((p) => p.name).join(', ')}`,
      )
      .catch((e: Error) => {
        throw new Error(`${e.message}\n${notUp(ctx, group).join('\n')}`);
      });
    failed.throwIfAborted();
    const deadline = Date.now() + 60_000;
    let without = group;
    while (without.length > 0 && Date.now() < deadline && !ctx.signal.aborted) {
      await ctx.sleep(1000);
      const got = await sampler.samplePeers(without.map((p) => p.index));
      without = without.filter((p) => (got.find((s) => s.node === p.index)?.peers.length ?? 0) === 0);
    }
    alone.push(...without.map((p) => p.name));
    ctx.log(
      `started ${group.map((p) => p.name).join(' ')}${without.length > 0 ? `; WITHOUT A PEER after a minute: ${without.map((p) => p.name).join(' ')}` : ''}`,
    );
  }
  return alone;
}

/** For each node of `group` whose RPC session is not up: whether its process runs, its CPU time, its log's last lines. */
function notUp(ctx: ScenarioContext, group: readonly NodePlan[]): string[] {
  return group
    .filter((p) => ctx.observer.tip(p.index) === null)
    .map((p) => {
      const pid = ctx.nodes.pid(p.index);
      const cpu = pid === undefined ? undefined : cpuSeconds(pid);
      const state =
        pid === undefined
          ? 'not running'
          : `running (pid ${pid}, ${cpu === undefined ? '?' : cpu.toFixed(1)} s CPU)`;
      return `${p.name} has no RPC session: ${state}; ${p.logFile} ends:\n${indent(logTail(p.logFile, LOG_TAIL_LINES))}`;
    });
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

/** Waits (up to two minutes) until every node has at least `min` peers; returns those that have fewer. */
async function waitForPeers(ctx: ScenarioContext, sampler: Sampler, min: number): Promise<string[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const got = await sampler.samplePeers();
    const short = ctx.plans.filter((p) => (got.find((s) => s.node === p.index)?.peers.length ?? 0) < min);
    if (short.length === 0) return [];
    if (Date.now() > deadline || ctx.signal.aborted) {
      ctx.log(`still below ${min} peers after two minutes: ${short.map((p) => p.name).join(' ')}`);
      return short.map((p) => p.name);
    }
    await ctx.sleep(2000);
  }
}

export interface FinalRpcCheck {
  readonly converged: boolean;
  readonly convergeMs: number | null;
  /** The tips were still split halfway through the wait, and one more block was mined. */
  readonly tieBreak: boolean;
  readonly info: ReadonlyArray<{
    readonly node: number;
    readonly modelhash: string;
    readonly bestblockhash: string;
  }>;
  readonly directLinks: number;
}

/** With production stopped and the network healed: one tip everywhere (or the timeout), each node's RPC view, direct links. */
async function finalCheck(
  ctx: ScenarioContext,
  opts: NetsimOptions,
  sampler: Sampler,
  alone: readonly string[],
): Promise<FinalRpcCheck> {
  for (const p of ctx.plans) if (!ctx.nodes.isRunning(p.index)) ctx.nodes.start(p.index);
  const start = Date.now();
  // Nodes that never had a peer cannot converge: they are left out here and named in the report.
  const joined = ctx.plans.filter((p) => !alone.includes(p.name));
  const oneTip = (ms: number): Promise<boolean> =>
    ctx.observer
      .waitFor(() => allOnOneTip({ plans: joined, observer: ctx.observer }), ms, 'one tip at the end')
      .then(
        () => true,
        () => false,
      );
  let converged = await oneTip(opts.finalTimeoutMs / 2);
  // Two blocks of equal weight at the top (a race just before production stopped) stay split
  // until the next block, as on any network: a miner mines it, and the wait goes on.
  let tieBreak = false;
  const miner = ctx.plans.find((p) => p.roles.miner && p.address && ctx.nodes.isRunning(p.index));
  if (!converged && miner) {
    ctx.log('final: not on one tip; one more block to end a tie');
    tieBreak = true;
    try {
      await ctx.rpc(miner.index).call('generatetoaddress', [1, miner.address]);
    } catch (e) {
      ctx.log(`final: the tie-break block failed: ${(e as Error).message}`);
    }
    converged = await oneTip(opts.finalTimeoutMs / 2);
  }
  const convergeMs = converged ? Date.now() - start : null;
  ctx.log(converged ? `final: one tip after ${convergeMs} ms` : 'final: NOT on one tip');
  const info = await Promise.all(
    ctx.plans.map(async (p) => {
      const r = await ctx
        .rpc(p.index)
        .call<{ modelhash: string; bestblockhash: string }>('getblockchaininfo');
      return { node: p.index, modelhash: r.modelhash, bestblockhash: r.bestblockhash };
    }),
  );
  // Every outbound link must go through a proxy port (the announced address), never a private one.
  const privatePorts = new Set(ctx.plans.map((p) => `${p.ip}:${p.privatePort}`));
  let directLinks = 0;
  for (const s of await sampler.samplePeers()) {
    for (const peer of s.peers) {
      if (peer.inbound) continue;
      for (const a of peer.addrs) {
        const m = /\/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(a);
        if (m && privatePorts.has(`${m[1]}:${m[2]}`)) directLinks++;
      }
    }
  }
  return { converged, convergeMs, tieBreak, info, directLinks };
}

/** Each stopped node's database: tip, model hash, issued, and a hash of its whole UTXO set; node 0's best chain. */
async function readFinalStates(plans: readonly NodePlan[]): Promise<StoredStates> {
  const states: FinalNodeState[] = [];
  let chain: StoredChain | null = null;
  for (const p of plans) {
    const db = new ChainDb({ backend: 'level', path: `${p.dir}/chain` });
    await db.open();
    try {
      const state = await db.getChainState();
      if (!state) continue;
      const entry = await db.getEntry(state.tipHash);
      const h = createHash('sha256');
      const snap = await utxoSnapshotFromDb(db);
      for (const [key, c] of snap) {
        h.update(`${key} ${c.height} ${c.coinbase ? 1 : 0} ${c.value} ${toHex(c.pubKeyHash)}\n`);
      }
      states.push({
        node: p.index,
        tip: toHex(state.tipHash),
        height: state.height,
        modelHash: entry ? toHex(entry.modelHash) : '',
        utxoCount: snap.length,
        utxoHash: h.digest('hex'),
        issued: state.issued.toString(),
      });
      if (chain === null) {
        const bestChain: string[] = [];
        const updateHashes: string[] = [];
        for (let height = 0; height <= state.height; height++) {
          const hash = await db.getHashByHeight(height);
          if (!hash) break;
          bestChain.push(toHex(hash));
          if (((await db.getEntry(hash))?.improvementPpm ?? 0) > 0) updateHashes.push(toHex(hash));
        }
        chain = { bestChain, updateHashes };
      }
    } finally {
      await db.close();
    }
  }
  return { states, chain };
}
