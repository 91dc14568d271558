/**
 * Layering: defaults < config file < command-line flags → validated, frozen `NodeOptions`.
 *
 * The config file is `--config FILE` if given (must exist), else `<datadir>/qenex.yaml` if it
 * exists. The network is chosen first (flag, else the --config file, else `main`), then the
 * datadir (flag, else the --config file, else `~/.qenex/<network>`). A `<datadir>/qenex.yaml`
 * may set `network` when the datadir was given explicitly, but not `datadir`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { NetworkName } from '../../consensus/index.js';
import { configFilePath, errMessage, errnoCode, resolveUserPath } from './datadir.js';
import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';
import type { CliFlags, ParseEnv } from './flags.js';
import { FLAG_TARGETS, flagName, numeric } from './flags.js';
import type { NodeOptions } from './options.js';
import { deepFreeze, defaultNodeOptions } from './options.js';
import type { ConfigLayer } from './schema.js';
import { configLayerSchema, nodeOptionsSchema, toConfigIssues } from './schema.js';
import { yaml } from './yaml.js';

export function parseArgs(flags: CliFlags, env: ParseEnv = {}): NodeOptions {
  const flagLayer = flagsToLayer(flags);
  const fromCwd = { homedir: env.homedir, base: env.cwd };

  let fileLayer: ConfigLayer = {};
  let explicitFile: string | undefined;
  if (flags.config !== undefined) {
    explicitFile = resolveUserPath(flags.config, fromCwd);
    fileLayer = loadConfigFile(explicitFile, true) ?? {};
  }

  let network: NetworkName = flagLayer.network ?? fileLayer.network ?? 'main';
  let datadir: string;
  if (flagLayer.datadir !== undefined) datadir = resolveUserPath(flagLayer.datadir, fromCwd);
  else if (explicitFile !== undefined && fileLayer.datadir !== undefined)
    datadir = resolveUserPath(fileLayer.datadir, { homedir: env.homedir, base: dirname(explicitFile) });
  else datadir = defaultNodeOptions(network, env).datadir;

  if (explicitFile === undefined) {
    const implicitFile = configFilePath(datadir);
    fileLayer = loadConfigFile(implicitFile, false) ?? {};
    if (fileLayer.datadir !== undefined) {
      throw new ConfigError({
        code: 'CONFIG_INVALID',
        source: implicitFile,
        issues: [
          {
            path: 'datadir',
            reason: 'not allowed in the data directory’s own qenex.yaml; use --datadir or --config',
          },
        ],
      });
    }
    if (fileLayer.network !== undefined && flagLayer.network === undefined) {
      if (flagLayer.datadir === undefined && fileLayer.network !== network) {
        throw new ConfigError({
          code: 'CONFIG_NETWORK_CONFLICT',
          file: implicitFile,
          fileNetwork: fileLayer.network,
          datadirNetwork: network,
        });
      }
      network = fileLayer.network;
    }
  }

  const merged = mergeLayers(defaultNodeOptions(network, env), fileLayer, flagLayer);
  const log = merged.log as { file?: unknown };
  // bitcoind's -debuglogfile: a relative log file lives in the data directory.
  if (typeof log.file === 'string' && log.file !== '') {
    log.file = resolveUserPath(log.file, { homedir: env.homedir, base: datadir });
  }
  return finalize({ ...merged, network, datadir });
}

/** Validates a complete options object (e.g. built by tests or scripts) and freezes it. */
export function finalize(candidate: unknown): NodeOptions {
  const parsed = nodeOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      source: 'options',
      issues: toConfigIssues(parsed.error),
    });
  }
  const opts: NodeOptions = parsed.data;
  const issues = crossCheck(opts);
  if (issues.length > 0) throw new ConfigError({ code: 'CONFIG_INVALID', source: 'options', issues });
  return deepFreeze(opts);
}

