/** Options and results of a netsim run. */
import type {
  BlockPropagation,
  MinorityInterval,
  Percentiles,
  PropagationSummary,
  StaleSummary,
} from './metrics.js';
import type { BlockArrival, BlockSeen, Session } from './observer.js';
import type { MinedRecord } from './producer.js';
import type { LinkLatency } from './proxy.js';
import type { MachineSample } from './sampler.js';
import type { StallerStats } from './staller.js';

export type ScenarioSpec =
  /** The network as it is. */
  | { readonly kind: 'steady'; readonly durationMs: number }
  /**
   * Two halves (even and odd node indices) cut apart for `durationMs` (open links cut, new ones
   * refused), then healed and watched for `afterMs`.
   */
  | { readonly kind: 'partition'; readonly durationMs: number; readonly afterMs: number }
  /** Every `everyMs`, `fraction` of the nodes (at random) are stopped and started again after `downtimeMs`. */
  | {
      readonly kind: 'churn';
      readonly durationMs: number;
      readonly everyMs: number;
      readonly fraction: number;
      readonly downtimeMs: number;
    }
  /** A stalling attacker connects to the first miner, which alone mines meanwhile. */
  | { readonly kind: 'staller'; readonly durationMs: number };

export type ScenarioKind = ScenarioSpec['kind'];

export interface NetsimOptions {
  readonly nodes: number;
  readonly miners: number;
  readonly trainers: number;
  /** Mean block spacing (Poisson), ms. */
  readonly spacingMs: number;
  readonly latency: LinkLatency;
  /** Run before the scenarios (not a scenario of its own: its blocks are labelled 'warmup'). */
  readonly warmupMs: number;
  readonly scenarios: readonly ScenarioSpec[];
  /** Data dir root (emptied first). */
  readonly root: string;
  /** Where CSV/JSON/SVG go; null: nowhere. */
  readonly outDir: string | null;
  /** Share of one core each trainer may use. */
  readonly trainCpuShare: number;
  /**
   * How far below the driver the nodes run (nice(1) increment; 0: same priority). The proxy stands
   * for the network, not for a program on the machine: it should not wait behind busy nodes. As
   * root the driver raises itself by as much instead, so the nodes keep the machine's usual
   * priority.
   */
  readonly nodeNice: number;
  /** The nodes' log level (their logs: <root>/n<i>/node.log). */
  readonly nodeLogLevel: string;
  /** Run the nodes from the TypeScript sources (tsx) rather than dist/. */
  readonly fromSource: boolean;
  /** Nodes started at once (each waits for its RPC before the next batch). */
  readonly startBatch: number;
  /** Peer samples every this long (machine samples every half of it). */
  readonly sampleEveryMs: number;
  /** A node without a block this long after it was mined (while running) has missed it. */
  readonly missGraceMs: number;
  /** How long the end waits for every node to reach one tip. */
  readonly finalTimeoutMs: number;
  /** Seed of the run's random choices (latency draws, block finders, churn picks). */
  readonly seed: number;
}

export interface PeerSpread {
  readonly samples: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly max: number | null;
  /** Mean over sample rounds of (max − min) peers across nodes. */
  readonly meanSpread: number | null;
}

export interface MachineSummary {
  readonly maxNodesRssMiB: number | null;
  readonly maxNodeRssMiB: number | null;
  readonly meanNodesCpuCores: number | null;
  readonly meanDriverCpuCores: number | null;
  readonly maxDriverLoopP99Ms: number | null;
  /** Mean busy CPU of the whole machine: what the nodes and driver do not account for ran beside them. */
  readonly meanMachineBusyCores: number | null;
  /**
   * What else ran: busy CPU the nodes and the driver do not account for (the nodes' tsx/esbuild
   * helpers, the kernel's loopback TCP, and any other work on a shared machine).
   */
  readonly meanOtherCores: number | null;
  readonly maxLoadAvg1: number | null;
}

