import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { fromHex } from '../../../../consensus/index.js';
import {
  NODE_TOPICS,
  publishNodeTopics,
  registerNodeTopics,
  type TopicSources,
} from '../../../../node/rpc/topics.js';

/** An emitter with the on/off shape of the chain, mempool and p2p node. */
function source<T extends object>(extra: T = {} as T) {
  const e = new EventEmitter();
  return Object.assign(
    {
      on: (ev: string, l: (p: unknown) => void) => e.on(ev, l),
      off: (ev: string, l: (p: unknown) => void) => e.off(ev, l),
      emit: (ev: string, p: unknown) => e.emit(ev, p),
      count: (ev: string) => e.listenerCount(ev),
    },
    extra,
  );
}

describe('node/rpc topics', () => {
  it('registers the three topics and publishes blocks (stamped when connected), transactions and gossiped blocks; stops on unsubscribe', () => {
    const registered: string[] = [];
    const published: Array<[string, unknown]> = [];
    const rpc = {
      registerTopic: (t: string) => registered.push(t),
      publish: (t: string, d: unknown) => published.push([t, d]) && 1,
    };
    const parent = 'aa'.repeat(32);
    const chain = source({
      getEntry: (h: Uint8Array) => (Buffer.from(h).toString('hex') === parent ? { height: 41 } : undefined),
    });
    const mempool = source();
    const p2p = source();
    registerNodeTopics(rpc);
    assert.deepEqual(registered, [...NODE_TOPICS]);
    let now = 1_765_000_000_000.25;
    const clock = { now: () => now };
    const stop = publishNodeTopics({ rpc, chain, mempool, p2p, clock } as unknown as TopicSources);

    chain.emit('block', { block: { hash: fromHex('01'.repeat(32)), txs: [1, 2, 3] }, entry: { height: 7 } });
    now += 0.5;
    chain.emit('block', { block: { hash: fromHex('02'.repeat(32)), txs: [1] }, entry: { height: 8 } });
    mempool.emit('tx', { txid: 'ff', fee: 250n, size: 190 });
    p2p.emit('block:gossip', { hash: 'bb', prevHash: parent, peerId: 'peer1', receivedMs: 5 });
    p2p.emit('block:gossip', { hash: 'cc', prevHash: 'dd'.repeat(32), peerId: 'peer2', receivedMs: 6 });
    assert.deepEqual(published, [
      // stamped with the clock when connected, fractions of a millisecond kept
      ['blocks', { hash: '01'.repeat(32), height: 7, txs: 3, connectedms: 1_765_000_000_000.25 }],
      ['blocks', { hash: '02'.repeat(32), height: 8, txs: 1, connectedms: 1_765_000_000_000.75 }],
      ['transactions', { txid: 'ff', fee: '250', size: 190 }],
      ['gossipblocks', { hash: 'bb', height: 42, peer: 'peer1', receivedms: 5 }],
      // the parent is unknown: no height
      ['gossipblocks', { hash: 'cc', height: null, peer: 'peer2', receivedms: 6 }],
    ]);

    for (const f of stop) f();
    assert.equal(chain.count('block') + mempool.count('tx') + p2p.count('block:gossip'), 0);
  });
});
