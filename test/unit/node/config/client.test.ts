import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionsFromDefaults, parseArgsLazily } from '../../../../node/config/client.js';
import {
  type CliFlags,
  defaultNodeOptions,
  type NodeOptions,
  parseArgs,
} from '../../../../node/config/index.js';
import { tempHomeAndCwd } from './helpers.js';

/** The options as text, keys in order (bigints as strings), so that key order is compared too. */
const text = (o: NodeOptions) => JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

/** parseArgs's result or its error's message. (Errors from the lazily loaded parser may be another
 * copy of ConfigError under mocha's loader: compare names and messages, not classes.) */
async function outcome(run: () => NodeOptions | Promise<NodeOptions>): Promise<NodeOptions | string> {
  try {
    return await run();
  } catch (e) {
    assert.ok(e instanceof Error);
    return `${e.name}: ${e.message}`;
  }
}

describe('node/config client (parseArgsLazily)', () => {
  const dirs = tempHomeAndCwd();
  const env = dirs.env;

  before(() => {
    const work = dirs.work;
    mkdirSync(join(work, 'with-file'));
    writeFileSync(join(work, 'with-file', 'qenex.yaml'), 'rpc:\n  port: 20000\n');
    mkdirSync(join(work, 'bad-file'));
    writeFileSync(join(work, 'bad-file', 'qenex.yaml'), 'training:\n  cpuShare: 2\n');
    writeFileSync(join(work, 'a-file'), '');
    writeFileSync(join(work, 'explicit.yaml'), 'network: test\n');
  });

  const plain = (): CliFlags[] => [
    {},
    { network: 'devnet' },
    { network: 'test', rpcPort: '0' },
    { network: 'main', rpcPort: 8400 },
    { rpcPort: ' 8400 ' },
    {
      network: 'devnet',
      datadir: 'rel/dd',
      rpcHost: '::1',
      rpcPort: '19001',
      rpcUser: 'u',
      rpcPassword: 'p',
    },
    { datadir: '~/elsewhere', rpcHost: '0.0.0.0' },
    { datadir: join(dirs.work, 'no-such-dir', 'deeper') },
    // not options (a command's own flags, such as `ai improvements --last`): ignored by both
    { network: 'devnet', last: 3, json: true } as CliFlags,
  ];

  it('gives what parseArgs gives, frozen and in the same key order, without the schema', () => {
    for (const flags of plain()) {
      const fast = optionsFromDefaults(flags, env());
      assert.ok(fast !== undefined, `took the plain path for ${JSON.stringify(flags)}`);
      const full = parseArgs(flags, env());
      assert.deepStrictEqual(fast, full, JSON.stringify(flags));
      assert.equal(text(fast), text(full), `key order for ${JSON.stringify(flags)}`);
      assert.ok(Object.isFrozen(fast.rpc) && Object.isFrozen(fast.p2p.banExempt));
    }
  });

  it('does not freeze the shared defaults (parseArgs does not)', () => {
    for (const network of ['main', 'test', 'devnet'] as const) {
      assert.ok(optionsFromDefaults({ network }, env()) !== undefined);
      assert.ok(!Object.isFrozen(defaultNodeOptions(network).p2p.banExempt), network);
    }
  });

  it('leaves to parseArgs a config file, other flags and any value that needs the schema', async () => {
    const deferred: CliFlags[] = [
      { config: join(dirs.work, 'explicit.yaml') },
      { config: join(dirs.work, 'missing.yaml') },
      { datadir: join(dirs.work, 'with-file') },
      { datadir: join(dirs.work, 'bad-file') },
      { datadir: join(dirs.work, 'a-file') },
      { network: 'regtest' },
      { rpcPort: 'abc' },
      { rpcPort: '70000' },
      { rpcPort: '1.5' },
      { rpcPort: '-1' },
      { network: 'devnet', rpcPort: '18444' },
      { rpcUser: 'u' },
      { rpcPassword: 'p' },
      { rpcHost: '' },
      { datadir: '' },
      { mine: true },
      { mine: true, address: 'x' },
      { p2pPort: '1' },
      { banExempt: false },
      { logLevel: 'debug' },
    ];
    for (const flags of deferred) {
      assert.equal(optionsFromDefaults(flags, env()), undefined, JSON.stringify(flags));
      const lazy = await outcome(() => parseArgsLazily(flags, env()));
      const full = await outcome(() => parseArgs(flags, env()));
      assert.deepStrictEqual(lazy, full, JSON.stringify(flags));
      if (typeof lazy !== 'string' && typeof full !== 'string') assert.equal(text(lazy), text(full));
    }
  });

  it('parseArgsLazily takes the plain path when it can', async () => {
    for (const flags of plain()) {
      assert.deepStrictEqual(await parseArgsLazily(flags, env()), parseArgs(flags, env()));
    }
  });
});

describe('leaf modules imported past their folder’s index (docs/architecture.md)', () => {
  const root = join(import.meta.dirname, '../../../..');
  for (const leaf of ['consensus/errors.ts', 'consensus/params/ports.ts', 'training/constants.ts']) {
    it(`${leaf} imports nothing at run time`, () => {
      const src = readFileSync(join(root, leaf), 'utf8');
      const imports = [...src.matchAll(/^\s*(?:import|export)\s(?:[^;]*?from\s+)?'([^']+)'/gm)]
        .filter((m) => !/^\s*(import|export)\s+type\s/.test(m[0]))
        .map((m) => m[1]);
      assert.deepEqual(imports, []);
    });
  }
});
