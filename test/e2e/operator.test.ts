/**
 * Operator experience with real processes on loopback: signals (SIGTERM/SIGINT stop cleanly and
 * remove .cookie and .lock, SIGHUP reopens --log-file), one-line errors on a port clash, honest
 * initial-block-download state while a node catches up, `qenex rpc` loading neither libp2p nor the
 * node, `npm start` stopped through npm, and the compiled dist/ training on the WebAssembly kernels.
 */
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetParams } from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair } from '../utils/chainBuilder.js';
import {
  BIN,
  exited,
  freePort,
  freePorts,
  ROOT,
  runCli,
  sourceEnv,
  spawnCli,
  waitFor,
} from '../utils/proc.js';

describe('operator experience (node processes)', function () {
  this.timeout(180_000);
  const address = encodeAddress(keyPair('operator').pkh, devnetParams);
  let root: string;
  const procs: ChildProcess[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'qenex-operator-'));
  });
  after(async () => {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await exited(p).catch(() => undefined);
      }
    }
    await rm(root, { recursive: true, force: true });
  });

  interface Started {
    proc: ReturnType<typeof spawnCli>;
    datadir: string;
    rpcPort: number;
    p2pPort: number;
    peerId: () => string;
    rpc: (method: string, ...params: string[]) => Promise<unknown>;
  }

  async function startNode(name: string, extra: string[] = []): Promise<Started> {
    const datadir = join(root, name);
    const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
    const proc = spawnCli([
      'node',
      '--network',
      'devnet',
      '--datadir',
      datadir,
      '--rpc-port',
      String(rpcPort),
      '--p2p-port',
      String(p2pPort),
      ...extra,
    ]);
    procs.push(proc);
    await waitFor(async () => existsSync(join(datadir, '.cookie')), 60_000, `${name}'s RPC cookie`);
    const rpc = async (method: string, ...params: string[]) => {
      const r = await runCli([
        'rpc',
        '--network',
        'devnet',
        '--datadir',
        datadir,
        '--rpc-port',
        String(rpcPort),
        method,
        ...params,
      ]);
      if (r.code !== 0) throw new Error(`${method}: ${r.stderr}`);
      return JSON.parse(r.stdout) as unknown;
    };
    const peerId = () => {
      const m = /"peerId":"(12D3\w+)"/.exec(proc.output());
      if (!m) throw new Error('no peer id logged');
      return m[1]!;
    };
    return { proc, datadir, rpcPort, p2pPort, peerId, rpc };
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} stops the node cleanly: exit code 0, .cookie and .lock removed`, async () => {
      const n = await startNode(`stop-${signal}`);
      assert.ok(existsSync(join(n.datadir, '.lock')));
      n.proc.kill(signal);
      assert.equal(await exited(n.proc, 30_000), 0);
      assert.ok(!existsSync(join(n.datadir, '.cookie')), '.cookie left behind');
      assert.ok(!existsSync(join(n.datadir, '.lock')), '.lock left behind');
      assert.match(n.proc.output(), new RegExp(`"why":"${signal}"`));
    });
  }

  it('SIGHUP reopens --log-file instead of stopping the node', async () => {
    const n = await startNode('hup', ['--log-file', 'debug.log']);
    const log = join(n.datadir, 'debug.log');
    await waitFor(
      async () => readFileSync(log, 'utf8').includes('qenex node started'),
      30_000,
      'the start line',
    );
    assert.equal(n.proc.output(), '', 'logs went to the file, not stdout');
    renameSync(log, `${log}.1`);
    n.proc.kill('SIGHUP');
    await waitFor(
      async () => existsSync(log) && readFileSync(log, 'utf8').includes('log file reopened'),
      10_000,
      'a new log file',
    );
    assert.equal(await n.rpc('getblockcount'), 0, 'still serving after SIGHUP');
    n.proc.kill('SIGTERM');
    assert.equal(await exited(n.proc, 30_000), 0);
    assert.match(readFileSync(log, 'utf8'), /qenex node stopping/);
  });

  it('a port clash is a one-line error, not a stack trace', async () => {
    const a = await startNode('clash-a');
    for (const [name, ports] of [
      ['p2p', ['--rpc-port', String(await freePort()), '--p2p-port', String(a.p2pPort)]],
      ['rpc', ['--rpc-port', String(a.rpcPort), '--p2p-port', String(await freePort())]],
    ] as const) {
      const dir = join(root, `clash-${name}`);
      const r = await runCli(
        ['node', '--network', 'devnet', '--datadir', dir, '--log-level', 'error', ...ports],
        60_000,
      );
      assert.equal(r.code, 1, name);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      const port = name === 'p2p' ? a.p2pPort : a.rpcPort;
      assert.match(
        lines[0]!,
        new RegExp(`^error: cannot listen (for peers )?on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
      assert.ok(!existsSync(join(dir, '.lock')), `${name}: .lock left behind`);
    }
    a.proc.kill('SIGTERM');
    await exited(a.proc, 30_000);
  });

  it('reports initial block download honestly: on an old tip, while catching up, and after', async () => {
    const a = await startNode('ibd-a');
    // devnet genesis is older than the 24 h maximum tip age: a fresh node is still downloading
    const fresh = (await a.rpc('getblockchaininfo')) as {
      initialblockdownload: boolean;
      verificationprogress: number;
    };
    assert.equal(fresh.initialblockdownload, true);
    assert.ok(fresh.verificationprogress < 1);
    await a.rpc('generatetoaddress', '30', address);
    const mined = (await a.rpc('getblockchaininfo')) as {
      initialblockdownload: boolean;
      verificationprogress: number;
    };
    assert.equal(mined.initialblockdownload, false);
    assert.equal(mined.verificationprogress, 1);

    const b = await startNode('ibd-b', ['--bootstrap', `/ip4/127.0.0.1/tcp/${a.p2pPort}/p2p/${a.peerId()}`]);
    const info = await waitFor(
      async () => {
        const i = (await b.rpc('getblockchaininfo')) as {
          blocks: number;
          headers: number;
          initialblockdownload: boolean;
        };
        return i.blocks === 30 && i;
      },
      60_000,
      'b to catch up',
    );
    assert.equal(info.initialblockdownload, false);
    assert.equal(info.headers, 30);
    await waitFor(
      async () => b.proc.output().includes('initial block download done'),
      10_000,
      'the done line',
    );
    // per-block lines are DEBUG: none of the 30 blocks logged a 'new tip' line at INFO
    assert.doesNotMatch(b.proc.output(), /new tip/);
  });

  /** The modules (ES modules: what the load hook sees) `qenex ...args` loads, and its stderr. */
  async function modulesLoadedBy(args: readonly string[]): Promise<{ loaded: string[]; stderr: string }> {
    const hook = `export async function load(url, ctx, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, ctx); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const out = await new Promise<string>((resolve) => {
      const p = spawn(
        process.execPath,
        ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args],
        { cwd: ROOT, env: sourceEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('exit', () => resolve(err));
    });
    const lines = out.split('\n');
    return {
      loaded: lines.filter((l) => l.startsWith('LOADED ')),
      stderr: lines.filter((l) => !l.startsWith('LOADED ')).join('\n'),
    };
  }

  it('`qenex rpc` loads neither libp2p nor the node, nor the consensus rules, the training code or zod', async () => {
    const port = await freePort(); // nothing listens: the call fails after loading all it needs
    const rpcArgs = ['rpc', '--network', 'devnet', '--rpc-user', 'u', '--rpc-password', 'p'];
    const { loaded, stderr } = await modulesLoadedBy([
      ...rpcArgs,
      '--rpc-port',
      String(port),
      'getblockcount',
    ]);
    assert.ok(
      loaded.some((l) => l.includes('/node/cli/rpcCall.')),
      'the RPC client was loaded',
    );
    assert.match(stderr, /cannot connect to the qenex node/);
    for (const heavy of [
      '/node_modules/libp2p/',
      '/node_modules/@libp2p/',
      '/node/createNode.',
      '/wallet/index.',
      // without a config file the options are the defaults and the flags: no schema
      '/node_modules/zod/',
      '/node/config/index.',
      '/node/config/schema.',
      // the error base class, the ports and the training defaults come from leaf modules
      // (docs/architecture.md, "Leaf modules")
      '/consensus/index.',
      '/node_modules/@noble/',
      '/training/index.',
    ]) {
      assert.ok(!loaded.some((l) => l.includes(heavy)), `qenex rpc loaded ${heavy}`);
    }

    // With a config file the schema checks it (and the hook above does see zod when it loads).
    const config = join(root, 'rpc-client.yaml');
    writeFileSync(config, `rpc:\n  port: ${port}\n`);
    const withFile = await modulesLoadedBy([...rpcArgs, '--config', config, 'getblockcount']);
    assert.match(
      withFile.stderr,
      new RegExp(`cannot connect to the qenex node at http://127.0.0.1:${port}/`),
    );
    assert.ok(
      withFile.loaded.some((l) => l.includes('/node_modules/zod/')),
      'the schema checked the file',
    );
    assert.ok(!withFile.loaded.some((l) => l.includes('/consensus/index.')), 'nor the consensus rules');
  });

  const dist = join(ROOT, 'dist/scripts/devnode.js');

  it('npm start stops cleanly when SIGTERM reaches npm (npm → sh → node)', async () => {
    assert.ok(existsSync(dist), 'dist/ is not built: run `npm run build` (npm test does)');
    const datadir = join(root, 'npm-start');
    const rpcPort = await freePort();
    // --ignore-scripts: skip prestart's build (npm test has built dist/)
    const npm = spawn(
      'npm',
      [
        'start',
        '--ignore-scripts',
        '--',
        '--datadir',
        datadir,
        '--no-mine',
        '--no-train',
        '--rpc-port',
        String(rpcPort),
        '--p2p-port',
        String(await freePort()),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.push(npm);
    await waitFor(async () => existsSync(join(datadir, '.cookie')), 60_000, 'the devnode RPC cookie');
    const nodePid = Number(readFileSync(join(datadir, '.lock'), 'utf8').trim().split(/\s/)[0]);
    assert.ok(Number.isInteger(nodePid) && nodePid !== npm.pid);
    npm.kill('SIGTERM');
    await waitFor(
      async () => !existsSync(join(datadir, '.lock')),
      30_000,
      'the node to stop and release .lock',
    );
    await waitFor(
      async () => {
        try {
          process.kill(nodePid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the node process to exit',
    );
    assert.ok(!existsSync(join(datadir, '.cookie')));
  });

  it('the compiled node (dist/) scores, trains and hashes on the WebAssembly kernels and says so', async () => {
    assert.ok(existsSync(join(ROOT, 'dist/node/cli/index.js')), 'dist/ is not built: run `npm run build`');
    const datadir = join(root, 'compiled');
    const rpcPort = await freePort();
    // no QENEX_FROM_SOURCE: bin/qenex.js runs dist/, whose worker bootstraps load compiled JavaScript
    const { QENEX_FROM_SOURCE: _, ...env } = process.env;
    const p = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--network',
        'devnet',
        '--datadir',
        datadir,
        '--train',
        '--train-cpu-share',
        '0.2',
        '--rpc-port',
        String(rpcPort),
        '--p2p-port',
        String(await freePort()),
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.push(p);
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    await waitFor(async () => out.includes('qenex node started'), 90_000, 'the node to start');
    const r = await runCli([
      'rpc',
      '--network',
      'devnet',
      '--datadir',
      datadir,
      '--rpc-port',
      String(rpcPort),
      'gettraininginfo',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { scoringkernel: string; trainingkernel: string };
    assert.equal(info.scoringkernel, 'wasm');
    assert.equal(info.trainingkernel, 'wasm');
    assert.match(out, /"scoringKernel":"wasm","hashingKernel":"wasm","trainingKernel":"wasm"/);
    assert.doesNotMatch(out, /WebAssembly kernels not built/);
    p.kill('SIGTERM');
    assert.equal(await exited(p, 30_000), 0);
  });
});
