/** Turns a run's records (observer timelines, producer records, samples, final states) into the report. */
import {
  blockPropagation,
  convergedAt,
  minorityIntervals,
  type Partition,
  percentiles,
  staleRate,
  summarizePropagation,
  tipChanges,
  type Window,
} from './metrics.js';
import type { NodePlan } from './nodes.js';
import type { ChainObserver } from './observer.js';
import type { MinedRecord } from './producer.js';
import type { DelayNetStats } from './proxy.js';
import type { FinalRpcCheck } from './run.js';
import type { Sampler } from './sampler.js';
import { partitionGroup, type ScenarioRecord } from './scenarios.js';
import type {
  FinalCheck,
  FinalNodeState,
  MachineSummary,
  NetsimOptions,
  NetsimReport,
  PeerRound,
  PeerSpread,
  ScenarioResult,
  StoredStates,
} from './types.js';

export interface AnalysisInput {
  readonly opts: NetsimOptions;
  readonly t0: number;
  readonly startupMs: number;
  readonly startup: NetsimReport['startup'];
  readonly records: readonly ScenarioRecord[];
  readonly plans: readonly NodePlan[];
  readonly observer: Pick<ChainObserver, 'blocks' | 'arrivals' | 'sessions'>;
  readonly mined: readonly MinedRecord[];
  readonly sampler: Pick<Sampler, 'peers' | 'machine' | 'cpuByNode'>;
  readonly final: FinalRpcCheck | null;
  readonly stored: StoredStates;
  readonly proxy: DelayNetStats;
  readonly unexpectedExits: readonly string[];
  readonly machine: NetsimReport['machine'];
}

const MINORITY_LIMIT_MS = 60_000;

function inWindow(t: number, w: Window): boolean {
  return t >= w.start && t < w.end;
}

function peerSpread(input: AnalysisInput, w: Window): PeerSpread {
  const samples = input.sampler.peers.filter((s) => inWindow(s.t, w));
  if (samples.length === 0) return { samples: 0, min: null, p50: null, max: null, meanSpread: null };
  const counts = samples.map((s) => s.peers.length);
  const p = percentiles(counts);
  const spreads = peerRounds(samples)
    .filter((r) => r.nodes > 1)
    .map((r) => r.max - r.min);
  return {
    samples: samples.length,
    min: Math.min(...counts),
    p50: p.p50,
    max: p.max,
    meanSpread: spreads.length === 0 ? null : round1(spreads.reduce((a, b) => a + b, 0) / spreads.length),
  };
}

/** Sample rounds (one samplePeers() call each) and their peer counts. */
function peerRounds(samples: AnalysisInput['sampler']['peers']): PeerRound[] {
  const byRound = new Map<number, { t: number; counts: number[] }>();
  for (const s of samples) {
    const r = byRound.get(s.round) ?? { t: s.t, counts: [] };
    r.t = Math.min(r.t, s.t);
    r.counts.push(s.peers.length);
    byRound.set(s.round, r);
  }
  return [...byRound.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ t, counts }) => {
      const p = percentiles(counts);
      return { t, nodes: counts.length, min: Math.min(...counts), p50: p.p50 ?? 0, max: p.max ?? 0 };
    });
}

function machineSummary(input: AnalysisInput, w: Window): MachineSummary {
  const ms = input.sampler.machine.filter((m) => inWindow(m.t, w));
  const max = (f: (m: (typeof ms)[number]) => number) => (ms.length === 0 ? null : Math.max(...ms.map(f)));
  const mean = (f: (m: (typeof ms)[number]) => number) =>
    ms.length === 0 ? null : round1(ms.reduce((a, m) => a + f(m), 0) / ms.length);
  return {
    maxNodesRssMiB: max((m) => m.nodesRssMiB),
    maxNodeRssMiB: max((m) => m.maxNodeRssMiB),
    meanNodesCpuCores: mean((m) => m.nodesCpuCores),
    meanDriverCpuCores: mean((m) => m.driverCpuCores),
    maxDriverLoopP99Ms: max((m) => m.driverLoopP99Ms),
    meanMachineBusyCores: mean((m) => m.machineBusyCores),
    meanOtherCores: mean((m) => Math.max(0, m.machineBusyCores - m.nodesCpuCores - m.driverCpuCores)),
    maxLoadAvg1: max((m) => m.loadAvg1),
  };
}

