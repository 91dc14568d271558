import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  defaultNodeOptions,
  finalize,
  parseArgs,
  parseConfigText,
} from '../../../../node/config/index.js';
import { tempHomeAndCwd } from './helpers.js';

function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

describe('node/config parseArgs', () => {
  const dirs = tempHomeAndCwd();
  const env = dirs.env;

  it('defaults to main with ~/.qenex/main and the main ports', () => {
    const o = parseArgs({}, env());
    assert.equal(o.network, 'main');
    assert.equal(o.datadir, join(dirs.home, '.qenex', 'main'));
    assert.equal(o.rpc.port, 8332);
    assert.equal(o.p2p.port, 8333);
    assert.equal(o.rpc.host, '127.0.0.1');
    assert.equal(o.rpc.cookie, true);
    assert.equal(o.log.level, 'info');
    assert.equal(o.training.cpuShare, 0.5);
    assert.equal(o.mempool.minFeeRate, 1000n);
    assert.deepEqual(o, defaultNodeOptions('main', { homedir: dirs.home }));
  });

  it('picks the datadir and ports per network', () => {
    const expected = { main: [8332, 8333], test: [18332, 18333], devnet: [18443, 18444] } as const;
    for (const network of ['main', 'test', 'devnet'] as const) {
      const o = parseArgs({ network }, env());
      assert.equal(o.datadir, join(dirs.home, '.qenex', network));
      assert.deepEqual([o.rpc.port, o.p2p.port], expected[network]);
    }
  });

  it('layers defaults < config file < flags', () => {
    const file = join(dirs.work, 'layers.yaml');
    writeFileSync(
      file,
      [
        'network: test',
        'rpc:',
        '  port: 20000',
        '  ws: true',
        'p2p:',
        '  bootstrap: [/ip4/10.0.0.1/tcp/1]',
        '  maxConnections: 8',
        'log:',
        '  level: debug',
      ].join('\n'),
    );
    const fileOnly = parseArgs({ config: file }, env());
    assert.equal(fileOnly.network, 'test');
    assert.equal(fileOnly.rpc.port, 20000);
    assert.equal(fileOnly.rpc.ws, true);
    assert.equal(fileOnly.p2p.port, 18333, 'untouched keys keep the default of the file’s network');
    assert.deepEqual(fileOnly.p2p.bootstrap, ['/ip4/10.0.0.1/tcp/1']);
    assert.equal(fileOnly.log.level, 'debug');

    const both = parseArgs(
      {
        config: file,
        rpcPort: '20001',
        logLevel: 'warn',
        bootstrap: ['/ip4/10.0.0.2/tcp/2'],
        network: 'devnet',
      },
      env(),
    );
    assert.equal(both.network, 'devnet');
    assert.equal(both.datadir, join(dirs.home, '.qenex', 'devnet'));
    assert.equal(both.rpc.port, 20001, 'flag beats file');
    assert.equal(both.rpc.ws, true, 'file beats default');
    assert.equal(both.p2p.maxConnections, 8);
    assert.equal(both.p2p.port, 18444, 'default of the flag’s network');
    assert.deepEqual(both.p2p.bootstrap, ['/ip4/10.0.0.2/tcp/2'], 'a list flag replaces the file’s list');
    assert.equal(both.log.level, 'warn');
  });

  it('reads <datadir>/qenex.yaml when no --config is given', () => {
    const dd = join(dirs.work, 'dd-implicit');
    mkdirSync(dd);
    writeFileSync(join(dd, 'qenex.yaml'), 'network: devnet\nmining:\n  threads: 3\n');
    const o = parseArgs({ datadir: dd }, env());
    assert.equal(o.datadir, dd);
    assert.equal(o.network, 'devnet');
    assert.equal(o.rpc.port, 18443);
    assert.equal(o.mining.threads, 3);
    assert.equal(parseArgs({ datadir: 'dd-implicit', miningThreads: '5' }, env()).mining.threads, 5);
  });

  it('rejects datadir inside the datadir’s own qenex.yaml, and a network at odds with the default datadir', () => {
    const dd = join(dirs.work, 'dd-bad');
    mkdirSync(dd);
    writeFileSync(join(dd, 'qenex.yaml'), 'datadir: /elsewhere\n');
    assert.match(
      configErrorMessage(() => parseArgs({ datadir: dd }, env())),
      /config error: datadir: not allowed/,
    );

    const mainDir = join(dirs.home, '.qenex', 'main');
    mkdirSync(mainDir, { recursive: true });
    writeFileSync(join(mainDir, 'qenex.yaml'), 'network: devnet\n');
    try {
      assert.match(
        configErrorMessage(() => parseArgs({}, env())),
        /sets network devnet .* pass --network devnet/,
      );
      assert.equal(parseArgs({ network: 'main' }, env()).network, 'main', 'the flag settles it');
    } finally {
      rmSync(join(mainDir, 'qenex.yaml'));
    }
  });

  it('resolves ~ and relative datadirs', () => {
    assert.equal(parseArgs({ datadir: '~/x' }, env()).datadir, join(dirs.home, 'x'));
    assert.equal(parseArgs({ datadir: 'rel' }, env()).datadir, join(dirs.work, 'rel'));
    const cfgDir = join(dirs.work, 'cfgdir');
    mkdirSync(cfgDir);
    writeFileSync(join(cfgDir, 'c.yaml'), 'datadir: data\n');
    assert.equal(parseArgs({ config: join(cfgDir, 'c.yaml') }, env()).datadir, join(cfgDir, 'data'));
  });

  it('names the key path of an unknown key', () => {
    const msg = configErrorMessage(() => parseConfigText('rpc:\n  prot: 1\n', '/tmp/q.yaml'));
    assert.match(
      msg,
      /^config error: rpc\.prot: unknown key \(allowed here: host, port, user, password, cookie, ws\)/,
    );
    assert.match(msg, /\(in \/tmp\/q\.yaml\)$/);
    assert.match(
      configErrorMessage(() => parseConfigText('rcp: {}\n', 'f')),
      /config error: rcp: unknown key/,
    );
  });

  it('names the key and the reason for a bad value', () => {
    assert.equal(
      configErrorMessage(() => parseConfigText('rpc:\n  port: abc\n', 'f.yaml')),
      'config error: rpc.port: expected integer 0..65535, got "abc" (in f.yaml)',
    );
    assert.match(
      configErrorMessage(() => parseConfigText('rpc:\n  port: 70000\n', 'f')),
      /rpc\.port: .* got 70000/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('rpc:\n  port: 1.5\n', 'f')),
      /rpc\.port: .* got 1.5/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('log:\n  level: loud\n', 'f')),
      /log\.level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('network: regtest\n', 'f')),
      /network: expected one of main/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('p2p:\n  bootstrap: [a, 2]\n', 'f')),
      /p2p\.bootstrap\[1\]: expected a multiaddr string, got 2/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('training:\n  cpuShare: 2\n', 'f')),
      /training\.cpuShare/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('mempool:\n  minFeeRate: -1\n', 'f')),
      /mempool\.minFeeRate/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('rpc: 5\n', 'f')),
      /rpc: expected a mapping/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('- a\n', 'f')),
      /\(top level\): expected a mapping/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('rpc: [\n', 'f')),
      /f is not valid YAML/,
    );
    assert.match(
      configErrorMessage(() => parseConfigText('a: 1\na: 2\n', 'f')),
      /not valid YAML/,
    );
  });

  it('reports every bad key of a file at once', () => {
    const msg = configErrorMessage(() =>
      parseConfigText('rpc:\n  port: x\n  prot: 1\nlog:\n  level: 9\n', 'f'),
    );
    assert.equal(msg.split('\n').length, 3);
  });

  it('names the flag for a bad flag value', () => {
    assert.equal(
      configErrorMessage(() => parseArgs({ rpcPort: 'abc' }, env())),
      'config error: --rpc-port: expected integer 0..65535, got "abc"',
    );
    assert.match(
      configErrorMessage(() => parseArgs({ trainCpuShare: '1.5' }, env())),
      /--train-cpu-share: .* got 1.5/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ miningThreads: '2x' }, env())),
      /--mining-threads: .* got "2x"/,
    );
  });

  it('accepts a fee rate as integer or digit string and keeps it a bigint', () => {
    assert.equal(parseConfigText('mempool:\n  minFeeRate: 2500\n', 'f').mempool?.minFeeRate, 2500n);
    assert.equal(
      parseConfigText('mempool:\n  minFeeRate: "99999999999999999999"\n', 'f').mempool?.minFeeRate,
      10n ** 20n - 1n,
    );
  });

  it('checks settings that depend on each other', () => {
    assert.match(
      configErrorMessage(() => parseArgs({ mine: true }, env())),
      /mining\.address: required when/,
    );
    assert.equal(parseArgs({ mine: true, address: 'dqxc1abc' }, env()).mining.address, 'dqxc1abc');
    assert.match(
      configErrorMessage(() => parseArgs({ rpcUser: 'u' }, env())),
      /rpc\.password: rpc\.user and rpc\.password/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ rpcPort: '9000', p2pPort: '9000' }, env())),
      /p2p\.port: same as rpc\.port/,
    );
    assert.equal(
      parseArgs({ rpcPort: '9000', p2pPort: '9000', p2pHost: '127.0.1.1' }, env()).p2p.port,
      9000,
      'one port on two distinct addresses is two sockets',
    );
    for (const p2pHost of ['0.0.0.0', 'localhost'])
      assert.match(
        configErrorMessage(() => parseArgs({ rpcPort: '9000', p2pPort: '9000', p2pHost }, env())),
        /p2p\.port: same as rpc\.port \(9000\) on /,
        `${p2pHost} may overlap 127.0.0.1`,
      );
    assert.equal(parseArgs({ rpcPort: '0', p2pPort: '0' }, env()).rpc.port, 0, 'port 0 means any free port');
    assert.match(
      configErrorMessage(() => parseArgs({ metrics: true, metricsPort: '9000', rpcPort: '9000' }, env())),
      /metrics\.port: 9000 is already the rpc or p2p port/,
    );
    assert.equal(parseArgs({ metricsPort: '8332' }, env()).metrics.port, 8332, 'checked only when enabled');
  });

  it('training keys: aggregation rule, delta interval, delta density, shard and payout address', () => {
    const d = parseArgs({}, env()).training;
    assert.deepEqual(
      { ...d },
      {
        enabled: false,
        cpuShare: 0.5,
        aggregation: 'sparse-mean',
        deltaDensity: 1 / 128,
        deltaIntervalMs: 5000,
        shardCount: 8,
      },
    );
    const t = parseConfigText(
      'training:\n  aggregation: mean\n  deltaIntervalMs: 2000\n  shardCount: 4\n  shardIndex: 3\n  payoutAddress: dqxc1xyz\n',
      'f',
    ).training;
    assert.deepEqual(t, {
      aggregation: 'mean',
      deltaIntervalMs: 2000,
      shardCount: 4,
      shardIndex: 3,
      payoutAddress: 'dqxc1xyz',
    });
    const flags = parseArgs(
      {
        aggregation: 'mean',
        deltaInterval: '750',
        deltaDensity: '0.0078125',
        shardCount: '3',
        shardIndex: '2',
        payoutAddress: 'dqxc1p',
      },
      env(),
    ).training;
    assert.equal(flags.aggregation, 'mean');
    assert.equal(flags.deltaIntervalMs, 750);
    assert.equal(flags.deltaDensity, 1 / 128);
    assert.match(
      configErrorMessage(() => parseArgs({ deltaDensity: '0' }, env())),
      /--delta-density: expected a number in \(0, 0\.015625\], got 0/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ deltaDensity: '0.5' }, env())),
      /--delta-density: expected a number in \(0, 0\.015625\], got 0\.5/,
      'a dense delta would break the consensus entry bound',
    );
    assert.equal(flags.shardIndex, 2);
    assert.equal(flags.payoutAddress, 'dqxc1p');
    assert.match(
      configErrorMessage(() => parseArgs({ aggregation: 'mode' }, env())),
      /--aggregation: expected one of sparse-mean, mean, got "mode"/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ deltaInterval: '10' }, env())),
      /--delta-interval: expected milliseconds 500\.\.3600000, got 10/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ shardCount: '0' }, env())),
      /--shard-count: expected integer 1\.\.1024, got 0/,
    );
    assert.match(
      configErrorMessage(() => parseArgs({ shardIndex: '8' }, env())),
      /training\.shardIndex: 8 is not below training\.shardCount \(8\)/,
    );
  });

  it('fails clearly on a missing --config file', () => {
    const msg = configErrorMessage(() => parseArgs({ config: 'nope.yaml' }, env()));
    assert.equal(msg, `config error: config file ${join(dirs.work, 'nope.yaml')} does not exist`);
  });

  it('returns frozen options; finalize validates hand-built options', () => {
    const o = parseArgs({}, env());
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.rpc) && Object.isFrozen(o.p2p.bootstrap));
    const d = defaultNodeOptions('devnet', { homedir: dirs.home });
    assert.deepEqual(finalize({ ...d, rpc: { ...d.rpc, port: 0 } }).rpc.port, 0);
    assert.match(
      configErrorMessage(() => finalize({ ...d, extra: 1 })),
      /extra: unknown key/,
    );
  });
});
