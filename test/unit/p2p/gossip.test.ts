import { strict as assert } from 'node:assert';
import { type GossipSub, type GossipsubMessage, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  checkTx,
  checkTxInputs,
  devnetParams,
  encodeBlock,
  fromHex,
  nobleVerifier,
  sha256d,
  type Transaction,
  toHex,
  txid,
  VerdictError,
  withId,
} from '../../../consensus/index.js';
import { Gossip, gossipAppScore, gossipMsgId } from '../../../p2p/gossip.js';
import {
  type BlockGossipEvent,
  type DeltaSink,
  type GossipMessageEvent,
  type P2pMempool,
  PeerRateLimiter,
  type PenaltyCode,
  type RateLimit,
  topicName,
} from '../../../p2p/index.js';
import { gossipPayloadLimits } from '../../../p2p/limits.js';
import { linearParams } from '../../utils/linearParams.js';
import { FakeChain } from './fakeChain.js';
import { link, Network, sleep, waitFor } from './helpers.js';

/** Honest enough for p2p: consensus tx rules against the fake chain's UTXO set, signatures checked. */
class FakeMempool implements P2pMempool {
  readonly txs = new Map<string, Transaction>();
  constructor(private readonly chain: FakeChain) {}

  has(id: Uint8Array): boolean {
    return this.txs.has(toHex(id));
  }

  async accept(tx: Transaction): Promise<unknown> {
    checkTx(tx, this.chain.params);
    const r = checkTxInputs(
      withId(tx),
      this.chain.tc.utxo,
      this.chain.height + 1,
      this.chain.params,
      'context',
    );
    if ((await nobleVerifier.verifyBatch(r.sigChecks)) >= 0) throw new VerdictError('bad-txns-sig');
    this.txs.set(toHex(txid(tx)), tx);
    return r.fee;
  }
}

class FakeDeltas implements DeltaSink {
  readonly seen: [number, string][] = [];
  async accept(bytes: Uint8Array, source: string): Promise<'accept' | 'ignore'> {
    this.seen.push([bytes[0]!, source]);
    if (bytes[0] === 1) return 'accept';
    if (bytes[0] === 2) return 'ignore';
    throw new Error('undecodable delta');
  }
}

