/**
 * The configuration's entry for the command line (node/cli), beside index.ts: what the CLI needs
 * at start, without the schema. `parseArgsLazily()` gives the options `parseArgs()` gives, but
 * checks them with the schema (zod, about 80 ms to load) only when a config file is present or a
 * flag is more than a plain location or RPC endpoint; `qenex rpc` and the other client commands
 * usually need neither. Everything here is also exported by index.ts; see docs/architecture.md,
 * "Leaf modules", for why the CLI imports this module rather than the index.
 */
import { statSync } from 'node:fs';
import { configFilePath, errnoCode, resolveUserPath } from './datadir.js';
import type { CliFlags, ParseEnv } from './flags.js';
import { FLAG_TARGETS, numeric } from './flags.js';
import type { NodeOptions } from './options.js';
import { deepFreeze, defaultNodeOptions, NETWORK_NAMES } from './options.js';

export { cookieFilePath, resolveUserPath } from './datadir.js';
export { ConfigError } from './errors.js';
export type { CliFlags, ParseEnv } from './flags.js';
export type { NodeOptions } from './options.js';
export { NETWORK_NAMES } from './options.js';

/**
 * `parseArgs(flags, env)`, with the schema (and the YAML parser) loaded only when the options are
 * not simply the defaults with a location and an RPC endpoint (see optionsFromDefaults).
 */
export async function parseArgsLazily(flags: CliFlags, env: ParseEnv = {}): Promise<NodeOptions> {
  return optionsFromDefaults(flags, env) ?? (await import('./parseArgs.js')).parseArgs(flags, env);
}

/** The flags of a client command: where the node's data lives and how to reach its RPC server. */
const PLAIN_FLAGS: ReadonlySet<string> = new Set<keyof CliFlags>([
  'network',
  'datadir',
  'rpcHost',
  'rpcPort',
  'rpcUser',
  'rpcPassword',
]);

/**
 * What `parseArgs(flags, env)` returns, when that is the defaults with at most the network, the
 * datadir and the RPC host, port and credentials changed by flags: no --config, no
 * `<datadir>/qenex.yaml`, no other option flag, and values that pass the schema's checks for
 * plain reasons (a known network, non-empty strings, a whole port 0..65535, user and password
 * together, the RPC port apart from the P2P port). Otherwise undefined: then parseArgs, with the
 * schema, decides, and words any error. Flags that are not options (`--last`, `--json`) are
 * ignored, as parseArgs ignores them.
 */
export function optionsFromDefaults(flags: CliFlags, env: ParseEnv = {}): NodeOptions | undefined {
  if (flags.config !== undefined) return undefined;
  for (const key of Object.keys(FLAG_TARGETS) as (keyof typeof FLAG_TARGETS)[]) {
    if (flags[key] !== undefined && !PLAIN_FLAGS.has(key)) return undefined;
  }
  const network = NETWORK_NAMES.find((n) => n === (flags.network ?? 'main'));
  if (network === undefined) return undefined;
  const { datadir, rpcHost: host, rpcUser: user, rpcPassword: password } = flags;
  for (const text of [datadir, host, user, password]) {
    if (text !== undefined && (typeof text !== 'string' || text === '')) return undefined;
  }
  if ((user === undefined) !== (password === undefined)) return undefined;

  const defaults = defaultNodeOptions(network, env);
  const port = flags.rpcPort === undefined ? defaults.rpc.port : numeric(flags.rpcPort);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) return undefined;
  if (port !== 0 && port === defaults.p2p.port) return undefined;

  const dir =
    datadir === undefined
      ? defaults.datadir
      : resolveUserPath(datadir, { homedir: env.homedir, base: env.cwd });
  if (!isAbsent(configFilePath(dir))) return undefined;

  return deepFreeze({
    ...defaults,
    datadir: dir,
    rpc: {
      host: host ?? defaults.rpc.host,
      port,
      ...(user !== undefined && password !== undefined ? { user, password } : {}),
      cookie: defaults.rpc.cookie,
      ws: defaults.rpc.ws,
    },
    // a copy: freezing the options must not freeze the shared default list
    p2p: { ...defaults.p2p, banExempt: [...defaults.p2p.banExempt] },
  });
}

/** Does reading `file` fail with ENOENT (so that parseArgs would take it for absent)? */
function isAbsent(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch (e) {
    return errnoCode(e) === 'ENOENT';
  }
}
