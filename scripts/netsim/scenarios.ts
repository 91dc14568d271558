/**
 * The netsim's scenarios, run one after another on the same network while blocks keep coming:
 *
 *  steady     nothing happens; the baseline.
 *  partition  even and odd nodes are cut apart (open links reset, new ones refused: both halves
 *             keep a seed, and a miner when there are two or more), then healed; the result
 *             records when every node was on one tip again.
 *  churn      every `everyMs` a random `fraction` of the nodes are stopped (SIGTERM) and started
 *             again `downtimeMs` later with the same data dir, bootstrapping from the seeds.
 *  staller    a stalling attacker (staller.ts) connects to the first miner, which alone mines
 *             meanwhile; each second records how far the miner's honest neighbours are behind it.
 */
import type { NetworkParams } from '../../consensus/index.js';
import type { RpcClient } from '../../node/rpc/index.js';
import type { NodePlan, NodeSet } from './nodes.js';
import type { ChainObserver } from './observer.js';
import type { BlockProducer } from './producer.js';
import type { DelayNet } from './proxy.js';
import { Staller, type StallerStats } from './staller.js';
import type { ScenarioSpec } from './types.js';

/** The staller's own loopback address (no node has it). */
export const STALLER_IP = '127.0.3.1';

export interface ScenarioContext {
  readonly plans: readonly NodePlan[];
  readonly nodes: NodeSet;
  readonly net: DelayNet;
  readonly observer: ChainObserver;
  readonly producer: BlockProducer;
  readonly params: NetworkParams;
  readonly random: () => number;
  readonly rpc: (node: number) => RpcClient;
  readonly log: (line: string) => void;
  /** Resolves after `ms`, or early (without throwing) when the run is aborted. */
  sleep(ms: number): Promise<void>;
  readonly signal: AbortSignal;
}

export interface StallerRecord {
  readonly victim: number;
  readonly peerId: string | null;
  readonly stats: StallerStats;
  /** One entry per second: connected to the victim then, and the largest lag of its honest neighbours. */
  readonly samples: ReadonlyArray<{
    readonly t: number;
    readonly connected: boolean;
    readonly maxLag: number | null;
  }>;
  readonly bannedByVictim: boolean;
}

export interface ScenarioRecord {
  readonly name: string;
  readonly spec: ScenarioSpec;
  readonly start: number;
  end: number;
  partition?: { readonly start: number; healAt: number };
  /** First time after the heal with every node running on one tip; null when the watch ended first. */
  healConvergedAt?: number | null;
  /** Open links between the two halves, sampled every 5 s from the heal to the end of the watch. */
  crossLinks?: Array<{ readonly t: number; readonly links: number }>;
  linksRefused?: number;
  restarts?: Array<{ readonly t: number; readonly node: number }>;
  staller?: StallerRecord;
}

/** Partition side of a node. */
export function partitionGroup(node: number): number {
  return node % 2;
}

/** Every running node watched and on one tip? */
export function allOnOneTip(ctx: Pick<ScenarioContext, 'plans' | 'observer'>): boolean {
  let first: string | null = null;
  for (const p of ctx.plans) {
    const tip = ctx.observer.tip(p.index);
    if (!tip) return false;
    first ??= tip.hash;
    if (tip.hash !== first) return false;
  }
  return true;
}

export async function runScenario(
  ctx: ScenarioContext,
  spec: ScenarioSpec,
  name: string,
): Promise<ScenarioRecord> {
  const rec: ScenarioRecord = { name, spec, start: Date.now(), end: 0 };
  ctx.log(`scenario ${name} (${spec.kind}) starts`);
  switch (spec.kind) {
    case 'steady':
      await ctx.sleep(spec.durationMs);
      break;
    case 'partition':
      await partition(ctx, spec, rec);
      break;
    case 'churn':
      await churn(ctx, spec, rec);
      break;
    case 'staller':
      await staller(ctx, spec, rec);
      break;
  }
  rec.end = Date.now();
  ctx.log(`scenario ${name} ends`);
  return rec;
}