export interface ScenarioResult {
  readonly name: string;
  readonly kind: ScenarioKind | 'warmup';
  readonly start: number;
  readonly end: number;
  readonly propagation: PropagationSummary;
  /** Blocks without a model update (and stale blocks, whose content the end does not read). */
  readonly plain: PropagationSummary;
  /** Best-chain blocks with a model update: every node re-scores the model before relaying. */
  readonly update: PropagationSummary;
  readonly stale: StaleSummary;
  readonly peers: PeerSpread;
  readonly machine: MachineSummary;
  /** partition: when it healed and how long until every node was on one tip (null: not within the watch). */
  readonly heal?: {
    readonly at: number;
    readonly convergedMs: number | null;
    /** The same over the nodes that had a peer after start (startup.withoutPeer left out). */
    readonly convergedMsWithoutAlone: number | null;
    readonly linksRefused: number;
    /** Open links between the halves after the heal (seconds after it, count). */
    readonly crossLinks: ReadonlyArray<{ readonly s: number; readonly links: number }>;
  };
  /** churn: restarts, and the longest time a running node held a minority tip. */
  readonly churn?: {
    readonly restarts: number;
    readonly maxMinorityMs: number | null;
    readonly minorityOver60s: number;
    readonly longest: readonly MinorityInterval[];
  };
  /** staller: what the attacker saw and how far the victim's honest neighbours fell behind it. */
  readonly staller?: {
    readonly victim: number;
    readonly stats: StallerStats;
    readonly connectedShare: number;
    readonly neighbourLag: Percentiles;
    readonly maxNeighbourLag: number | null;
    readonly bannedByVictim: boolean;
    readonly victimPropagation: PropagationSummary;
  };
}

export interface FinalNodeState {
  readonly node: number;
  readonly tip: string;
  readonly height: number;
  readonly modelHash: string;
  readonly utxoCount: number;
  readonly utxoHash: string;
  readonly issued: string;
}

/** The best chain as a stopped node's database holds it. */
export interface StoredChain {
  readonly bestChain: readonly string[];
  /** Best-chain blocks that carried a verified model update. */
  readonly updateHashes: readonly string[];
}

export interface StoredStates {
  readonly states: readonly FinalNodeState[];
  /** Node 0's (null when no database could be read). */
  readonly chain: StoredChain | null;
}

export interface FinalCheck {
  readonly converged: boolean;
  readonly convergeMs: number | null;
  /** One more block was mined to end a tie at the top (run.ts finalCheck). */
  readonly tieBreak: boolean;
  readonly equalTips: boolean;
  readonly equalUtxo: boolean;
  readonly equalModel: boolean;
  readonly height: number | null;
  /** Best-chain blocks that carried a verified model update. */
  readonly updateBlocks: number;
  /** Outbound peer links that reached a node's private port (bypassing the proxy): must be 0. */
  readonly directLinks: number;
  /** Nodes without any peer since their start: left out of the checks above (they cannot converge). */
  readonly excluded: readonly string[];
  /** Every node's state (the excluded ones too). */
  readonly nodes: readonly FinalNodeState[];
}

export interface NetsimReport {
  readonly startedAt: string;
  readonly options: NetsimOptions;
  readonly machine: { readonly cpus: number; readonly memMiB: number; readonly node: string };
  readonly startupMs: number;
  readonly startup: {
    /** Nodes still without any peer a minute after their RPC came up. */
    readonly withoutPeer: readonly string[];
    /** Nodes with fewer than 3 peers two minutes after the last one started. */
    readonly fewPeers: readonly string[];
    /** The driver's nice value (raised when permitted) and the nodes'. */
    readonly driverNice: number;
    readonly nodeNice: number;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly final: FinalCheck;
  readonly proxy: {
    readonly bytesForwarded: number;
    readonly linksOpened: number;
    readonly maxReleaseLagMs: number;
  };
  readonly unexpectedExits: readonly string[];
  /** CPU by role over the run (mean cores per node of the role, and in all), and the busiest nodes. */
  readonly cpu: {
    readonly byRole: ReadonlyArray<{
      readonly role: string;
      readonly nodes: number;
      readonly coresPerNode: number;
      readonly cores: number;
    }>;
    readonly busiest: ReadonlyArray<{ readonly node: number; readonly cores: number }>;
  };
  /** Every peer sample (getpeerinfo of every node, every sampleEveryMs). */
  readonly peerSamples: ReadonlyArray<{
    readonly t: number;
    readonly node: number;
    readonly peers: number;
    readonly inbound: number;
  }>;
  readonly blocks: readonly BlockPropagation[];
  /** Every generatetoaddress call the producer made. */
  readonly mined: readonly MinedRecord[];
  /**
   * What the observer saw: every block connect, every gossip arrival and every session (process
   * run) of every node.
   */
  readonly observed: {
    readonly blocks: readonly BlockSeen[];
    readonly arrivals: readonly BlockArrival[];
    readonly sessions: readonly Session[];
  };
  /** Peer counts across the nodes, per sample round. */
  readonly peerRounds: readonly PeerRound[];
  readonly machineSamples: readonly MachineSample[];
}

export interface PeerRound {
  readonly t: number;
  readonly nodes: number;
  readonly min: number;
  readonly p50: number;
  readonly max: number;
}
