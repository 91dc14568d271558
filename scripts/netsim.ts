/**
 * `npm run netsim -- [options]`: an internet-like test network of real qenex node processes over
 * real TCP, every link delayed by a proxy (scripts/netsim/proxy.ts), through a sequence of
 * scenarios (steady state, a partition that heals, churn, a stalling attacker), with block
 * propagation, peer counts, convergence, stale blocks and the machine's load measured, and every
 * node's tip, UTXO set and model compared at the end. Results go to --out (default docs/netsim):
 * CSV, JSON and an SVG chart (scripts/netsim/report.ts). Design: docs/netsim.md.
 *
 *   --nodes N            node processes (default 32); --miners M (3), --trainers T (3)
 *   --spacing-s S        mean block spacing, Poisson (default 30)
 *   --latency-ms L       one-way delay of every link (default 50), --jitter-ms J (default 10)
 *   --scenarios LIST     comma-separated, in order: steady, partition, churn, staller (default all four)
 *   --warmup-min, --steady-min, --partition-min, --heal-watch-min, --churn-min, --churn-every-s,
 *   --churn-fraction, --churn-downtime-s, --staller-min   scenario lengths and churn settings
 *   --train-cpu-share F  share of a core per trainer (default 0.1)
 *   --start-batch B      nodes started at once (default 4)
 *   --seed N             seed of the random choices (default 1)
 *   --dir D              data dir root, deleted first (default .qenex-netsim)
 *   --out O              results (default docs/netsim)
 *   --from-dist          run the nodes from dist/ (npm run build) instead of the sources
 *   --node-log-level L   the nodes' log level (default info; logs in <dir>/n<i>/node.log)
 *   --node-nice N        run the nodes N nice levels below the driver (default 10; as root the
 *                        driver is raised instead), so the proxy keeps its timing
 *
 * Ctrl-C ends the current scenario and goes to the final check; every process is stopped.
 */
import { homedir } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { NetsimOptions, ScenarioSpec } from './netsim/types.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '32' },
    miners: { type: 'string', default: '3' },
    trainers: { type: 'string', default: '3' },
    'spacing-s': { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '50' },
    'jitter-ms': { type: 'string', default: '10' },
    scenarios: { type: 'string', default: 'steady,partition,churn,staller' },
    'warmup-min': { type: 'string', default: '2' },
    'steady-min': { type: 'string', default: '10' },
    'partition-min': { type: 'string', default: '3' },
    'heal-watch-min': { type: 'string', default: '2' },
    'churn-min': { type: 'string', default: '6' },
    'churn-every-s': { type: 'string', default: '60' },
    'churn-fraction': { type: 'string', default: '0.2' },
    'churn-downtime-s': { type: 'string', default: '5' },
    'staller-min': { type: 'string', default: '5' },
    'train-cpu-share': { type: 'string', default: '0.1' },
    'start-batch': { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: '.qenex-netsim' },
    out: { type: 'string', default: 'docs/netsim' },
    'from-dist': { type: 'boolean', default: false },
    'node-log-level': { type: 'string', default: 'info' },
    'node-nice': { type: 'string', default: '10' },
  },
});

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

function num(name: keyof typeof values, min: number, max = Number.POSITIVE_INFINITY): number {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v < min || v > max) fail(`--${name} must be a number from ${min} to ${max}`);
  return v;
}

const minutes = (name: keyof typeof values) => num(name, 0) * 60_000;
const scenarios: ScenarioSpec[] = String(values.scenarios)
  .split(',')
  .filter((s) => s.length > 0)
  .map((kind): ScenarioSpec => {
    switch (kind) {
      case 'steady':
        return { kind, durationMs: minutes('steady-min') };
      case 'partition':
        return { kind, durationMs: minutes('partition-min'), afterMs: minutes('heal-watch-min') };
      case 'churn':
        return {
          kind,
          durationMs: minutes('churn-min'),
          everyMs: num('churn-every-s', 1) * 1000,
          fraction: num('churn-fraction', 0, 1),
          downtimeMs: num('churn-downtime-s', 0) * 1000,
        };
      case 'staller':
        return { kind, durationMs: minutes('staller-min') };
      default:
        return fail(`unknown scenario ${kind} (steady, partition, churn, staller)`);
    }
  });

const root = resolve(String(values.dir));
// The data dir is deleted first: refuse anything that holds the working directory or the home dir.
for (const keep of [process.cwd(), homedir()]) {
  const rel = relative(root, keep);
  if (!(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)))
    fail(`refusing to delete ${root}: it contains ${keep}`);
}

const opts: NetsimOptions = {
  nodes: num('nodes', 3, 250),
  miners: num('miners', 1),
  trainers: num('trainers', 0),
  spacingMs: num('spacing-s', 0.1) * 1000,
  latency: { baseMs: num('latency-ms', 0), jitterMs: num('jitter-ms', 0) },
  warmupMs: minutes('warmup-min'),
  scenarios,
  root,
  outDir: resolve(String(values.out)),
  trainCpuShare: num('train-cpu-share', 0.01, 1),
  fromSource: !values['from-dist'],
  nodeLogLevel: String(values['node-log-level']),
  nodeNice: num('node-nice', 0, 19),
  startBatch: num('start-batch', 1),
  sampleEveryMs: 10_000,
  missGraceMs: 60_000,
  finalTimeoutMs: 180_000,
  seed: num('seed', 0),
};

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (abort.signal.aborted) return;
    console.log(`${sig}: ending the run (final check, then stopping every node)`);
    abort.abort();
  });
}

// Loaded only now: the driver pulls in libp2p (which needs the polyfill first), the node's RPC
// client and its database.
await import('../node/polyfill.js');
const { runNetsim } = await import('./netsim/run.js');
const { formatSummary, writeReport } = await import('./netsim/report.js');
const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
try {
  const report = await runNetsim(opts, { log, signal: abort.signal });
  if (opts.outDir) for (const f of writeReport(report, opts.outDir)) log(`wrote ${f}`);
  console.log(formatSummary(report));
  const f = report.final;
  process.exit(f.converged && f.equalTips && f.equalUtxo && f.equalModel ? 0 : 1);
} catch (e) {
  console.error(`netsim failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
