import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BanStore, decodeBanFile } from '../../../p2p/banStore.js';
import { type BanSnapshot, P2pError, type P2pLogger } from '../../../p2p/index.js';

const SNAP: BanSnapshot = {
  peers: [{ peerId: 'peer-a', reason: 'manual', createdAt: 1, until: 2 }],
  subnets: [{ subnet: '10.0.0.0/8', reason: 'bad-txns-sig (peer x)', createdAt: 3, until: 4 }],
};

function recorder(): P2pLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, warn: (_o, msg) => warnings.push(msg ?? '') };
}

describe('p2p BanStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-banstore-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes on flush, coalesces scheduled writes, loads what it wrote', async () => {
    const file = join(dir, 'banlist.json');
    let snapshots = 0;
    const store = new BanStore(
      { file, saveDelayMs: 60_000 },
      {
        snapshot: () => {
          snapshots++;
          return SNAP;
        },
        log: recorder(),
      },
    );
    assert.equal(await store.load(), null, 'no file: no bans');
    store.schedule();
    store.schedule();
    store.schedule();
    await store.flush();
    assert.equal(snapshots, 1);
    await store.flush();
    assert.equal(snapshots, 1, 'nothing new to write');
    assert.deepEqual(await store.load(), SNAP);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).version, 1);
  });

  it('a damaged file is reported and ignored; an unreadable one is an error', async () => {
    const file = join(dir, 'banlist.json');
    const log = recorder();
    const store = new BanStore({ file, saveDelayMs: 10 }, { snapshot: () => SNAP, log });
    for (const text of [
      '{',
      '[]',
      '{"version":2,"peers":[],"subnets":[]}',
      '{"version":1,"peers":[{"peerId":"p","reason":"r","createdAt":1,"until":"soon"}],"subnets":[]}',
      '{"version":1,"peers":[],"subnets":[{"subnet":"10.0.0.0/33","reason":"r","createdAt":1,"until":2}]}',
    ]) {
      await writeFile(file, text);
      assert.equal(await store.load(), null, text);
    }
    assert.equal(log.warnings.length, 5);
    await writeFile(file, '{}');
    await chmod(file, 0o000);
    if (process.getuid?.() !== 0) {
      await assert.rejects(
        store.load(),
        (e: unknown) => e instanceof P2pError && e.type.code === 'P2P_BAN_FILE',
      );
    }
  });

  it('decodes exactly the documented format', () => {
    assert.deepEqual(decodeBanFile({ version: 1, ...SNAP }), SNAP);
    assert.throws(() => decodeBanFile({ version: 1, peers: [{ peerId: '' }], subnets: [] }), TypeError);
  });
});
