/**
 * Feeler connections (p2p/feeler.ts): a node dials a known peer it is not connected to whatever
 * its number of connections, so that a split network heals once the split is gone.
 */
import { strict as assert } from 'node:assert';
import { Feeler, type FeelerDeps } from '../../../p2p/feeler.js';
import { link, Network, waitFor } from './helpers.js';

const silent = { debug() {}, info() {}, warn() {} };

function feeler(over: Partial<FeelerDeps>, dialled: string[]): Feeler {
  return new Feeler(
    { feelerMs: 1000 },
    {
      known: async () => ['a', 'b', 'c', 'd'],
      connectedTo: (p) => p === 'a',
      banned: (p) => p === 'b',
      dial: async (p) => {
        dialled.push(p);
      },
      random: () => 0.99,
      log: silent,
      ...over,
    },
  );
}

describe('p2p feeler connections', function () {
  this.timeout(30_000);
  const net = new Network();
  afterEach(() => net.stopAll());

  it('dials one known peer that is neither connected nor banned, at random; none when there is none; a failed dial is only logged', async () => {
    const dialled: string[] = [];
    assert.equal(await feeler({ random: () => 0 }, dialled).tick(), 'c');
    assert.equal(await feeler({ random: () => 0.99 }, dialled).tick(), 'd');
    assert.deepEqual(dialled, ['c', 'd']);
    assert.equal(await feeler({ connectedTo: () => true }, dialled).tick(), null);
    assert.equal(await feeler({ known: async () => ['b'] }, dialled).tick(), null);
    assert.deepEqual(dialled, ['c', 'd']);
    const failing = feeler(
      {
        dial: async () => {
          throw new Error('refused');
        },
      },
      dialled,
    );
    assert.equal(await failing.tick(), 'd');
  });

  it('a node with enough peers on its side reconnects to a peer it lost (a healed split); without feelers it does not', async () => {
    // no DHT: its routing-table upkeep dials peers too, which would blur what the feeler does
    const a = await net.add(undefined, { feelerMs: 300, dht: false });
    const b = await net.add(undefined, { dht: false });
    await link(a.node, b.node);
    await a.node.disconnect(b.node.peerId);
    await waitFor('disconnected', () => a.node.peers().every((p) => p.id !== b.node.peerId));
    await waitFor(
      'reconnected by a feeler',
      () => a.node.peers().some((p) => p.id === b.node.peerId),
      10_000,
    );

    const c = await net.add(undefined, { feelerMs: 0, dht: false });
    const d = await net.add(undefined, { dht: false });
    await link(c.node, d.node);
    await c.node.disconnect(d.node.peerId);
    await waitFor('disconnected', () => c.node.peers().every((p) => p.id !== d.node.peerId));
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(
      c.node.peers().every((p) => p.id !== d.node.peerId),
      'no feeler: still apart',
    );
  });
});
