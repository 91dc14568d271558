/**
 * `npm run soak -- --minutes M --nodes N [--dir D] [--out O] [--interval-s S] [--log-level L]`: the long-run
 * measurement of qenex. Starts a fresh local devnet of N nodes that all mine and train (data in D,
 * default ./.qenex-soak, deleted first; node logs in D/node-i/node.log), and for M minutes (default
 * 60) polls node 0 every S seconds (default 15; another node if node 0 does not answer) for the
 * chain height and the chain model's held-out score and level per domain (getmodelinfo), and the
 * best chain's update blocks (getimprovements, getblockheader). After every poll, and at the end,
 * it writes into O (default docs/soak):
 *   soak-samples.csv   one row per poll
 *   soak-blocks.csv    one row per best-chain block with a verified improvement
 *   soak.svg           accuracy per domain over time; improvement per update block; update count
 *   soak-summary.json  updates per 10-minute window, updates in the last half, accuracy half-way
 *                      and at the end, level changes (also printed at the end)
 * Nodes log at L (default warn; at info, `npx tsx scripts/experiments/penalties.ts --logs D` counts
 * the penalties they charged each other). Every node is stopped at the end, on Ctrl-C / SIGTERM
 * and on error.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RpcClient } from '../node/rpc/client.js';
import { type Devnet, startDevnet } from './devnetProcs.js';
import { renderSvgChart } from './soak/chart.js';
import { blocksCsv, domainNames, samplesCsv, writeFileAtomic } from './soak/csv.js';
import { ModelInfoShapeError, parseModelInfo } from './soak/modelInfo.js';
import { formatSummary, type SoakSummary, summarize } from './soak/summary.js';
import type { SoakBlock, SoakSample } from './soak/types.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    nodes: { type: 'string', default: '2' },
    dir: { type: 'string', default: '.qenex-soak' },
    out: { type: 'string', default: 'docs/soak' },
    'interval-s': { type: 'string', default: '15' },
    'log-level': { type: 'string', default: 'warn' },
  },
});

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

const minutes = Number(values.minutes);
const nodeCount = Number(values.nodes);
const intervalS = Number(values['interval-s']);
if (!(minutes > 0)) fail('--minutes must be a positive number');
if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 32)
  fail('--nodes must be an integer from 1 to 32');
if (!(intervalS > 0)) fail('--interval-s must be a positive number');
const root = resolve(values.dir);
const outDir = resolve(values.out);
// The data dir is deleted first: refuse anything that holds the working directory or the home dir.
for (const keep of [process.cwd(), homedir()]) {
  const rel = relative(root, keep);
  if (!(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)))
    fail(`refusing to delete ${root}: it contains ${keep}`);
}

const READY_TIMEOUT_MS = 180_000;
const RPC_TIMEOUT_MS = 60_000;

const bciSchema = z.object({ blocks: z.number().int().nonnegative() });
const improvementsSchema = z.array(
  z.object({
    height: z.number().int(),
    hash: z.string(),
    improvementppm: z.number(),
    claimedppm: z.number(),
    contributions: z.array(z.unknown()),
    payouts: z.array(z.object({ amount: z.number() })),
  }),
);
const headerSchema = z.object({ time: z.number().int() });

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const samples: SoakSample[] = [];
let blocks: SoakBlock[] = [];
let failedPolls = 0;
const notes: string[] = [];
const headerTimes = new Map<string, number>();
let devnet: Devnet | null = null;
let clients: RpcClient[] = [];
let stopping = false;
const abort = new AbortController();
let t0 = Date.now();
/** When polling ended (the run's length excludes stopping the nodes). */
let endedAt: number | null = null;

const elapsedS = () => (Date.now() - t0) / 1000;