function crossCheck(o: NodeOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (o.mining.enabled && o.mining.address === undefined) {
    issues.push({
      path: 'mining.address',
      reason: 'required when mining.enabled is true (--mine needs --address)',
    });
  }
  if ((o.rpc.user === undefined) !== (o.rpc.password === undefined)) {
    issues.push({
      path: o.rpc.user === undefined ? 'rpc.user' : 'rpc.password',
      reason: 'rpc.user and rpc.password must be set together',
    });
  }
  const { shardIndex, shardCount } = o.training;
  if (shardIndex !== undefined && shardIndex >= shardCount) {
    issues.push({
      path: 'training.shardIndex',
      reason: `${shardIndex} is not below training.shardCount (${shardCount})`,
    });
  }
  if (sameSocket(o.rpc, o.p2p)) {
    issues.push({
      path: 'p2p.port',
      reason: `same as rpc.port (${o.rpc.port}) on ${o.p2p.host}; the two servers need different ports`,
    });
  }
  if (o.metrics.enabled && (sameSocket(o.metrics, o.rpc) || sameSocket(o.metrics, o.p2p))) {
    issues.push({
      path: 'metrics.port',
      reason: `${o.metrics.port} is already the rpc or p2p port on ${o.metrics.host}; each server needs its own port`,
    });
  }
  return issues;
}

/** A wildcard bind address, which takes the port on every interface. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * Whether two servers would need the same socket: the same fixed port on interfaces that can
 * overlap. Two distinct IP literals (neither a wildcard) can share a port; a host name may
 * resolve to the other's address, so it counts as overlapping.
 */
function sameSocket(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  if (a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host)) return true;
  return isIP(a.host) === 0 || isIP(b.host) === 0;
}

/**
 * Reads and validates one YAML config file. Returns undefined when the file is absent and
 * `mustExist` is false; an empty file is an empty layer.
 */
export function loadConfigFile(file: string, mustExist: boolean): ConfigLayer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      if (!mustExist) return undefined;
      throw new ConfigError({ code: 'CONFIG_FILE_NOT_FOUND', file });
    }
    throw new ConfigError({ code: 'CONFIG_FILE_UNREADABLE', file, reason: errMessage(e) });
  }
  return parseConfigText(text, file);
}

/** Parses YAML text as a config layer; `source` names it in errors. */
export function parseConfigText(text: string, source: string): ConfigLayer {
  let raw: unknown;
  try {
    raw = yaml().parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new ConfigError({ code: 'CONFIG_FILE_SYNTAX', file: source, reason: errMessage(e) });
  }
  if (raw === null || raw === undefined) return {};
  const parsed = configLayerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError({ code: 'CONFIG_INVALID', source, issues: toConfigIssues(parsed.error) });
  }
  return parsed.data;
}

function flagsToLayer(flags: CliFlags): ConfigLayer {
  const raw: Record<string, Record<string, unknown> | unknown> = {};
  const flagOfPath = new Map<string, string>();
  for (const [key, target] of Object.entries(FLAG_TARGETS) as [
    keyof typeof FLAG_TARGETS,
    readonly string[],
  ][]) {
    // --no-ban-exempt: the flag parser's `false` for a list means the empty list.
    const value = key === 'banExempt' && flags.banExempt === false ? [] : flags[key];
    if (value === undefined) continue;
    flagOfPath.set(target.join('.'), flagName(key));
    const [sec, leaf] = target;
    if (sec === undefined) continue;
    if (leaf === undefined) {
      raw[sec] = value;
    } else {
      const obj = (raw[sec] ?? {}) as Record<string, unknown>;
      obj[leaf] = numeric(value);
      raw[sec] = obj;
    }
  }
  const parsed = configLayerSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = toConfigIssues(parsed.error).map((i) => ({
      path: flagOfPath.get(i.path.replace(/\[\d+\]$/, '')) ?? i.path,
      reason: i.reason,
    }));
    throw new ConfigError({ code: 'CONFIG_INVALID', source: 'command line', issues });
  }
  return parsed.data;
}

const SECTION_KEYS = ['rpc', 'p2p', 'mining', 'mempool', 'log', 'training', 'metrics', 'dashboard'] as const;

function mergeLayers(defaults: NodeOptions, ...layers: ConfigLayer[]): Record<string, unknown> {
  const out: Record<string, unknown> = { network: defaults.network, datadir: defaults.datadir };
  for (const sec of SECTION_KEYS) {
    const merged: Record<string, unknown> = { ...defaults[sec] };
    for (const layer of layers) {
      for (const [k, v] of Object.entries(layer[sec] ?? {})) if (v !== undefined) merged[k] = v;
    }
    out[sec] = merged;
  }
  return out;
}