describe('p2p gossip of transactions and deltas', function () {
  this.timeout(30_000);
  const net = new Network();
  afterEach(() => net.stopAll());

  it('message ids are content hashes per topic', () => {
    const m = (topic: string, data: number[]) =>
      ({ type: 'unsigned', topic, data: Uint8Array.from(data) }) as Message;
    assert.deepEqual(gossipMsgId(m('t', [1, 2])), gossipMsgId(m('t', [1, 2])));
    assert.notDeepEqual(gossipMsgId(m('t', [1, 2])), gossipMsgId(m('t', [1, 3])));
    assert.notDeepEqual(gossipMsgId(m('t', [1, 2])), gossipMsgId(m('u', [1, 2])));
    // sha256d(topic || 0 || data) on either side of the native path's size (1 KiB)
    for (const size of [2, 1023, 1024, 20_000]) {
      const data = Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const id = gossipMsgId(m('qenex/delta', data));
      const preimage = Uint8Array.from([...new TextEncoder().encode('qenex/delta'), 0, ...data]);
      assert.deepEqual(Buffer.from(id), Buffer.from(sha256d(preimage)), `size ${size}`);
    }
  });

  it('relays valid transactions, ignores context failures, bans consensus-invalid ones', async () => {
    const ca = new FakeChain();
    await ca.mine(101);
    const a = await net.add(ca, {}, { mempool: new FakeMempool(ca) });
    const cb = new FakeChain();
    const mb = new FakeMempool(cb);
    const b = await net.add(cb, {}, { mempool: mb });
    const done = new Promise((r) => b.node.once('sync:done', r));
    await link(b.node, a.node);
    await done;
    assert.equal(cb.height, 101);
    await waitFor('tx subscription', () => a.node.gossipPeers('txs').includes(b.node.peerId));
    await sleep(300);

    const coin = ca.tc.coinbaseOutpoint(1);
    const pay = { value: coin.coin.value - 10_000n, pubKeyHash: new Uint8Array(20).fill(9) };
    const good = ca.tc.spend(coin, [pay]);
    await a.node.announceTx(good);
    await waitFor('B pools the tx', () => mb.has(txid(good)));

    // Unknown inputs: 'context' — dropped, no blame.
    const orphan = ca.tc.spend({ op: { txid: new Uint8Array(32).fill(5), index: 0 }, coin: coin.coin }, [
      pay,
    ]);
    await a.node.announceTx(orphan);
    await sleep(300);
    assert.equal(mb.has(txid(orphan)), false);
    assert.equal(b.node.bans.score(a.node.peerId), 0);

    // A forged signature: consensus-invalid — banned.
    const forged = { ...good, outputs: [{ ...pay, value: pay.value - 1n }] };
    await a.node.announceTx(forged);
    await waitFor('A banned', () => b.node.listBanned().some((e) => e.peerId === a.node.peerId));
    assert.match(b.node.listBanned()[0]!.reason, /^bad-txns-sig/);
  });

  it('hands deltas to the sink, relays accepted ones, punishes what the sink rejects', async () => {
    const da = new FakeDeltas();
    const db = new FakeDeltas();
    const dc = new FakeDeltas();
    const a = await net.add(new FakeChain(), {}, { deltas: da });
    const b = await net.add(new FakeChain(), {}, { deltas: db });
    const c = await net.add(new FakeChain(), {}, { deltas: dc });
    await c.node.ban(a.node.peerId);
    await link(a.node, b.node);
    await link(c.node, b.node);
    await waitFor('subscriptions', () => b.node.gossipPeers('deltas').length === 2);
    await sleep(400);
    const published: GossipMessageEvent[] = [];
    const judged: GossipMessageEvent[] = [];
    a.node.on('gossip', (m) => published.push(m));
    b.node.on('gossip', (m) => judged.push(m));
    await a.node.announceDelta(Uint8Array.of(1, 7, 7));
    await waitFor('C got the relayed delta', () => dc.seen.length === 1);
    assert.deepEqual(db.seen, [[1, a.node.peerId]]);
    assert.deepEqual(dc.seen, [[1, b.node.peerId]]);
    await a.node.announceDelta(Uint8Array.of(2));
    await waitFor('B ignored', () => db.seen.length === 2);
    await sleep(300);
    assert.equal(dc.seen.length, 1);
    await a.node.announceDelta(Uint8Array.of(3));
    await waitFor('B charged A', () => b.node.bans.score(a.node.peerId) === 20);
    assert.equal(dc.seen.length, 1);
    // the 'gossip' events the node's metrics count: what A published, how B judged each
    assert.deepEqual(
      published.map((m) => [m.direction, m.topic, m.bytes, m.direction === 'out' && m.recipients]),
      [
        ['out', 'deltas', 3, 1],
        ['out', 'deltas', 1, 1],
        ['out', 'deltas', 1, 1],
      ],
    );
    assert.deepEqual(
      judged.map((m) => [m.direction, m.topic, m.bytes, m.direction === 'in' && m.result]),
      [
        ['in', 'deltas', 3, 'accept'],
        ['in', 'deltas', 1, 'ignore'],
        ['in', 'deltas', 1, 'reject'],
      ],
    );
  });

  it('small misbehaviour scores do not cut a peer off from gossip (only past half the ban threshold)', async () => {
    assert.deepEqual(
      [0, 10, 49, 50, 55, 75, 90, 100].map((m) => gossipAppScore(m)),
      [0, 0, 0, 0, -10, -50, -80, -100],
    );
    const da = new FakeDeltas();
    const db = new FakeDeltas();
    const a = await net.add(new FakeChain(), {}, { deltas: da });
    const b = await net.add(new FakeChain(), {}, { deltas: db });
    await link(a.node, b.node);
    await waitFor('subscriptions', () => a.node.gossipPeers('deltas').length === 1);
    // A holds six sync-race penalties against B (60 points: below the ban, above gossipsub's
    // publish threshold of -50 if the points counted one for one)
    for (let i = 0; i < 6; i++) a.node.bans.misbehave(b.node.peerId, 'unproven-weight');
    assert.ok(a.node.bans.score(b.node.peerId) >= 59);
    await sleep(300);
    await a.node.announceDelta(Uint8Array.of(1, 2, 3));
    await waitFor('B got the delta', () => db.seen.length === 1);
    assert.deepEqual(db.seen, [[1, a.node.peerId]]);
  });
});

/**
 * A Gossip on a stub pubsub: the test hands it a message from `from` as gossipsub does with
 * asyncValidation (its topic validator, then the 'gossipsub:message' event) and gets the verdict
 * the node reports.
 */
