/**
 * Bootstrap peers are dialled again while the node is short of peers (p2p/bootstrapRedial.ts):
 * the backoff rule on a fake clock, then real nodes: a seed that comes up after its client, and a
 * seed that restarts.
 */
import { strict as assert } from 'node:assert';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { type BootstrapRedialDeps, BootstrapRedialer } from '../../../p2p/bootstrapRedial.js';
import { freePort } from '../../utils/proc.js';
import { FakeChain } from './fakeChain.js';
import { Network, sleep, waitFor } from './helpers.js';

const SEED = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRjaFWpKXWQUmvX8LDmYdb7TtMz9Np4Kh5sxMQbAP9i5J';

function harness(over: Partial<BootstrapRedialDeps> = {}) {
  const clock = { now: 0 };
  const dials: number[] = [];
  const state = { connected: false, connections: 0, fail: true };
  const r = new BootstrapRedialer(
    { list: [SEED], targetPeers: 2, retryMs: 1000, retryMaxMs: 4000 },
    {
      dial: async (_addr: Multiaddr) => {
        dials.push(clock.now);
        if (state.fail) throw new Error('ECONNREFUSED');
        state.connected = true;
      },
      connectedTo: () => state.connected,
      connections: () => state.connections,
      banned: () => false,
      clock: () => clock.now,
      log: { debug() {}, info() {}, warn() {} },
      ...over,
    },
  );
  return { r, clock, dials, state };
}

/** Lets a dial's promise settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('p2p bootstrap redial', function () {
  this.timeout(30_000);

  it('backs off per failed dial, doubling up to the cap, and resets once connected', async () => {
    const { r, clock, dials, state } = harness();
    for (let t = 0; t <= 20_000; t += 500) {
      clock.now = t;
      r.tick();
      await settle();
    }
    // Failed dials at 0, then 1 s, 2 s, 4 s, 4 s, ... later: 0, 1000, 3000, 7000, 11000, 15000, 19000.
    assert.deepEqual(dials, [0, 1000, 3000, 7000, 11_000, 15_000, 19_000]);
    state.fail = false;
    clock.now = 23_000;
    r.tick();
    await settle();
    assert.equal(state.connected, true);
    state.connected = false; // the seed went away: the next dial comes one short period later
    state.fail = true;
    dials.length = 0;
    for (let t = 23_500; t <= 26_000; t += 500) {
      clock.now = t;
      r.tick();
      await settle();
    }
    assert.deepEqual(dials, [23_500, 24_500]);
  });

  it('does not dial with enough peers, while a dial is open, or a banned seed', async () => {
    const full = harness();
    full.state.connections = 2;
    assert.equal(full.r.tick(), 0, 'targetPeers reached');
    let release: () => void = () => {};
    const slow = harness({
      dial: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    assert.equal(slow.r.tick(), 1);
    slow.clock.now = 10_000;
    assert.equal(slow.r.tick(), 0, 'one dial at a time per seed');
    release();
    const banned = harness({ banned: () => true });
    assert.equal(banned.r.tick(), 0);
  });

  describe('real nodes', () => {
    const net = new Network();
    afterEach(() => net.stopAll());

    it('reaches a seed that starts after it, and again after the seed restarts', async () => {
      const key = await generateKeyPair('Ed25519');
      const port = await freePort();
      const seedAddr = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(key).toString()}`;
      const seedId = peerIdFromPrivateKey(key).toString();
      const client = await net.add(new FakeChain(), {
        bootstrap: [seedAddr],
        targetPeers: 8,
        bootstrapRetryMs: 200,
        bootstrapRetryMaxMs: 400,
      });
      await sleep(700); // the dial at start and a retry or two fail: nothing listens yet
      assert.equal(client.node.peerStatus(seedId), null);
      const seed = await net.add(new FakeChain(), { port }, { privateKey: key });
      await waitFor('client reaches the late seed', () => client.node.peerStatus(seedId) !== null, 10_000);
      await seed.node.stop();
      await waitFor('client sees the seed gone', () => client.node.peers().length === 0, 10_000);
      await net.add(new FakeChain(), { port }, { privateKey: key });
      await waitFor(
        'client reaches the restarted seed',
        () => client.node.peerStatus(seedId) !== null,
        10_000,
      );
    });

    it('without retries (bootstrapRetryMs 0) a late seed is never reached', async () => {
      const key = await generateKeyPair('Ed25519');
      const port = await freePort();
      const seedId = peerIdFromPrivateKey(key).toString();
      const client = await net.add(new FakeChain(), {
        bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${seedId}`],
        targetPeers: 8,
        bootstrapRetryMs: 0,
      });
      await sleep(300);
      await net.add(new FakeChain(), { port }, { privateKey: key });
      await sleep(1500);
      assert.equal(client.node.peerStatus(seedId), null);
    });
  });
});
