import { strict as assert } from 'node:assert';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { loadOrCreatePeerKey, P2pError } from '../../../p2p/index.js';
import { FakeChain } from './fakeChain.js';
import { Network } from './helpers.js';

describe('p2p peer identity', () => {
  let dir: string;
  const net = new Network();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-p2p-'));
  });
  after(async () => {
    await net.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an Ed25519 key with mode 0600 and loads the same key again', async () => {
    const file = join(dir, 'sub', 'peer.key');
    const k1 = await loadOrCreatePeerKey(file);
    assert.equal(k1.type, 'Ed25519');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const k2 = await loadOrCreatePeerKey(file);
    assert.deepEqual(privateKeyToProtobuf(k2), privateKeyToProtobuf(k1));
    const n = await net.add(new FakeChain(), { peerKeyFile: file });
    assert.equal(n.node.peerId, peerIdFromPrivateKey(k1).toString());
  });

  it('refuses a corrupt key file with a typed error', async () => {
    const file = join(dir, 'bad.key');
    await writeFile(file, Uint8Array.of(1, 2, 3));
    await assert.rejects(
      loadOrCreatePeerKey(file),
      (e: unknown) => e instanceof P2pError && e.type.code === 'P2P_KEY_FILE',
    );
  });
});
