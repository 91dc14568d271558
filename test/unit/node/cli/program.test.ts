import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram, CliError, type CliHandlers, type CliIo, main } from '../../../../node/cli/index.js';
import { defaultNodeOptions, type NodeOptions } from '../../../../node/config/index.js';

interface Call {
  handler: keyof CliHandlers;
  opts: NodeOptions;
  method?: string;
  params?: readonly string[];
  last?: number;
  prompt?: string;
  gen?: object;
  domain?: string;
  input?: string;
}

function recorder(): { handlers: CliHandlers; calls: Call[] } {
  const calls: Call[] = [];
  const handlers: CliHandlers = {
    node: async (opts) => void calls.push({ handler: 'node', opts }),
    status: async (opts) => void calls.push({ handler: 'status', opts }),
    dashboard: async (opts) => void calls.push({ handler: 'dashboard', opts }),
    chainVerify: async (opts) => void calls.push({ handler: 'chainVerify', opts }),
    mineStatus: async (opts) => void calls.push({ handler: 'mineStatus', opts }),
    aiStatus: async (opts) => void calls.push({ handler: 'aiStatus', opts }),
    aiImprovements: async (opts, last) => void calls.push({ handler: 'aiImprovements', opts, last }),
    aiGenerate: async (opts, prompt, gen) => void calls.push({ handler: 'aiGenerate', opts, prompt, gen }),
    aiPredict: async (opts, domain, input) => void calls.push({ handler: 'aiPredict', opts, domain, input }),
    rpc: async (opts, method, params) => void calls.push({ handler: 'rpc', opts, method, params }),
  };
  return { handlers, calls };
}

function bufferIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}

