import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import {
  defaultNodeOptions,
  optionDocs,
  parseArgs,
  parseConfigText,
  renderDefaultConfig,
} from '../../../../node/config/index.js';

describe('node/config renderDefaultConfig', () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'qenex-render-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  for (const network of ['main', 'test', 'devnet'] as const) {
    it(`parses back into the ${network} defaults`, () => {
      const file = join(home, `${network}.yaml`);
      writeFileSync(file, renderDefaultConfig(network));
      const opts = parseArgs({ config: file, network }, { homedir: home, cwd: home });
      assert.deepEqual(opts, defaultNodeOptions(network, { homedir: home }));
    });
  }

  it('sets every default-bearing key explicitly (so a changed default changes the file)', () => {
    const layer = parseConfigText(renderDefaultConfig('devnet'), 'example');
    const d = defaultNodeOptions('devnet');
    assert.deepEqual(layer.mempool, d.mempool);
    assert.deepEqual(layer.log, d.log);
    assert.deepEqual(layer.training, d.training);
    assert.deepEqual(layer.mining, { enabled: false, threads: 1 });
    // banExempt depends on the network (devnet adds the private LANs): written commented out.
    assert.deepEqual(layer.p2p, {
      host: '127.0.0.1',
      bootstrap: [],
      announce: [],
      maxConnections: 32,
      maxConnectionsPerIp: 4,
    });
  });

  it('documents every key, commented-out ones with their network value', () => {
    const text = renderDefaultConfig('test');
    for (const doc of optionDocs()) {
      assert.ok(doc.description.length > 0, `${doc.key} has a description`);
      assert.match(text, new RegExp(`^#? ?${doc.key}:`, 'm'));
      for (const child of doc.children ?? []) {
        assert.ok(child.description.length > 0, `${doc.key}.${child.key} has a description`);
        assert.match(text, new RegExp(`^ {2}#? ?${child.key}:`, 'm'), `${doc.key}.${child.key} is shown`);
      }
    }
    assert.match(text, /^ {2}# port: 18332$/m);
    assert.match(text, /^# network: test$/m);
    assert.match(text, /^# datadir: ~\/\.qenex\/test$/m);
    // Uncommenting the network-dependent keys gives the same values.
    const uncommented = YAML.parse(text.replace(/^( *)# (network|datadir|port):/gm, '$1$2:')) as Record<
      string,
      unknown
    >;
    assert.equal(uncommented.network, 'test');
    assert.deepEqual((uncommented.rpc as { port: number }).port, 18332);
  });
});