function roleOf(p: NodePlan): string {
  return p.roles.seed ? 'seed' : p.roles.miner ? 'miner' : p.roles.trainer ? 'trainer' : 'plain';
}

function cpuByRole(input: AnalysisInput): NetsimReport['cpu'] {
  const ms = input.sampler.machine;
  const seconds = ms.length < 2 ? 1 : (ms[ms.length - 1]!.t - ms[0]!.t) / 1000;
  const byRole = ['seed', 'miner', 'trainer', 'plain'].map((role) => {
    const nodes = input.plans.filter((p) => roleOf(p) === role);
    const cpu = nodes.reduce((a, p) => a + (input.sampler.cpuByNode.get(p.index) ?? 0), 0);
    return {
      role,
      nodes: nodes.length,
      coresPerNode: nodes.length === 0 ? 0 : Math.round((1000 * cpu) / seconds / nodes.length) / 1000,
      cores: Math.round((100 * cpu) / seconds) / 100,
    };
  });
  const busiest = [...input.sampler.cpuByNode]
    .map(([node, s]) => ({ node, cores: Math.round((1000 * s) / seconds) / 1000 }))
    .sort((a, b) => b.cores - a.cores)
    .slice(0, 5);
  return { byRole, busiest };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function analyse(input: AnalysisInput): NetsimReport {
  const { plans, observer, records } = input;
  const best = new Set(input.stored.chain?.bestChain ?? []);
  const updates = new Set(input.stored.chain?.updateHashes ?? []);
  const partitions: Partition[] = records.flatMap((r) =>
    r.partition ? [{ start: r.partition.start, end: r.partition.healAt, group: partitionGroup }] : [],
  );
  const blocks = blockPropagation({
    nodes: plans.map((p) => p.index),
    blocks: observer.blocks,
    arrivals: observer.arrivals,
    sessions: observer.sessions,
    mined: input.mined,
    partitions,
    bestChain: best,
    graceMs: input.opts.missGraceMs,
  });
  const changes = tipChanges(observer.blocks, observer.sessions);
  const scenarios: ScenarioResult[] = records.map((r) => {
    const w: Window = { start: r.start, end: r.end };
    const mine = blocks.filter((b) => inWindow(b.t0, w));
    const base: ScenarioResult = {
      name: r.name,
      kind: r.name === 'warmup' ? 'warmup' : r.spec.kind,
      start: r.start,
      end: r.end,
      propagation: summarizePropagation(mine),
      plain: summarizePropagation(mine.filter((b) => !updates.has(b.hash))),
      update: summarizePropagation(mine.filter((b) => updates.has(b.hash))),
      stale: staleRate(input.mined, best, w),
      peers: peerSpread(input, w),
      machine: machineSummary(input, w),
    };
    if (r.partition) {
      const healAt = r.partition.healAt;
      const spec = r.spec.kind === 'partition' ? r.spec : null;
      const until = healAt + (spec?.afterMs ?? 0);
      const at = convergedAt(changes, plans.length, healAt, until);
      // The same without the nodes that never had a peer (they cannot converge; reported apart).
      const alone = new Set(
        plans.filter((p) => input.startup.withoutPeer.includes(p.name)).map((p) => p.index),
      );
      const joined = changes.filter((c) => !alone.has(c.node));
      const atJoined = alone.size === 0 ? at : convergedAt(joined, plans.length - alone.size, healAt, until);
      return {
        ...base,
        heal: {
          at: healAt,
          convergedMs: at === null ? null : at - healAt,
          convergedMsWithoutAlone: atJoined === null ? null : atJoined - healAt,
          linksRefused: r.linksRefused ?? 0,
          crossLinks: (r.crossLinks ?? []).map((c) => ({
            s: Math.round((c.t - healAt) / 1000),
            links: c.links,
          })),
        },
      };
    }
    if (r.restarts) {
      const intervals = minorityIntervals(changes, w).sort((a, b) => b.ms - a.ms);
      return {
        ...base,
        churn: {
          restarts: r.restarts.length,
          maxMinorityMs: intervals.length === 0 ? 0 : intervals[0]!.ms,
          minorityOver60s: intervals.filter((x) => x.ms > MINORITY_LIMIT_MS).length,
          longest: intervals.slice(0, 5),
        },
      };
    }
    if (r.staller) {
      const s = r.staller;
      const lags = s.samples.flatMap((x) => (x.maxLag === null ? [] : [x.maxLag]));
      return {
        ...base,
        staller: {
          victim: s.victim,
          stats: s.stats,
          connectedShare:
            s.samples.length === 0 ? 0 : s.samples.filter((x) => x.connected).length / s.samples.length,
          neighbourLag: percentiles(lags),
          maxNeighbourLag: lags.length === 0 ? null : Math.max(...lags),
          bannedByVictim: s.bannedByVictim,
          victimPropagation: summarizePropagation(mine.filter((b) => b.miner === s.victim)),
        },
      };
    }
    return base;
  });
  return {
    startedAt: new Date(input.t0).toISOString(),
    options: input.opts,
    machine: input.machine,
    startupMs: input.startupMs,
    startup: input.startup,
    scenarios,
    final: finalCheck(input),
    proxy: {
      bytesForwarded: input.proxy.bytesForwarded,
      linksOpened: input.proxy.linksOpened,
      maxReleaseLagMs: Math.round(input.proxy.maxReleaseLagMs),
    },
    unexpectedExits: input.unexpectedExits,
    cpu: cpuByRole(input),
    peerSamples: input.sampler.peers.map((s) => ({
      t: s.t,
      node: s.node,
      peers: s.peers.length,
      inbound: s.peers.filter((p) => p.inbound).length,
    })),
    blocks,
    mined: input.mined,
    observed: { blocks: observer.blocks, arrivals: observer.arrivals, sessions: observer.sessions },
    peerRounds: peerRounds(input.sampler.peers),
    machineSamples: input.sampler.machine,
  };
}

function finalCheck(input: AnalysisInput): FinalCheck {
  // Nodes that never had a peer since their start are left out of the comparison (and named).
  const excluded = input.startup.withoutPeer;
  const joined = new Set(input.plans.filter((p) => !excluded.includes(p.name)).map((p) => p.index));
  const states = input.stored.states.filter((s) => joined.has(s.node));
  const all = states.length === joined.size;
  const same = (f: (s: FinalNodeState) => string) => all && new Set(states.map(f)).size === 1;
  const rpcModels = new Set(
    input.final?.info.filter((i) => joined.has(i.node)).map((i) => i.modelhash) ?? [],
  );
  return {
    converged: input.final?.converged ?? false,
    convergeMs: input.final?.convergeMs ?? null,
    tieBreak: input.final?.tieBreak ?? false,
    equalTips: same((s) => s.tip),
    equalUtxo: same((s) => `${s.utxoCount} ${s.utxoHash}`),
    equalModel: same((s) => s.modelHash) && rpcModels.size === 1 && rpcModels.has(states[0]?.modelHash ?? ''),
    height: states[0]?.height ?? null,
    updateBlocks: input.stored.chain?.updateHashes.length ?? 0,
    directLinks: input.final?.directLinks ?? 0,
    excluded,
    nodes: input.stored.states,
  };
}