describe('node/cli program', () => {
  let home: string;
  let cwd: string;
  const env = () => ({ homedir: home, cwd });

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'qenex-cli-home-'));
    cwd = mkdtempSync(join(tmpdir(), 'qenex-cli-cwd-'));
  });
  after(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ calls: Call[]; io: ReturnType<typeof bufferIo> }> {
    const { handlers, calls } = recorder();
    const io = bufferIo();
    await buildProgram(handlers, { io, env: env() }).parseAsync(['node', 'qenex', ...args]);
    return { calls, io };
  }

  it('parses `node --network devnet --mine --address X --datadir D` into options', async () => {
    const { calls } = await run([
      'node',
      '--network',
      'devnet',
      '--mine',
      '--address',
      'X',
      '--datadir',
      'D',
    ]);
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.handler, 'node');
    const d = defaultNodeOptions('devnet', { homedir: home });
    assert.deepEqual(call.opts, {
      ...d,
      datadir: join(cwd, 'D'),
      mining: { ...d.mining, enabled: true, address: 'X' },
    });
  });

  it('passes ports, bootstrap peers, log level and negated flags', async () => {
    const { calls } = await run([
      'node',
      '--rpc-port',
      '1234',
      '--p2p-port',
      '0',
      '--bootstrap',
      '/ip4/127.0.0.1/tcp/1',
      '/ip4/127.0.0.1/tcp/2',
      '--log-level',
      'debug',
      '--no-rpc-cookie',
      '--rpc-user',
      'u',
      '--rpc-password',
      'p',
      '--train',
      '--train-cpu-share',
      '0.25',
      '--aggregation',
      'mean',
      '--delta-interval',
      '2500',
      '--delta-density',
      '0.0078125',
      '--shard-count',
      '3',
      '--shard-index',
      '1',
      '--payout-address',
      'qxc1payout',
    ]);
    const o = calls[0]!.opts;
    assert.equal(o.network, 'main');
    assert.equal(o.rpc.port, 1234);
    assert.equal(o.p2p.port, 0);
    assert.deepEqual(o.p2p.bootstrap, ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2']);
    assert.equal(o.log.level, 'debug');
    assert.equal(o.rpc.cookie, false);
    assert.deepEqual([o.rpc.user, o.rpc.password], ['u', 'p']);
    assert.deepEqual(
      { ...o.training },
      {
        enabled: true,
        cpuShare: 0.25,
        aggregation: 'mean',
        deltaIntervalMs: 2500,
        deltaDensity: 0.0078125,
        shardCount: 3,
        shardIndex: 1,
        payoutAddress: 'qxc1payout',
      },
    );
  });

  it('passes the per-address cap and ban exemptions; --no-ban-exempt exempts nothing', async () => {
    const d = (await run(['node', '--network', 'devnet'])).calls[0]!.opts;
    assert.deepEqual(d.p2p.banExempt, [
      '127.0.0.0/8',
      '::1/128',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      'fc00::/7',
    ]);
    assert.deepEqual((await run(['node'])).calls[0]!.opts.p2p.banExempt, ['127.0.0.0/8', '::1/128']);
    const set = (
      await run(['node', '--max-connections-per-ip', '2', '--ban-exempt', '10.0.0.0/8', '192.168.1.0/24'])
    ).calls[0]!.opts;
    assert.equal(set.p2p.maxConnectionsPerIp, 2);
    assert.deepEqual(set.p2p.banExempt, ['10.0.0.0/8', '192.168.1.0/24']);
    assert.deepEqual((await run(['node', '--no-ban-exempt'])).calls[0]!.opts.p2p.banExempt, []);
  });

  it('passes the metrics and dashboard flags, and routes `dashboard`', async () => {
    const d = (await run(['node', '--network', 'devnet'])).calls[0]!.opts;
    assert.deepEqual({ ...d.metrics }, { enabled: false, host: '127.0.0.1', port: 19443 });
    assert.equal(d.dashboard.enabled, true);
    const set = (
      await run(['node', '--metrics', '--metrics-host', '::1', '--metrics-port', '0', '--no-dashboard'])
    ).calls[0]!.opts;
    assert.deepEqual({ ...set.metrics }, { enabled: true, host: '::1', port: 0 });
    assert.equal(set.dashboard.enabled, false);
    const dash = (await run(['dashboard', '--network', 'test'])).calls[0]!;
    assert.deepEqual([dash.handler, dash.opts.rpc.port], ['dashboard', 18332]);
  });

  it('lets a flag override the config file, and an unset flag leave it alone', async () => {
    const file = join(cwd, 'q.yaml');
    writeFileSync(
      file,
      'network: devnet\nrpc:\n  cookie: false\n  user: a\n  password: b\nmining:\n  enabled: true\n  address: A\n',
    );
    const kept = (await run(['node', '--config', file])).calls[0]!.opts;
    assert.equal(kept.rpc.cookie, false, 'no --no-rpc-cookie typed: the file decides');
    assert.equal(kept.mining.enabled, true);
    const overridden = (await run(['node', '--config', file, '--no-mine'])).calls[0]!.opts;
    assert.equal(overridden.mining.enabled, false);
    assert.equal(overridden.network, 'devnet');
  });

  it('routes status, chain verify, mine status and rpc with their options', async () => {
    assert.equal((await run(['status', '--network', 'test'])).calls[0]!.opts.rpc.port, 18332);
    assert.equal((await run(['chain', 'verify', '--network', 'devnet'])).calls[0]!.handler, 'chainVerify');
    assert.equal((await run(['mine', 'status', '--rpc-port', '9999'])).calls[0]!.opts.rpc.port, 9999);
    const rpc = (await run(['rpc', '--network', 'devnet', 'getblockhash', '0', '-1', '{"a":1}'])).calls[0]!;
    assert.equal(rpc.handler, 'rpc');
    assert.equal(rpc.method, 'getblockhash');
    assert.deepEqual(rpc.params, ['0', '-1', '{"a":1}']);
    assert.equal(rpc.opts.network, 'devnet');
    const after = (await run(['rpc', 'getblockcount', '--network', 'test'])).calls[0]!;
    assert.deepEqual([after.method, after.params, after.opts.network], ['getblockcount', [], 'test']);
  });

  it('routes ai status and ai improvements --last N', async () => {
    const st = (await run(['ai', 'status', '--network', 'devnet'])).calls[0]!;
    assert.deepEqual([st.handler, st.opts.rpc.port], ['aiStatus', 18443]);
    const imp = (await run(['ai', 'improvements', '--last', '3', '--rpc-port', '9999'])).calls[0]!;
    assert.deepEqual([imp.handler, imp.last, imp.opts.rpc.port], ['aiImprovements', 3, 9999]);
    assert.equal((await run(['ai', 'improvements'])).calls[0]!.last, 10);
  });

  it('routes ai generate and ai predict with their arguments', async () => {
    const g = (
      await run(['ai', 'generate', 'the cat', '--length', '50', '--seed', '7', '--temperature', '0'])
    ).calls[0]!;
    assert.deepEqual(
      [g.handler, g.prompt, g.gen],
      ['aiGenerate', 'the cat', { length: 50, seed: 7, temperature: 0 }],
    );
    const d = (await run(['ai', 'generate', 'x'])).calls[0]!;
    assert.deepEqual(d.gen, {});
    const p = (await run(['ai', 'predict', 'math', '123+456'])).calls[0]!;
    assert.deepEqual([p.handler, p.domain, p.input], ['aiPredict', 'math', '123+456']);
    await assert.rejects(
      run(['ai', 'generate', 'x', '--temperature', '-1']),
      (e: unknown) => e instanceof CommanderError,
    );
  });

  it('rejects bad input through commander or the config layer', async () => {
    await assert.rejects(run(['node', '--network', 'regtest']), (e: unknown) => e instanceof CommanderError);
    await assert.rejects(run(['node', '--bogus']), (e: unknown) => e instanceof CommanderError);
    await assert.rejects(
      run(['node', '--rpc-port', 'abc']),
      /config error: --rpc-port: expected integer 0\.\.65535/,
    );
  });

  it('prints the example config and help text', async () => {
    const { io } = await run(['config', 'example', '--network', 'devnet']);
    assert.match(io.stdout, /^ {2}# port: 18443$/m);
    const help = bufferIo();
    await assert.rejects(
      buildProgram(recorder().handlers, { io: help }).parseAsync(['node', 'qenex', 'node', '--help']),
      (e: unknown) => e instanceof CommanderError && e.exitCode === 0,
    );
    for (const flag of [
      '--network',
      '--datadir',
      '--config',
      '--rpc-port',
      '--p2p-port',
      '--bootstrap',
      '--mine',
      '--address',
      '--log-level',
    ]) {
      assert.ok(help.stdout.includes(flag), `node --help mentions ${flag}`);
    }
  });

  it('main returns exit codes: 0 for help, 1 for errors, with the message on stderr', async () => {
    const io = bufferIo();
    assert.equal(await main(['node', 'qenex', '--help'], { io, env: env() }), 0);
    assert.match(io.stdout, /Usage: qenex/);
    const err = bufferIo();
    assert.equal(
      await main(['node', 'qenex', 'node', '--network', 'devnet', '--rpc-port', 'abc'], {
        io: err,
        env: env(),
      }),
      1,
    );
    assert.match(err.stderr, /--rpc-port: expected integer/);
    const bad = bufferIo();
    assert.equal(await main(['node', 'qenex', 'node', '--mine'], { io: bad, env: env() }), 1);
    assert.equal(
      bad.stderr,
      'config error: mining.address: required when mining.enabled is true (--mine needs --address)\n',
    );
    const failing = recorder().handlers;
    failing.status = async () => {
      throw new CliError({ code: 'RPC_ERROR', method: 'x', rpcCode: -1, rpcMessage: 'boom' });
    };
    const e2 = bufferIo();
    assert.equal(await main(['node', 'qenex', 'status'], { io: e2, env: env(), handlers: failing }), 1);
    assert.equal(e2.stderr, 'error: boom (RPC error -1)\n');
  });

  it('accepts the location and RPC options before the command or between group and command', async () => {
    const dir = join(cwd, 'global-dd');
    const forms = [
      ['--network', 'devnet', '--datadir', dir, '--rpc-port', '19001', 'status'],
      ['--network', 'devnet', 'mine', '--datadir', dir, 'status', '--rpc-port', '19001'],
      ['ai', '--network', 'devnet', '--rpc-port', '19001', 'status', '--datadir', dir],
    ];
    for (const args of forms) {
      const { calls } = await run(args);
      assert.equal(calls.length, 1, args.join(' '));
      assert.equal(calls[0]!.opts.network, 'devnet');
      assert.equal(calls[0]!.opts.datadir, dir);
      assert.equal(calls[0]!.opts.rpc.port, 19001);
    }
    // the flag nearest the command wins
    const { calls } = await run(['--network', 'test', 'rpc', '--network', 'devnet', 'getblockcount']);
    assert.equal(calls[0]!.opts.network, 'devnet');
  });

  it('accepts global flags around `wallet`: qenex wallet --network devnet balance, qenex --network devnet wallet balance', async () => {
    const seen: Array<{ network: string; rpcPort: number; json: boolean | undefined }> = [];
    const { handlers } = recorder();
    const wallet = {
      balance: async (opts: NodeOptions, flags: { json?: boolean }) =>
        void seen.push({ network: opts.network, rpcPort: opts.rpc.port, json: flags.json }),
    } as unknown as NonNullable<Parameters<typeof buildProgram>[0]['wallet']>;
    for (const args of [
      ['wallet', '--network', 'devnet', 'balance'],
      ['--network', 'devnet', 'wallet', 'balance', '--json'],
      ['--rpc-port', '19002', 'wallet', '--network', 'devnet', 'balance'],
    ]) {
      await buildProgram({ ...handlers, wallet }, { io: bufferIo(), env: env() }).parseAsync([
        'node',
        'qenex',
        ...args,
      ]);
    }
    assert.deepEqual(seen, [
      { network: 'devnet', rpcPort: 18443, json: false },
      { network: 'devnet', rpcPort: 18443, json: true },
      { network: 'devnet', rpcPort: 19002, json: false },
    ]);
  });

  it('passes --log-file, relative to the datadir', async () => {
    const dir = join(cwd, 'logdd');
    const { calls } = await run(['node', '--network', 'devnet', '--datadir', dir, '--log-file', 'debug.log']);
    assert.equal(calls[0]!.opts.log.file, join(dir, 'debug.log'));
    const abs = await run(['node', '--network', 'devnet', '--log-file', '/var/log/qenex.log']);
    assert.equal(abs.calls[0]!.opts.log.file, '/var/log/qenex.log');
    assert.equal((await run(['node', '--network', 'devnet'])).calls[0]!.opts.log.file, undefined);
  });
});