function writeOutputs(complete: boolean): SoakSummary {
  const durationS = ((endedAt ?? Date.now()) - t0) / 1000;
  const summary = summarize({
    nodes: nodeCount,
    plannedMinutes: minutes,
    durationS,
    complete,
    samples,
    failedPolls,
    blocks,
    notes,
  });
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'soak-samples.csv'), samplesCsv(samples));
  writeFileAtomic(join(outDir, 'soak-blocks.csv'), blocksCsv(blocks));
  writeFileAtomic(join(outDir, 'soak-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const svg = renderSvgChart({
    title: `qenex soak: ${nodeCount} node${nodeCount === 1 ? '' : 's'} mining and training, ${minutes} minutes`,
    subtitle: `${samples.length} polls every ${intervalS} s, ${blocks.length} update blocks, final height ${summary.finalHeight ?? '-'}${complete ? '' : ' (incomplete)'}; started ${new Date(t0).toISOString()}`,
    xMaxMin: minutes,
    accuracy: domainNames(samples).map((name) => ({
      name,
      points: samples.flatMap((s) => {
        const d = s.domains.find((x) => x.domain === name);
        return d ? [{ x: s.elapsedS / 60, y: d.accuracy, level: d.level }] : [];
      }),
    })),
    updates: blocks.map((b) => ({ x: b.elapsedS / 60, value: b.improvementPpm })),
  });
  writeFileAtomic(join(outDir, 'soak.svg'), svg);
  return summary;
}

/** Node indices to ask, node 0 first, skipping nodes that have exited. */
function askOrder(): number[] {
  const live = (devnet?.nodes ?? []).filter(
    (n) => n.process.exitCode === null && n.process.signalCode === null,
  );
  return live.map((n) => n.index);
}

async function pollNode(i: number): Promise<SoakSample> {
  const client = clients[i]!;
  const [bci, mi] = await client.batch([{ method: 'getblockchaininfo' }, { method: 'getmodelinfo' }]);
  if (!bci?.ok) throw bci?.error ?? new Error('no getblockchaininfo answer');
  if (!mi?.ok) throw mi?.error ?? new Error('no getmodelinfo answer');
  const height = bciSchema.parse(bci.result).blocks;
  const info = parseModelInfo(mi.result);
  if (info.legacy && !notes.some((n) => n.startsWith('LEGACY'))) {
    notes.push('LEGACY getmodelinfo shape (no levels): levels recorded as null');
  }
  return {
    elapsedS: Number(elapsedS().toFixed(1)),
    timeIso: new Date().toISOString(),
    node: i,
    height,
    modelVersion: info.modelVersion,
    parameters: info.parameters,
    domains: info.domains,
  };
}

async function fetchBlocks(i: number): Promise<SoakBlock[]> {
  const client = clients[i]!;
  const list = improvementsSchema.parse(await client.call('getimprovements', [10_000]));
  const missing = list.filter((b) => !headerTimes.has(b.hash));
  if (missing.length > 0) {
    const answers = await client.batch(
      missing.map((b) => ({ method: 'getblockheader', params: [b.hash, true] })),
    );
    answers.forEach((a, k) => {
      if (!a.ok) throw a.error;
      headerTimes.set(missing[k]!.hash, headerSchema.parse(a.result).time);
    });
  }
  const startS = t0 / 1000;
  return list
    .map((b) => {
      const time = headerTimes.get(b.hash)!;
      return {
        height: b.height,
        hash: b.hash,
        time,
        elapsedS: Number((time - startS).toFixed(1)),
        improvementPpm: b.improvementppm,
        claimedPpm: b.claimedppm,
        contributors: b.contributions.length,
        contributorPay: Number(b.payouts.reduce((t, p) => t + p.amount, 0).toFixed(8)),
      };
    })
    .sort((a, b) => a.height - b.height);
}

