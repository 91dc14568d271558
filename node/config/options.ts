/**
 * Typed node options: the one object the node and its services are configured with, and every
 * default in one place (`defaultNodeOptions`). Produced from flags and the YAML file by
 * `parseArgs()`; core code never reads argv or the environment.
 */
import type { NetworkName, NetworkPorts } from '../../consensus/index.js';
// Leaf modules past their folders' index (docs/architecture.md, "Leaf modules"): every `qenex rpc`
// call builds these defaults, and the indexes would load the consensus rules and the training code.
import { NETWORK_PORTS } from '../../consensus/params/ports.js';
import { DEFAULT_DELTA_DENSITY, type FederationRule } from '../../training/constants.js';
import type { LogLevel } from '../logLevels.js';
import { defaultDatadir } from './datadir.js';

export const NETWORK_NAMES = ['main', 'test', 'devnet'] as const satisfies readonly NetworkName[];

/** Default ports per network: the consensus NetworkParams' defaultRpcPort and defaultP2pPort. */
export const DEFAULT_PORTS: Readonly<Record<NetworkName, NetworkPorts>> = NETWORK_PORTS;

export interface RpcOptions {
  /** Interface the JSON-RPC server listens on (clients connect here too). */
  readonly host: string;
  /** TCP port; 0 picks a free port. */
  readonly port: number;
  /** Fixed credentials; both or neither. */
  readonly user?: string;
  readonly password?: string;
  /** Write a fresh random `<datadir>/.cookie` credential at start (used when user/password are unset). */
  readonly cookie: boolean;
  /** Also accept JSON-RPC over WebSocket (subscriptions). */
  readonly ws: boolean;
}

export interface P2pOptions {
  readonly host: string;
  /** TCP port; 0 picks a free port. */
  readonly port: number;
  /** Multiaddrs of peers to dial at start. */
  readonly bootstrap: readonly string[];
  /** Addresses told to peers instead of the listen address (a port forward, NAT, a proxy); empty: the listen address. */
  readonly announce: readonly string[];
  /** Local IP address outbound peer connections are made from; unset: the OS picks. */
  readonly dialFrom?: string;
  readonly maxConnections: number;
  /** Most connections with one remote IP address. */
  readonly maxConnectionsPerIp: number;
  /** Subnets exempt from the per-address cap and from automatic address bans (empty: none). */
  readonly banExempt: readonly string[];
}

export interface MetricsOptions {
  /** Serve Prometheus metrics at http://host:port/metrics (no authentication: keep it on loopback). */
  readonly enabled: boolean;
  readonly host: string;
  /** TCP port; 0 picks a free port. */
  readonly port: number;
}

export interface DashboardOptions {
  /** Serve the web dashboard on the RPC port under /dashboard (login: `qenex dashboard`). */
  readonly enabled: boolean;
}

export interface MiningOptions {
  readonly enabled: boolean;
  /** Address paid by mined blocks; required when `enabled`. */
  readonly address?: string;
  /** Proof-of-work worker threads. */
  readonly threads: number;
}

export interface MempoolOptions {
  /** Memory budget for pooled transactions, in bytes (serialized size). */
  readonly maxSizeBytes: number;
  /** Minimum relay/accept fee rate, in base units per 1000 bytes. */
  readonly minFeeRate: bigint;
}

export interface LogOptions {
  readonly level: LogLevel;
  /** Human-readable lines instead of JSON. */
  readonly pretty: boolean;
  /** Absolute path of the log file; standard output when unset. */
  readonly file?: string;
}

export interface TrainingOptions {
  /** Run the local trainer and try to produce model improvements. */
  readonly enabled: boolean;
  /** Share of the machine's CPUs the trainer may use, 0..1. */
  readonly cpuShare: number;
  /** Aggregation rule the miner's model updates name (training FEDERATION_RULES). */
  readonly aggregation: FederationRule;
  /** Milliseconds between signed, gossiped deltas. */
  readonly deltaIntervalMs: number;
  /** Share of each weight tensor a signed delta carries (compressed; ≤ the consensus bound). */
  readonly deltaDensity: number;
  /** Slices of the training data; this node's slice is shardIndex, or derived from its peer id. */
  readonly shardCount: number;
  readonly shardIndex?: number;
  /** Address credited for this node's deltas; default mining.address, else the training key's. */
  readonly payoutAddress?: string;
}

export interface NodeOptions {
  readonly network: NetworkName;
  /** Absolute path of the data directory. */
  readonly datadir: string;
  readonly rpc: RpcOptions;
  readonly p2p: P2pOptions;
  readonly mining: MiningOptions;
  readonly mempool: MempoolOptions;
  readonly log: LogOptions;
  readonly training: TrainingOptions;
  readonly metrics: MetricsOptions;
  readonly dashboard: DashboardOptions;
}

export interface DefaultsEnv {
  /** Home directory for the default datadir; default `os.homedir()`. */
  homedir?: string;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * Subnets exempt from address bans and the per-address cap by default: loopback everywhere (nodes
 * on one machine share it); on devnet also the private LAN ranges its nodes and containers share.
 */
export const BAN_EXEMPT: Readonly<Record<NetworkName, readonly string[]>> = Object.freeze({
  main: LOOPBACK,
  test: LOOPBACK,
  devnet: [...LOOPBACK, '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
});

/** Default Prometheus port per network (1000 above the RPC port). */
export const DEFAULT_METRICS_PORTS: Readonly<Record<NetworkName, number>> = Object.freeze({
  main: 9332,
  test: 19332,
  devnet: 19443,
});

/**
 * Every default, for one network; keys in the schema's order (schema.ts), so that options built from
 * the defaults (client.ts) and those parseArgs validates read alike, key order included.
 */
export function defaultNodeOptions(network: NetworkName, env: DefaultsEnv = {}): NodeOptions {
  const ports = DEFAULT_PORTS[network];
  return {
    network,
    datadir: defaultDatadir(network, env.homedir),
    rpc: { host: '127.0.0.1', port: ports.rpc, cookie: true, ws: false },
    p2p: {
      host: '127.0.0.1',
      port: ports.p2p,
      bootstrap: [],
      announce: [],
      maxConnections: 32,
      maxConnectionsPerIp: 4,
      banExempt: BAN_EXEMPT[network],
    },
    mining: { enabled: false, threads: 1 },
    mempool: { maxSizeBytes: 300_000_000, minFeeRate: 1000n },
    log: { level: 'info', pretty: false },
    training: {
      enabled: false,
      cpuShare: 0.5,
      aggregation: 'sparse-mean',
      deltaIntervalMs: 5_000,
      deltaDensity: DEFAULT_DELTA_DENSITY,
      shardCount: 8,
    },
    metrics: { enabled: false, host: '127.0.0.1', port: DEFAULT_METRICS_PORTS[network] },
    dashboard: { enabled: true },
  };
}

/** Freezes options and every object in them (parseArgs's and client.ts's results). */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