async function partition(
  ctx: ScenarioContext,
  spec: Extract<ScenarioSpec, { kind: 'partition' }>,
  rec: ScenarioRecord,
): Promise<void> {
  const ids = new Map(ctx.plans.map((p) => [p.name, p.index]));
  const refusedBefore = ctx.net.stats().linksRefused;
  ctx.net.setPolicy((from, to) => {
    const a = from === null ? undefined : ids.get(from);
    const b = ids.get(to);
    // The attacker and unknown addresses are not part of either half.
    return a === undefined || b === undefined || partitionGroup(a) === partitionGroup(b);
  });
  rec.partition = { start: Date.now(), healAt: Number.POSITIVE_INFINITY };
  ctx.log(`partitioned: ${ctx.plans.filter((p) => partitionGroup(p.index) === 0).length} even | odd nodes`);
  await ctx.sleep(spec.durationMs);
  ctx.net.heal();
  const healAt = Date.now();
  rec.partition.healAt = healAt;
  rec.linksRefused = ctx.net.stats().linksRefused - refusedBefore;
  ctx.log('healed');
  const crossLinks: Array<{ t: number; links: number }> = [];
  rec.crossLinks = crossLinks;
  const countCross = () => {
    let links = 0;
    for (const [from, to] of ctx.net.openLinks()) {
      const a = from === null ? undefined : ids.get(from);
      const b = ids.get(to);
      if (a !== undefined && b !== undefined && partitionGroup(a) !== partitionGroup(b)) links++;
    }
    crossLinks.push({ t: Date.now(), links });
  };
  countCross();
  const crossTimer = setInterval(countCross, 5000);
  try {
    await ctx.observer.waitFor(() => allOnOneTip(ctx), spec.afterMs, 'one tip after the heal');
    rec.healConvergedAt = Date.now();
    ctx.log(`one tip ${((Date.now() - healAt) / 1000).toFixed(1)} s after the heal`);
  } catch {
    rec.healConvergedAt = null;
    ctx.log(`not on one tip within ${spec.afterMs / 1000} s of the heal`);
  }
  await ctx.sleep(Math.max(0, healAt + spec.afterMs - Date.now()));
  clearInterval(crossTimer);
  countCross();
}

async function churn(
  ctx: ScenarioContext,
  spec: Extract<ScenarioSpec, { kind: 'churn' }>,
  rec: ScenarioRecord,
): Promise<void> {
  const restarts: Array<{ t: number; node: number }> = [];
  rec.restarts = restarts;
  const end = Date.now() + spec.durationMs;
  const k = Math.max(1, Math.round(spec.fraction * ctx.plans.length));
  while (Date.now() < end && !ctx.signal.aborted) {
    const roundStart = Date.now();
    const pick = [...ctx.plans.map((p) => p.index)];
    for (let i = pick.length - 1; i > 0; i--) {
      const j = Math.floor(ctx.random() * (i + 1));
      [pick[i], pick[j]] = [pick[j]!, pick[i]!];
    }
    const chosen = pick.slice(0, k).sort((a, b) => a - b);
    ctx.log(`churn: restarting ${chosen.map((i) => ctx.plans[i]!.name).join(' ')}`);
    await Promise.all(
      chosen.map(async (i) => {
        await ctx.nodes.stop(i);
        restarts.push({ t: Date.now(), node: i });
        await ctx.sleep(spec.downtimeMs);
        if (!ctx.signal.aborted) ctx.nodes.start(i);
      }),
    );
    await ctx.sleep(Math.max(0, Math.min(end, roundStart + spec.everyMs) - Date.now()));
  }
}

async function staller(
  ctx: ScenarioContext,
  spec: Extract<ScenarioSpec, { kind: 'staller' }>,
  rec: ScenarioRecord,
): Promise<void> {
  const victim = ctx.plans.find((p) => p.roles.miner);
  if (!victim) throw new RangeError('the staller scenario needs a miner');
  const byPeerId = new Map(ctx.plans.map((p) => [p.peerId, p.index]));
  const attacker = new Staller({ params: ctx.params, ip: STALLER_IP });
  await attacker.start();
  ctx.net.registerSource(STALLER_IP, 'staller');
  attacker.attack(victim.publicAddr);
  ctx.producer.restrict((i) => i === victim.index);
  ctx.log(`staller ${attacker.peerId} attacks ${victim.name}; only ${victim.name} mines`);
  const samples: Array<{ t: number; connected: boolean; maxLag: number | null }> = [];
  let neighbours: number[] = [];
  let lastPeerPoll = 0;
  const end = Date.now() + spec.durationMs;
  try {
    while (Date.now() < end && !ctx.signal.aborted) {
      if (Date.now() - lastPeerPoll >= 5000) {
        lastPeerPoll = Date.now();
        try {
          const peers = await ctx.rpc(victim.index).call<Array<{ peerid: string }>>('getpeerinfo');
          neighbours = peers.flatMap((p) => {
            const i = byPeerId.get(p.peerid);
            return i === undefined ? [] : [i];
          });
        } catch {
          // the victim is busy: keep the last list
        }
      }
      const top = ctx.observer.tip(victim.index)?.height;
      let maxLag: number | null = null;
      for (const n of neighbours) {
        const h = ctx.observer.tip(n)?.height;
        if (top === undefined || h === undefined) continue;
        maxLag = Math.max(maxLag ?? Number.NEGATIVE_INFINITY, top - h);
      }
      samples.push({ t: Date.now(), connected: attacker.connected(), maxLag });
      await ctx.sleep(1000);
    }
  } finally {
    ctx.producer.restrict(null);
    let banned = false;
    try {
      const list = await ctx.rpc(victim.index).call<Array<{ address: string }>>('listbanned');
      banned = list.some((b) => b.address === attacker.peerId);
    } catch {
      // unknown
    }
    rec.staller = {
      victim: victim.index,
      peerId: attacker.peerId,
      stats: attacker.stats(),
      samples,
      bannedByVictim: banned,
    };
    await attacker.stop();
  }
}