function blockValidator(chain: FakeChain, blocksLimit: RateLimit = { perSecond: 10, burst: 50 }) {
  type Validator = (peer: PeerId, msg: Message) => TopicValidatorResult;
  type Listener = (evt: CustomEvent<GossipsubMessage>) => void;
  const topicValidators = new Map<string, Validator>();
  const listeners = new Set<Listener>();
  const verdicts = new Map<string, (r: TopicValidatorResult) => void>();
  const pubsub = {
    topicValidators,
    subscribe() {},
    unsubscribe() {},
    addEventListener: (_type: string, l: Listener) => listeners.add(l),
    removeEventListener: (_type: string, l: Listener) => listeners.delete(l),
    reportMessageValidationResult: (id: string, _from: string, r: TopicValidatorResult) =>
      verdicts.get(id)?.(r),
  } as unknown as GossipSub;
  let ids = 0;
  const arrivals: Array<BlockGossipEvent & { stored: boolean }> = [];
  const punished: PenaltyCode[] = [];
  const none = { perSecond: 0, burst: 0 };
  const gossip = new Gossip({
    pubsub,
    network: chain.params.name,
    limits: gossipPayloadLimits(chain.params),
    chain,
    limiter: new PeerRateLimiter({ blocks: blocksLimit, txs: none, deltas: none }, { clock: Date.now }),
    punish: (_peer, code) => punished.push(code),
    onOrphan: () => {},
    // whether the chain held the block when it was reported: arrivals come before validation
    onBlockGossip: (b) => arrivals.push({ ...b, stored: chain.hasBlock(fromHex(b.hash)) }),
    clock: () => 5_000,
  });
  gossip.start();
  const topic = topicName(chain.params.name, 'blocks');
  const send = (from: string, data: Uint8Array): Promise<TopicValidatorResult> => {
    const peer = { toString: () => from } as unknown as PeerId;
    const msg = { type: 'unsigned', topic, data } as Message;
    const screened = topicValidators.get(topic)!(peer, msg);
    if (screened !== TopicValidatorResult.Accept) return Promise.resolve(screened);
    const msgId = String(++ids);
    return new Promise((resolve) => {
      verdicts.set(msgId, resolve);
      const evt = { detail: { propagationSource: peer, msgId, msg } } as CustomEvent<GossipsubMessage>;
      for (const l of listeners) l(evt);
    });
  };
  return { gossip, arrivals, punished, send };
}

describe('p2p gossip: block arrivals (block:gossip)', () => {
  it('reports a new block once, before it is validated (or relayed before validation); not a duplicate, a malformed message or an over-rate one', async () => {
    const source = new FakeChain();
    const [b1, b2, b3] = await source.mine(3);
    const chain = new FakeChain();
    const v = blockValidator(chain);
    assert.equal(await v.send('peerA', encodeBlock(b1!.block)), TopicValidatorResult.Accept);
    assert.deepEqual(v.arrivals, [
      {
        hash: toHex(b1!.hash),
        prevHash: toHex(b1!.block.header.prevHash),
        peerId: 'peerA',
        receivedMs: 5_000,
        stored: false,
      },
    ]);
    assert.equal(chain.height, 1);
    // The same block again (as from another peer once gossipsub's seen cache has expired): a
    // duplicate, not another arrival.
    assert.equal(await v.send('peerB', encodeBlock(b1!.block)), TopicValidatorResult.Ignore);
    // Garbage: rejected and punished, no arrival.
    assert.equal(await v.send('peerB', Uint8Array.of(1, 2, 3)), TopicValidatorResult.Reject);
    assert.deepEqual(v.punished, ['malformed-message']);
    assert.equal(v.arrivals.length, 1);
    // Relayed before validation: reported as it is accepted, validated on the next turn.
    chain.relayEarly = () => true;
    assert.equal(await v.send('peerB', encodeBlock(b2!.block)), TopicValidatorResult.Accept);
    assert.deepEqual(
      v.arrivals.map((a) => [a.hash, a.peerId, a.stored]),
      [
        [toHex(b1!.hash), 'peerA', false],
        [toHex(b2!.hash), 'peerB', false],
      ],
    );
    await waitFor('validated after the relay', () => chain.height === 2);
    v.gossip.stop();
    // Over the sender's rate: dropped unjudged, no arrival.
    const limited = blockValidator(new FakeChain(), { perSecond: 0, burst: 0 });
    assert.equal(await limited.send('peerA', encodeBlock(b3!.block)), TopicValidatorResult.Ignore);
    assert.deepEqual(limited.arrivals, []);
  });

  it('does not report a block the branch policy refuses', async () => {
    const source = new FakeChain();
    const [b1] = await source.mine(1);
    // A network whose minimum chain weight no block of this branch can reach.
    const params = { ...linearParams(devnetParams), minChainWeight: 1n << 200n };
    const chain = new FakeChain(params);
    const v = blockValidator(chain);
    assert.equal(await v.send('peerA', encodeBlock(b1!.block)), TopicValidatorResult.Ignore);
    assert.deepEqual(v.arrivals, []);
    assert.deepEqual(v.punished, [], 'below the minimum weight costs nothing');
    assert.equal(chain.stored, 1, 'only genesis');
  });
});
