/**
 * Zod schemas for the options (all objects strict: an unknown key is an error naming its path),
 * with one description per key; `renderDefaultConfig()` prints those descriptions.
 */
import { z } from 'zod';
// A leaf module past the training index (docs/architecture.md, "Leaf modules"): checking a config
// file need not load the training code.
import { FEDERATION_RULES, MAX_CONTRIBUTION_DENSITY } from '../../training/constants.js';
import { LOG_LEVELS } from '../logLevels.js';
import type { ConfigIssue } from './errors.js';
import { NETWORK_NAMES } from './options.js';

/** How a rejected value is shown in messages. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null (empty)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

/** Error customisation: every failure of the schema (type or check) reads `expected X, got Y`. */
function expect(what: string): { error: (iss: { input?: unknown }) => string } {
  return { error: (iss) => `expected ${what}, got ${showValue(iss.input)}` };
}

function section<S extends z.ZodRawShape>(shape: S) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key (allowed here: ${keys})`
        : `expected a mapping (key: value lines), got ${showValue(iss.input)}`,
  });
}

const intRange = (min: number, max: number, what = `integer ${min}..${max}`) =>
  z.number(expect(what)).int().min(min).max(max);
const bool = () => z.boolean(expect('true or false'));
const text = (what: string) => z.string(expect(what)).min(1);

const portDoc = (which: string) => `${which} TCP port; 0 picks a free one. Default per network: `;

const rpcSection = section({
  host: text('a host name or IP address').describe(
    'Interface the JSON-RPC server listens on; keep 127.0.0.1 unless you firewall it.',
  ),
  port: intRange(0, 65535).describe(`${portDoc('JSON-RPC')}main 8332, test 18332, devnet 18443.`),
  user: text('a user name').optional().describe('Fixed RPC user name (set together with password).'),
  password: text('a password').optional().describe('Fixed RPC password (set together with user).'),
  cookie: bool().describe(
    'Write a random credential to <datadir>/.cookie at start; `qenex rpc` reads it. Used when user/password are unset.',
  ),
  ws: bool().describe('Also serve JSON-RPC over WebSocket on the same port (subscriptions).'),
});

const p2pSection = section({
  host: text('a host name or IP address').describe(
    'Interface to accept peer connections on; 0.0.0.0 to accept them from other machines.',
  ),
  port: intRange(0, 65535).describe(`${portDoc('Peer-to-peer')}main 8333, test 18333, devnet 18444.`),
  bootstrap: z
    .array(text('a multiaddr string'), expect('a list of multiaddr strings'))
    .describe('Peers to dial at start, as multiaddrs (/ip4/1.2.3.4/tcp/18444/p2p/<peer id>).'),
  // Checked as multiaddrs by p2p when the node starts.
  announce: z
    .array(text('a multiaddr string'), expect('a list of multiaddr strings'))
    .describe(
      'Addresses peers and the DHT are told instead of the listen address, as multiaddrs without ' +
        '/p2p (/ip4/1.2.3.4/tcp/18444): where others reach this node when that is not where it ' +
        'listens (a port forward, NAT, a proxy). [] announces the listen address.',
    ),
  dialFrom: z
    .union([z.ipv4(), z.ipv6()], expect('an IPv4 or IPv6 address'))
    .optional()
    .describe(
      'Local IP address outbound peer connections are made from (a host with several); default: the OS picks.',
    ),
  maxConnections: intRange(0, 10_000).describe('Most peer connections kept open.'),
  maxConnectionsPerIp: intRange(1, 10_000).describe(
    'Most connections with one remote IP address; inbound ones beyond it are refused.',
  ),
  // Checked as subnets by p2p when the node starts (as bootstrap multiaddrs are).
  banExempt: z
    .array(text('a subnet such as 10.0.0.0/8'), expect('a list of subnets (ip/prefix)'))
    .describe(
      'Subnets (ip/prefix) exempt from the per-address connection cap and from the address bans that ' +
        'come with banning a misbehaving peer (its address and /24 or /48). [] exempts nothing. ' +
        'Default: loopback; on devnet also the private LAN ranges.',
    ),
});

const miningSection = section({
  enabled: bool().describe('Mine blocks (proof of work, plus model updates when training is on).'),
  address: text('an address').optional().describe('Address paid by mined blocks; required when enabled.'),
  threads: intRange(1, 1024).describe('Proof-of-work worker threads.'),
});

const feeRate = z
  .union([z.number().int().min(0), z.string().regex(/^\d+$/), z.bigint().min(0n)], {
    error: (iss) =>
      `expected a non-negative integer (base units per 1000 bytes), got ${showValue(iss.input)}`,
  })
  .transform((v) => BigInt(v));

const mempoolSection = section({
  maxSizeBytes: intRange(1, Number.MAX_SAFE_INTEGER, 'a positive integer (bytes)').describe(
    'Memory budget of the transaction pool, in bytes of serialized transactions.',
  ),
  minFeeRate: feeRate.describe('Lowest fee rate accepted and relayed, in base units per 1000 bytes.'),
});

const logSection = section({
  level: z
    .enum(LOG_LEVELS, expect(`one of ${LOG_LEVELS.join(', ')}`))
    .describe(`Least severe level written: ${LOG_LEVELS.join(', ')}.`),
  pretty: bool().describe('One human-readable line per record instead of JSON lines.'),
  file: text('a file path')
    .optional()
    .describe(
      'Write log lines to this file (appending) instead of standard output; a relative path is ' +
        'taken from the data directory. SIGHUP reopens it (for logrotate).',
    ),
});

const trainingSection = section({
  enabled: bool().describe('Train the model locally and offer verified improvements in mined blocks.'),
  cpuShare: z
    .number(expect('a number 0..1'))
    .min(0)
    .max(1)
    .describe('Share of the CPUs the trainer may use, 0..1.'),
  aggregation: z
    .enum(FEDERATION_RULES, expect(`one of ${FEDERATION_RULES.join(', ')}`))
    .describe(
      `The rule a mining node names for combining the contributions in its blocks: ${FEDERATION_RULES.join(', ')} ` +
        '(consensus rules: every node re-combines; neither weighs by reported sample counts).',
    ),
  deltaIntervalMs: intRange(500, 3_600_000, 'milliseconds 500..3600000').describe(
    'How often the trainer signs and gossips the delta it has learnt since the chain model.',
  ),
  deltaDensity: z
    .number(expect(`a number in (0, ${MAX_CONTRIBUTION_DENSITY}]`))
    .gt(0)
    .max(MAX_CONTRIBUTION_DENSITY)
    .describe(
      'Share of each weight tensor a signed delta carries (top entries, two magnitudes; the rest ' +
        `kept for later rounds). Default 1/128; consensus bounds a contribution at ${MAX_CONTRIBUTION_DENSITY}.`,
    ),
  shardCount: intRange(1, 1024).describe('Number of slices the training data is cut into.'),
  shardIndex: intRange(0, 1023)
    .optional()
    .describe('This node’s slice, 0..shardCount-1; unset: derived from the node’s peer id.'),
  payoutAddress: text('an address')
    .optional()
    .describe(
      'Address credited in blocks for this node’s deltas (paid from the improvement bonus); ' +
        'unset: mining.address, else the training key’s own address.',
    ),
});

const metricsSection = section({
  enabled: bool().describe(
    'Serve Prometheus metrics at http://host:port/metrics. The endpoint has no authentication ' +
      '(it shows state, changes nothing): keep host on loopback or firewall the port.',
  ),
  host: text('a host name or IP address').describe('Interface the metrics endpoint listens on.'),
  port: intRange(0, 65535).describe(`${portDoc('Metrics')}main 9332, test 19332, devnet 19443.`),
});

const dashboardSection = section({
  enabled: bool().describe(
    'Serve the web dashboard on the RPC port under /dashboard; `qenex dashboard` prints a login link.',
  ),
});

const network = z.enum(NETWORK_NAMES, expect(`one of ${NETWORK_NAMES.join(', ')}`));
const datadir = text('a directory path');

const SECTIONS = {
  rpc: rpcSection.describe('JSON-RPC server (and the credentials `qenex rpc` uses to reach it).'),
  p2p: p2pSection.describe('Peer-to-peer networking.'),
  mining: miningSection.describe('Block production.'),
  mempool: mempoolSection.describe('Unconfirmed-transaction pool.'),
  log: logSection.describe('Logging.'),
  training: trainingSection.describe('Local model training (proof of improvement).'),
  metrics: metricsSection.describe('Prometheus metrics endpoint.'),
  dashboard: dashboardSection.describe('Web dashboard.'),
};

/** The complete options; parse output is assignable to `NodeOptions`. */
export const nodeOptionsSchema = section({
  network: network.describe('Network to join: main, test or devnet.'),
  datadir: datadir.describe(
    'Data directory (chain, keys, .cookie, .lock); default ~/.qenex/<network>. ' +
      'Not allowed in <datadir>/qenex.yaml itself.',
  ),
  ...SECTIONS,
});

/** One layer (config file or command-line flags): every key optional, unknown keys rejected. */
export const configLayerSchema = section({
  network: network.optional(),
  datadir: datadir.optional(),
  rpc: rpcSection.partial().optional(),
  p2p: p2pSection.partial().optional(),
  mining: miningSection.partial().optional(),
  mempool: mempoolSection.partial().optional(),
  log: logSection.partial().optional(),
  training: trainingSection.partial().optional(),
  metrics: metricsSection.partial().optional(),
  dashboard: dashboardSection.partial().optional(),
});

export type ConfigLayer = z.output<typeof configLayerSchema>;

/** Flattens zod issues to `path: reason` pairs; unknown keys get one issue each. */
export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of error.issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push({ path: formatPath([...iss.path, key]), reason: iss.message });
    } else {
      out.push({ path: formatPath(iss.path), reason: iss.message });
    }
  }
  return out;
}

/** `['p2p', 'bootstrap', 1]` → `p2p.bootstrap[1]`; the empty path is `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? String(p) : `.${String(p)}`;
  }
  return s === '' ? '(top level)' : s;
}

/** Key names and descriptions, in order, for documentation. */
export interface OptionDoc {
  readonly key: string;
  readonly description: string;
  readonly children?: readonly OptionDoc[];
}

export function optionDocs(): OptionDoc[] {
  return Object.entries(nodeOptionsSchema.shape).map(([key, schema]) => {
    const doc = { key, description: schema.description ?? '' };
    if (!(schema instanceof z.ZodObject)) return doc;
    const children = Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, s]) => ({
      key: k,
      description: s.description ?? '',
    }));
    return { ...doc, children };
  });
}