/** One poll: node 0, else the next node that answers. Throws only on a malformed getmodelinfo. */
async function poll(): Promise<void> {
  for (const i of askOrder()) {
    let sample: SoakSample;
    try {
      sample = await pollNode(i);
    } catch (e) {
      if (e instanceof ModelInfoShapeError) throw e;
      console.warn(`poll of node-${i} failed: ${errText(e)}`);
      continue;
    }
    samples.push(sample);
    try {
      blocks = await fetchBlocks(i);
    } catch (e) {
      console.warn(`getimprovements from node-${i} failed: ${errText(e)}`);
    }
    const ds = sample.domains
      .map((d) => `${d.domain} ${(d.accuracy * 100).toFixed(1)}%${d.level === null ? '' : ` L${d.level}`}`)
      .join('  ');
    console.log(
      `[${(sample.elapsedS / 60).toFixed(1).padStart(5)} min] node-${i} height ${sample.height}, ${blocks.length} update blocks  ${ds}`,
    );
    return;
  }
  failedPolls++;
  console.warn('no node answered this poll');
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(clients.map((_, i) => i));
  while (pending.size > 0 && Date.now() < deadline && !abort.signal.aborted) {
    for (const i of [...pending]) {
      try {
        await clients[i]!.call('getblockcount');
        pending.delete(i);
        console.log(`node-${i} answers RPC after ${elapsedS().toFixed(1)} s`);
      } catch {
        // not up yet
      }
    }
    if (pending.size > 0) await sleep(1000, undefined, { signal: abort.signal }).catch(() => undefined);
  }
  if (abort.signal.aborted) return;
  if (pending.size === clients.length)
    throw new Error(`no node answered RPC within ${READY_TIMEOUT_MS / 1000} s`);
  if (pending.size > 0) {
    const msg = `node(s) ${[...pending].join(', ')} did not answer RPC within ${READY_TIMEOUT_MS / 1000} s`;
    notes.push(msg);
    console.warn(msg);
  }
}

async function run(): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true, mode: 0o700 });
  t0 = Date.now();
  devnet = await startDevnet({
    nodes: nodeCount,
    miners: nodeCount,
    trainers: nodeCount,
    dir: root,
    output: 'file',
    logLevel: values['log-level'],
    onExit: (node, code, sig) => {
      if (stopping) return;
      const msg = `node-${node.index} exited unexpectedly (${sig ?? code}) at ${(elapsedS() / 60).toFixed(1)} min; see ${node.logFile}`;
      notes.push(msg);
      console.warn(msg);
      if (askOrder().length === 0) abort.abort(new Error('every node has exited'));
    },
  });
  clients = devnet.nodes.map(
    (n) => new RpcClient({ url: n.rpcUrl, cookieFile: n.cookieFile, timeoutMs: RPC_TIMEOUT_MS }),
  );
  console.log(
    `soak: ${nodeCount} nodes mining and training for ${minutes} min, polling every ${intervalS} s; data in ${root}, results in ${outDir}`,
  );
  for (const n of devnet.nodes) console.log(`  node-${n.index}: rpc ${n.rpcUrl}  log ${n.logFile}`);
  await waitReady();
  const endAt = t0 + minutes * 60_000;
  while (!abort.signal.aborted) {
    const slot = Math.max(
      Date.now(),
      t0 + Math.ceil((Date.now() - t0) / (intervalS * 1000)) * intervalS * 1000,
    );
    const last = slot >= endAt;
    await sleep(Math.max(0, Math.min(slot, endAt) - Date.now()), undefined, { signal: abort.signal }).catch(
      () => undefined,
    );
    if (abort.signal.aborted) break;
    await poll();
    writeOutputs(false);
    if (last || Date.now() >= endAt) break;
  }
}

async function shutdown(): Promise<void> {
  stopping = true;
  if (devnet) {
    console.log('stopping the nodes…');
    await devnet.stop();
  }
}

let signalled: NodeJS.Signals | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) return;
    signalled = sig;
    console.log(`${sig}: stopping the soak`);
    abort.abort(new Error(sig));
  });
}

let exitCode = 0;
try {
  await run();
} catch (e) {
  console.error(`soak failed: ${e instanceof ModelInfoShapeError ? e.message : errText(e)}`);
  notes.push(`failed: ${errText(e).split('\n')[0]}`);
  exitCode = 1;
}
endedAt = Date.now();
const reason = abort.signal.aborted ? errText(abort.signal.reason) : null;
if (reason && !signalled) {
  notes.push(`stopped: ${reason}`);
  exitCode = 1;
}
try {
  await shutdown();
} catch (e) {
  console.error(`stopping the nodes failed: ${errText(e)}`);
  exitCode = 1;
}
const complete = exitCode === 0 && !signalled;
const summary = writeOutputs(complete);
console.log(formatSummary(summary));
console.log(`wrote ${outDir}/soak-samples.csv, soak-blocks.csv, soak.svg, soak-summary.json`);
process.exit(signalled === 'SIGINT' ? 130 : signalled === 'SIGTERM' ? 143 : exitCode);
