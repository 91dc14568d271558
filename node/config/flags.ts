/**
 * The command-line flags as the CLI parser hands them over, and where each lands in the options.
 * Apart from parseArgs.ts, which needs the schema (zod), so that client.ts can read them without it.
 */

/** Flag values as the CLI parser hands them over (camelCase keys, numbers possibly as strings). */
export interface CliFlags {
  network?: string;
  datadir?: string;
  /** Path of the YAML config file. */
  config?: string;
  rpcHost?: string;
  rpcPort?: string | number;
  rpcUser?: string;
  rpcPassword?: string;
  rpcCookie?: boolean;
  rpcWs?: boolean;
  p2pHost?: string;
  p2pPort?: string | number;
  bootstrap?: string[];
  p2pAnnounce?: string[];
  p2pDialFrom?: string;
  maxConnections?: string | number;
  maxConnectionsPerIp?: string | number;
  /** Subnets to exempt; `false` (--no-ban-exempt) exempts none. */
  banExempt?: string[] | false;
  mine?: boolean;
  address?: string;
  miningThreads?: string | number;
  train?: boolean;
  trainCpuShare?: string | number;
  aggregation?: string;
  deltaInterval?: string | number;
  deltaDensity?: string | number;
  shardCount?: string | number;
  shardIndex?: string | number;
  payoutAddress?: string;
  logLevel?: string;
  logPretty?: boolean;
  logFile?: string;
  metrics?: boolean;
  metricsHost?: string;
  metricsPort?: string | number;
  dashboard?: boolean;
}

/** Where each flag lands in the options. */
export const FLAG_TARGETS = {
  network: ['network'],
  datadir: ['datadir'],
  rpcHost: ['rpc', 'host'],
  rpcPort: ['rpc', 'port'],
  rpcUser: ['rpc', 'user'],
  rpcPassword: ['rpc', 'password'],
  rpcCookie: ['rpc', 'cookie'],
  rpcWs: ['rpc', 'ws'],
  p2pHost: ['p2p', 'host'],
  p2pPort: ['p2p', 'port'],
  bootstrap: ['p2p', 'bootstrap'],
  p2pAnnounce: ['p2p', 'announce'],
  p2pDialFrom: ['p2p', 'dialFrom'],
  maxConnections: ['p2p', 'maxConnections'],
  maxConnectionsPerIp: ['p2p', 'maxConnectionsPerIp'],
  banExempt: ['p2p', 'banExempt'],
  mine: ['mining', 'enabled'],
  address: ['mining', 'address'],
  miningThreads: ['mining', 'threads'],
  train: ['training', 'enabled'],
  trainCpuShare: ['training', 'cpuShare'],
  aggregation: ['training', 'aggregation'],
  deltaInterval: ['training', 'deltaIntervalMs'],
  deltaDensity: ['training', 'deltaDensity'],
  shardCount: ['training', 'shardCount'],
  shardIndex: ['training', 'shardIndex'],
  payoutAddress: ['training', 'payoutAddress'],
  logLevel: ['log', 'level'],
  logPretty: ['log', 'pretty'],
  logFile: ['log', 'file'],
  metrics: ['metrics', 'enabled'],
  metricsHost: ['metrics', 'host'],
  metricsPort: ['metrics', 'port'],
  dashboard: ['dashboard', 'enabled'],
} as const satisfies Record<Exclude<keyof CliFlags, 'config'>, readonly [string] | readonly [string, string]>;

export interface ParseEnv {
  /** Home directory for `~` and the default datadir; default `os.homedir()`. */
  homedir?: string;
  /** Base for relative command-line paths; default `process.cwd()`. */
  cwd?: string;
}

/** `rpcPort` → `--rpc-port`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Numeric-looking strings become numbers; anything else stays as typed, for the schema to judge. */
export function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}
