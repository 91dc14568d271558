/**
 * The operator's waits, with real processes on loopback:
 *  - `qenex rpc getblockcount` round trip (a whole CLI process: start, parse, one HTTP POST, print)
 *    beside a bare `node -e "fetch(…)"` doing the same POST, spawned alternately N times against one
 *    running node; the goal is a ratio within 2×. The same CLI run from the TypeScript sources
 *    through tsx (no dist/) is shown for reference;
 *  - node start-up: from spawning `qenex node` to its first answered RPC call (compiled dist/, and
 *    from the sources through tsx).
 * bin/qenex.js runs dist/ when it is built (`npm run build`), so build first for meaningful numbers.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../../node/cli/index.js';
import { freePorts } from '../ports.js';
import { median } from './harness.js';

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin/qenex.js');
const ROUND_TRIPS = 15;
const SOURCE_ROUND_TRIPS = 3;
const STARTS = 3;

/** Runs a process to completion; resolves with its wall time in ms (rejects on a non-zero exit). */
function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - t0);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

interface RunningNode {
  readonly datadir: string;
  readonly rpcPort: number;
  /** ms from spawn to the first answered getblockcount */
  readonly startMs: number;
  stop(): Promise<void>;
}

/** Spawns `qenex node` and waits until its RPC answers. */
async function startNode(datadir: string, env: NodeJS.ProcessEnv): Promise<RunningNode> {
  const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [
      BIN,
      'node',
      '--network',
      'devnet',
      '--datadir',
      datadir,
      '--rpc-port',
      String(rpcPort),
      '--p2p-port',
      String(p2pPort),
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  const cookieFile = join(datadir, '.cookie');
  const deadline = t0 + 120_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`qenex node exited ${proc.exitCode} before serving RPC`);
    if (existsSync(cookieFile)) {
      const ok = await fetch(`http://127.0.0.1:${rpcPort}/`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(readFileSync(cookieFile, 'utf8').trim())}` },
        body: '{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[]}',
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return { datadir, rpcPort, startMs: performance.now() - t0, stop };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await stop();
  throw new Error('qenex node did not serve RPC within 120 s');
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/node/cli/index.js'))) {
    console.log(
      'dist/ is not built: run `npm run build` first (bin/qenex.js would run the sources through tsx)',
    );
    return;
  }
  const compiled: NodeJS.ProcessEnv = { ...process.env };
  delete compiled.QENEX_FROM_SOURCE;
  const source: NodeJS.ProcessEnv = { ...process.env, QENEX_FROM_SOURCE: '1' };
  const root = await mkdtemp(join(tmpdir(), 'qenex-bench-cli-'));
  try {
    // Start-up to a serving RPC, on a fresh datadir each time.
    const starts: Record<string, number[]> = { 'dist/': [], 'sources (tsx)': [] };
    for (let i = 0; i < STARTS; i++) {
      for (const [label, env] of [
        ['dist/', compiled],
        ['sources (tsx)', source],
      ] as const) {
        const n = await startNode(join(root, `start-${label.replace(/\W/g, '')}-${i}`), env);
        starts[label]!.push(n.startMs);
        await n.stop();
      }
    }

    const node = await startNode(join(root, 'rpc'), compiled);
    try {
      const cookie = readFileSync(join(node.datadir, '.cookie'), 'utf8').trim();
      const bare = [
        '-e',
        `fetch('http://127.0.0.1:${node.rpcPort}/',{method:'POST',headers:{authorization:'Basic ${btoa(cookie)}'},` +
          `body:'{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[]}'}).then(r=>r.text()).then(t=>console.log(t))`,
      ];
      const cli = [
        BIN,
        'rpc',
        '--network',
        'devnet',
        '--datadir',
        node.datadir,
        '--rpc-port',
        String(node.rpcPort),
        'getblockcount',
      ];
      await timed(bare, compiled);
      await timed(cli, compiled);
      const bareMs: number[] = [];
      const cliMs: number[] = [];
      // alternated, so that load from elsewhere on the machine hits both alike
      for (let i = 0; i < ROUND_TRIPS; i++) {
        bareMs.push(await timed(bare, compiled));
        cliMs.push(await timed(cli, compiled));
      }
      const sourceMs: number[] = [];
      for (let i = 0; i < SOURCE_ROUND_TRIPS; i++) sourceMs.push(await timed(cli, source));

      const base = median(bareMs);
      const row = (name: string, xs: readonly number[]) =>
        `${name.padEnd(42)} ${median(xs).toFixed(0).padStart(7)} ms ${Math.min(...xs)
          .toFixed(0)
          .padStart(
            7,
          )} ms ${xs.length.toString().padStart(5)}  ${(median(xs) / base).toFixed(2).padStart(6)}×`;
      console.log(`\nRPC round trip, a whole process each (getblockcount on loopback)`);
      console.log(
        `${'command'.padEnd(42)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'runs'.padStart(5)}  vs bare`,
      );
      console.log(row('node -e "fetch(…)" (bare, baseline)', bareMs));
      console.log(row('qenex rpc getblockcount (dist/)', cliMs));
      console.log(row('qenex rpc getblockcount (sources, tsx)', sourceMs));
      console.log(
        `goal: qenex rpc within 2× the bare fetch — ${median(cliMs) / base <= 2 ? 'met' : 'not met'}`,
      );

      console.log(
        `\nnode start-up to a serving RPC (fresh devnet datadir, spawn → first getblockcount answered)`,
      );
      for (const [label, xs] of Object.entries(starts)) {
        console.log(
          `${`qenex node (${label})`.padEnd(42)} ${median(xs).toFixed(0).padStart(7)} ms ${Math.min(...xs)
            .toFixed(0)
            .padStart(7)} ms ${xs.length.toString().padStart(5)}`,
        );
      }
    } finally {
      await node.stop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
