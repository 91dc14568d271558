/**
 * Peers lost without our hanging up are dialled again (p2p/reconnect.ts): the schedule on a fake
 * clock, then real nodes: a peer that hung up on us is dialled back; one we disconnected is not.
 */
import { strict as assert } from 'node:assert';
import { type ReconnectDeps, type ReconnectOptions, Reconnector } from '../../../p2p/reconnect.js';
import { FakeChain } from './fakeChain.js';
import { link, Network, sleep, waitFor } from './helpers.js';

const OPTS: ReconnectOptions = {
  firstMs: 1000,
  maxMs: 4000,
  forgetMs: 60_000,
  maxPeers: 3,
  belowConnections: 5,
};

function harness(over: Partial<ReconnectDeps> = {}, opts: Partial<ReconnectOptions> = {}) {
  const clock = { now: 0 };
  const dials: Array<[string, number]> = [];
  const state = { connected: new Set<string>(), connections: 0, fail: true, banned: new Set<string>() };
  const r = new Reconnector(
    { ...OPTS, ...opts },
    {
      dial: async (peerId) => {
        dials.push([peerId, clock.now]);
        if (state.fail) throw new Error('ECONNREFUSED');
        state.connected.add(peerId);
      },
      connectedTo: (peerId) => state.connected.has(peerId),
      connections: () => state.connections,
      banned: (peerId) => state.banned.has(peerId),
      clock: () => clock.now,
      random: () => 0, // no jitter: the schedule is exact
      log: { debug() {}, info() {}, warn() {} },
      ...over,
    },
  );
  const run = async (to: number, step = 250) => {
    for (let t = clock.now; t <= to; t += step) {
      clock.now = t;
      r.tick();
      await new Promise((res) => setImmediate(res));
    }
  };
  return { r, clock, dials, state, run };
}

describe('p2p reconnect', function () {
  this.timeout(30_000);

  it('dials a lost peer after firstMs, then backs off (doubling up to maxMs), until forgetMs', async () => {
    const { r, dials, run } = harness();
    r.onLost('a');
    await run(20_000);
    // waits 1 s, then 2, 4, 4, …: dials at 1000, 3000, 7000, 11000, 15000, 19000
    assert.deepEqual(
      dials.map(([, t]) => t),
      [1000, 3000, 7000, 11_000, 15_000, 19_000],
    );
    const h = harness({}, { forgetMs: 5000 });
    h.r.onLost('a');
    await h.run(20_000);
    assert.deepEqual(
      h.dials.map(([, t]) => t),
      [1000, 3000],
      'forgotten 5 s after the loss',
    );
    assert.equal(h.r.size, 0);
  });

  it('a reconnection does not reset the backoff: a peer that keeps dropping us costs a dial per maxMs', async () => {
    const { r, dials, state, clock, run } = harness();
    state.fail = false;
    r.onLost('a');
    await run(1000);
    assert.deepEqual(dials, [['a', 1000]]);
    // it drops us again at once, three times
    for (const at of [2000, 8000, 14_000]) {
      await run(at);
      state.connected.delete('a');
      r.onLost('a');
    }
    await run(20_000);
    const gaps = dials.slice(1).map(([, t], i) => t - dials[i]![1]);
    assert.ok(
      gaps.every((g) => g >= 2000),
      `gaps ${gaps.join(', ')}`,
    );
    assert.ok(gaps.slice(1).every((g) => g >= 4000));
    assert.ok(clock.now >= 20_000);
  });

  it('does not dial a peer we forgot, a banned one, a connected one, or with enough connections', async () => {
    const a = harness();
    a.r.onLost('x');
    a.r.forget('x');
    await a.run(5000);
    assert.equal(a.dials.length, 0, 'hung up on purpose');
    const b = harness();
    b.state.banned.add('x');
    b.r.onLost('x');
    await b.run(5000);
    assert.equal(b.dials.length, 0, 'banned');
    assert.equal(b.r.size, 0);
    const c = harness();
    c.state.connected.add('x');
    c.r.onLost('x');
    await c.run(5000);
    assert.equal(c.dials.length, 0, 'back already');
    const d = harness();
    d.state.connections = 5;
    d.r.onLost('x');
    await d.run(5000);
    assert.equal(d.dials.length, 0, 'enough connections');
    const e = harness();
    for (const p of ['p', 'q', 'r', 's']) e.r.onLost(p);
    assert.equal(e.r.size, 3, 'maxPeers: the oldest forgotten');
    await e.run(1000);
    assert.deepEqual(e.dials.map(([p]) => p).sort(), ['q', 'r', 's']);
    const off = harness({}, { firstMs: 0 });
    off.r.onLost('x');
    assert.equal(off.r.size, 0, 'reconnectMs 0: off');
  });

  describe('real nodes', () => {
    const net = new Network();
    afterEach(() => net.stopAll());

    // Without the DHT: libp2p itself redials the DHT's closest peers (tagged keep-alive) a few
    // times after any disconnect, whoever closed it.
    it('a peer that hung up on us is dialled back; one we disconnected is not', async () => {
      const a = await net.add(new FakeChain(), { dht: false, reconnectMs: 200, reconnectMaxMs: 400 });
      const b = await net.add(new FakeChain(), { dht: false, reconnectMs: 200, reconnectMaxMs: 400 });
      await link(a.node, b.node);
      // b hangs up on a: b does not dial a again, a (which lost b) does
      await b.node.disconnect(a.node.peerId);
      await waitFor('a sees b gone', () => a.node.peerStatus(b.node.peerId) === null, 10_000);
      await waitFor('a dials b back', () => a.node.peerStatus(b.node.peerId) !== null, 10_000);
      // a hangs up on b, and b's reconnection is turned off: they stay apart
      const c = await net.add(new FakeChain(), { dht: false, reconnectMs: 0 });
      await link(a.node, c.node);
      await a.node.disconnect(c.node.peerId);
      await sleep(1500);
      assert.equal(a.node.peerStatus(c.node.peerId), null, 'not dialled again by the side that hung up');
    });
  });
});
