import { strict as assert } from 'node:assert';
import {
  blockWithIds,
  checkProofOfWork,
  decodeBlock,
  encodeBlock,
  equalBytes,
  headerHash,
  testParams,
  toHex,
  VerdictError,
} from '../../../consensus/index.js';
import { P2pError, type SyncDone, type SyncProgress } from '../../../p2p/index.js';
import { maxSignedDeltaSize } from '../../../p2p/limits.js';
import { linearEvaluator } from '../../../training/index.js';
import { FakeChain, otherGenesisParams } from './fakeChain.js';
import { link, Network, sleep, type TestNode, waitFor } from './helpers.js';

describe('p2p P2pNode (loopback network)', function () {
  this.timeout(30_000);
  const net = new Network();
  afterEach(() => net.stopAll());

  it('two nodes connect and exchange status', async () => {
    const a = await net.add();
    const b = await net.add();
    await a.chain.mine(3);
    await b.chain.mine(3);
    const events: string[] = [];
    a.node.on('peer:connect', (e) => events.push(`a<-${e.peerId}`));
    b.node.on('peer:connect', (e) => events.push(`b<-${e.peerId}`));
    await link(a.node, b.node);
    const sb = a.node.peerStatus(b.node.peerId)!;
    assert.equal(sb.bestHeight, 3);
    assert.ok(equalBytes(sb.bestHash, b.chain.tipSummary().hash));
    assert.equal(sb.weight, b.chain.tipSummary().weight);
    assert.equal(sb.magic, a.chain.params.magic);
    assert.equal(toHex(sb.genesis), a.chain.params.genesis.hash);
    await waitFor('events', () => events.length === 2);
    assert.deepEqual(events.sort(), [`a<-${b.node.peerId}`, `b<-${a.node.peerId}`].sort());
    const infoA = a.node.peers();
    assert.equal(infoA.length, 1);
    assert.equal(infoA[0]!.id, b.node.peerId);
    assert.equal(infoA[0]!.direction, 'outbound');
    assert.equal(infoA[0]!.banScore, 0);
    assert.equal(infoA[0]!.status?.bestHeight, 3);
    const ni = b.node.networkInfo();
    assert.equal(ni.peers, 1);
    assert.equal(ni.inbound, 1);
    assert.equal(ni.network, 'devnet');
    assert.ok(ni.protocols.includes('/qenex/devnet/status/1'));
  });

  /** A – B – C in a line, C refusing A: a block A gossips can only reach C through B. */
  async function line(bChain = new FakeChain()): Promise<{ a: TestNode; b: TestNode; c: TestNode }> {
    const a = await net.add();
    const b = await net.add(bChain);
    const c = await net.add();
    await c.node.ban(a.node.peerId);
    await link(a.node, b.node);
    await link(c.node, b.node);
    await waitFor('subscriptions', () => {
      const subs = b.node.gossipPeers('blocks');
      return (
        subs.includes(a.node.peerId) &&
        subs.includes(c.node.peerId) &&
        a.node.gossipPeers('blocks').length > 0
      );
    });
    await sleep(400); // a few heartbeats: B grafts C into its mesh
    return { a, b, c };
  }

  it('a gossiped block reaches a third node through a second', async () => {
    const { a, b, c } = await line();
    const [blk] = await a.chain.mine(1);
    const recipients = await a.node.announceBlock(blk!.block);
    assert.ok(recipients >= 1);
    await waitFor('C has the block', () => c.chain.height === 1);
    assert.ok(equalBytes(c.chain.tipSummary().hash, blk!.hash));
    assert.equal(b.chain.height, 1);
    // C got it from B (the propagation source), never from A.
    const entry = c.chain.log.find(([h]) => h === toHex(blk!.hash))!;
    assert.equal(entry[1], b.node.peerId);
    assert.equal(entry[2], 'connected');
    assert.ok(!c.node.peers().some((p) => p.id === a.node.peerId));
  });

  for (const early of [true, false]) {
    it(`a block the chain ${early ? 'may relay before validating is relayed at once, and its failure blames nobody' : 'must validate first is relayed after, and its failure bans the sender'}`, async () => {
      const bChain = new FakeChain();
      const { a, b, c } = await line(bChain);
      // B validates slowly, and finds the block invalid (say, its update's improvement falls short)
      let fail!: (e: Error) => void;
      bChain.hold = new Promise<void>((_, reject) => {
        fail = reject;
      });
      bChain.hold.catch(() => undefined);
      bChain.relayEarly = () => early;
      const [blk] = await a.chain.mine(1);
      await a.node.announceBlock(blk!.block);
      if (early) {
        await waitFor('C has the block while B still validates it', () => c.chain.height === 1);
        assert.equal(b.chain.height, 0);
      } else {
        await sleep(1000);
        assert.equal(c.chain.height, 0, 'B holds the block back until it is valid');
      }
      fail(new VerdictError('bad-model-improvement', 'below the claim'));
      if (early) {
        await sleep(500);
        assert.equal(b.node.bans.score(a.node.peerId), 0, 'no one blamed for a block relayed unvalidated');
        assert.ok(b.node.peers().some((p) => p.id === a.node.peerId));
      } else {
        await waitFor('A banned by B', () => b.node.bans.score(a.node.peerId) >= 100);
      }
    });
  }

  for (const announce of [true, false]) {
    it(`a peer that missed a gossiped block ${announce ? 'syncs it after our status announcement' : 'stays behind without status announcements'}`, async () => {
      // B drops gossip beyond one block (rate limit burst 1): A's second block is lost to it.
      const a = await net.add(new FakeChain(), { statusAnnounceMs: announce ? 200 : 0 });
      const b = await net.add(new FakeChain(), {
        gossipLimits: { blocks: { perSecond: 0.001, burst: 1 } } as never,
      });
      await link(a.node, b.node);
      await waitFor('subscriptions', () => a.node.gossipPeers('blocks').includes(b.node.peerId));
      await sleep(300);
      const [b1] = await a.chain.mine(1);
      await a.node.announceBlock(b1!.block);
      await waitFor('B has block 1', () => b.chain.height === 1);
      const [b2] = await a.chain.mine(1);
      await a.node.announceBlock(b2!.block);
      if (announce) {
        await waitFor('B syncs block 2', () => b.chain.height === 2);
        assert.ok(equalBytes(b.chain.tipSummary().hash, b2!.hash));
      } else {
        await sleep(1500);
        assert.equal(b.chain.height, 1, 'the gossip of block 2 was dropped and nothing else told B');
      }
    });
  }

  it('a peer our gossip reached is sent our status only if our tip stays for the recheck; one that gossiped our tip to us, not at all', async () => {
    const aChain = new FakeChain();
    const a = await net.add(aChain, { statusAnnounceMs: 100 });
    const bChain = new FakeChain();
    const b = await net.add(bChain, { statusAnnounceMs: 100 });
    // a block accepted from a peer becomes the tip and is announced, as the node does
    aChain.onTip = (block) => void a.node.announceBlock(block).catch(() => {});
    bChain.onTip = (block) => void b.node.announceBlock(block).catch(() => {});
    await link(a.node, b.node);
    await waitFor('subscriptions', () => a.node.gossipPeers('blocks').includes(b.node.peerId));
    // Blocks 300 ms apart: A's window (100–150 ms) puts B off to a recheck 400 ms later, which a
    // newer tip makes moot; the last tip stays, and its recheck sends B (lighter, by its last
    // status) our status.
    for (let k = 1; k <= 3; k++) {
      const [blk] = await a.chain.mine(1);
      await a.node.announceBlock(blk!.block);
      await waitFor(`B has block ${k}`, () => b.chain.height === k);
      await sleep(300);
    }
    await sleep(700);
    assert.equal(a.node.networkInfo().statusAnnouncements.sent, 1);
    // B got every tip from A by gossip: A is never sent B's status
    assert.equal(b.node.networkInfo().statusAnnouncements.sent, 0);
    // B mines on top: A did not gossip it back (B was its source), and A's status names a lighter chain
    const [own] = await bChain.mine(1);
    await b.node.announceBlock(own!.block);
    await waitFor('A has B’s block', () => a.chain.height === 4);
    await sleep(800);
    assert.equal(b.node.networkInfo().statusAnnouncements.sent, 1);
    // A got the block from B by gossip: it does not announce it back
    assert.equal(a.node.networkInfo().statusAnnouncements.sent, 1);
  });

  it('a peer that delivered our tip as a gossip duplicate is not sent our status', async () => {
    // B hears the same block from A and from C (both publish it at once; A and C are not linked):
    // one copy is B's first, the other a duplicate gossipsub drops before B validates it. Both
    // peers hold the block, and B's status (lighter ones named by their last answers) goes to neither.
    const a = await net.add(new FakeChain(), { statusAnnounceMs: 0 });
    const bChain = new FakeChain();
    const b = await net.add(bChain, { statusAnnounceMs: 100 });
    const cChain = new FakeChain();
    const c = await net.add(cChain, { statusAnnounceMs: 0 });
    bChain.onTip = (block) => void b.node.announceBlock(block).catch(() => {});
    await link(a.node, b.node);
    await link(c.node, b.node);
    await waitFor('subscriptions', () =>
      [a.node, c.node].every((n) => n.gossipPeers('blocks').includes(b.node.peerId)),
    );
    await sleep(300);
    const [blk] = await a.chain.mine(1);
    await cChain.processBlock(blk!.block, 'test');
    await Promise.all([a.node.announceBlock(blk!.block), c.node.announceBlock(blk!.block)]);
    await waitFor('B has the block', () => b.chain.height === 1);
    await sleep(800); // B's window (100–150 ms) and its recheck (400 ms later)
    assert.deepEqual(b.node.networkInfo().statusAnnouncements, { sent: 0, skipped: 2 });
  });

  it('a peer whose status already named our weight is not sent our status', async () => {
    // B gets A's block on its own (not by gossip from A: A's copy reaches B holding it already, and
    // B's validator ignores it, which leaves gossipsub no record of A as a deliverer) and announces
    // first: its status request tells A its weight, so A's later window skips B.
    // B's status goes out at its recheck (100–150 + 400 ms), before A's (300–450 + 1,200 ms).
    const aChain = new FakeChain();
    const a = await net.add(aChain, { statusAnnounceMs: 300 });
    const bChain = new FakeChain();
    const b = await net.add(bChain, { statusAnnounceMs: 100 });
    await link(a.node, b.node);
    // both ends ask for the other's status on connecting: let B's own request be answered before A
    // mines, or A's answer names the new block and B rightly skips A (a race, not the rule tested)
    await sleep(300);
    const [blk] = await aChain.mine(1);
    await bChain.processBlock(blk!.block, 'test');
    await a.node.announceBlock(blk!.block);
    await sleep(100);
    await b.node.announceBlock(blk!.block);
    await sleep(1800);
    assert.deepEqual(b.node.networkInfo().statusAnnouncements, { sent: 1, skipped: 0 });
    assert.deepEqual(a.node.networkInfo().statusAnnouncements, { sent: 0, skipped: 1 });
  });

  it('a node that imports blocks by sync sends its status at once, not at the end of statusAnnounceMs', async () => {
    // C's only peer is B. B syncs A's chain: the blocks it imports are not gossiped, so its status
    // is how C learns of them. With the status at the end of B's 10 s window, C waited 10 s.
    const a = await net.add();
    await a.chain.mine(5);
    const bChain = new FakeChain();
    const b = await net.add(bChain, { statusAnnounceMs: 10_000 });
    bChain.onTip = (block) => void b.node.announceBlock(block).catch(() => {});
    const c = await net.add();
    await c.node.ban(a.node.peerId);
    await link(c.node, b.node);
    const t0 = Date.now();
    await link(a.node, b.node);
    await waitFor('B synced from A', () => b.chain.height === 5);
    await waitFor('C synced from B', () => c.chain.height === 5, 5_000);
    assert.ok(Date.now() - t0 < 5_000);
    assert.ok(equalBytes(c.chain.tipSummary().hash, a.chain.tipSummary().hash));
  });

  it('a late joiner syncs 200 blocks by headers then blocks, with progress', async () => {
    const a = await net.add();
    await a.chain.mine(200);
    const b = await net.add(new FakeChain(), { blocksPerRequest: 16 });
    const progress: SyncProgress[] = [];
    b.node.on('sync:progress', (p) => progress.push(p));
    const done = new Promise<SyncDone>((resolve) => b.node.once('sync:done', resolve));
    const t0 = Date.now();
    await b.node.connect(a.node.multiaddrs[0]!);
    const d = await done;
    const ms = Date.now() - t0;
    assert.equal(d.complete, true, JSON.stringify(d));
    assert.equal(d.blocks, 200);
    assert.equal(b.chain.height, 200);
    assert.ok(equalBytes(b.chain.tipSummary().hash, a.chain.tipSummary().hash));
    // first the target the headers proved (before any block), then one step per batch of blocks
    assert.equal(progress.length, 1 + Math.ceil(200 / 16));
    assert.deepEqual([progress[0]!.height, progress[0]!.targetHeight], [0, 200]);
    assert.equal(progress.at(-1)!.height, 200);
    assert.equal(progress.at(-1)!.targetHeight, 200);
    assert.ok(progress.slice(1).every((p) => p.blocksPerSecond > 0));
    assert.ok(b.chain.log.every(([, src, st]) => src === a.node.peerId && st === 'connected'));
    console.log(`      synced 200 blocks in ${ms} ms`);
    // Then it follows gossip.
    await sleep(300);
    const [next] = await a.chain.mine(1);
    await a.node.announceBlock(next!.block);
    await waitFor('gossiped block 201', () => b.chain.height === 201);
  });

  it('a syncing client backs off when the server rate-limits it', async () => {
    const a = await net.add(new FakeChain(), {
      requestLimits: { blocks: { perSecond: 100, burst: 20 } } as never,
    });
    await a.chain.mine(60);
    const b = await net.add(new FakeChain(), { blocksPerRequest: 16, rateLimitBackoffMs: 50 });
    const done = new Promise<SyncDone>((resolve) => b.node.once('sync:done', resolve));
    await b.node.connect(a.node.multiaddrs[0]!);
    const d = await done;
    assert.equal(d.complete, true, JSON.stringify(d));
    assert.equal(b.chain.height, 60);
    const charged = a.node.bans.score(b.node.peerId);
    assert.ok(charged > 0 && charged < 20, String(charged));
  });

  it('bans a sync peer that serves a block not matching its header', async () => {
    const liar = new (class extends FakeChain {
      override async getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
        const bytes = await super.getBlockBytes(hash);
        if (!bytes || !equalBytes(hash, this.tc.entries[5]!.block.hash)) return bytes;
        const b = decodeBlock(bytes);
        const cb = b.txs[0]!;
        // Same header, different coinbase: the merkle root no longer matches.
        return encodeBlock({ ...b, txs: [{ ...cb, lockTime: cb.lockTime + 1 }] });
      }
    })();
    const a = await net.add(liar);
    await a.chain.mine(10);
    const b = await net.add();
    const done = new Promise<SyncDone>((resolve) => b.node.once('sync:done', resolve));
    await b.node.connect(a.node.multiaddrs[0]!);
    const d = await done;
    assert.equal(d.complete, false);
    assert.equal(d.error, 'bad-txnmrklroot');
    assert.equal(b.chain.height, 4);
    await waitFor('liar banned', () => b.node.listBanned().some((e) => e.peerId === a.node.peerId));
    await waitFor('liar disconnected', () => b.node.peers().length === 0);
  });

  it('fetches the ancestors of a gossiped orphan from its sender', async () => {
    const a = await net.add();
    const b = await net.add();
    await link(a.node, b.node);
    await waitFor('subscription', () => a.node.gossipPeers('blocks').includes(b.node.peerId));
    const blocks = await a.chain.mine(3);
    await a.node.announceBlock(blocks[2]!.block);
    await waitFor('B catches up', () => b.chain.height === 3);
    assert.ok(b.chain.log.some(([h, , st]) => h === toHex(blocks[2]!.hash) && st === 'orphan'));
  });

  for (const [name, reason, tamper] of [
    [
      'a bad merkle root',
      'bad-txnmrklroot',
      { tamperHeader: (h: object) => ({ ...h, merkleRoot: new Uint8Array(32).fill(7) }) },
    ],
    ['a bad proof of work', 'high-hash', { noMine: true }],
  ] as const) {
    it(`bans and disconnects a peer that gossips a block with ${name}; the honest peer stays`, async () => {
      const v = await net.add();
      const h = await net.add();
      const x = await net.add();
      await link(h.node, v.node);
      await link(x.node, v.node);
      await waitFor('subscription', () => x.node.gossipPeers('blocks').includes(v.node.peerId));
      let bad = x.chain.tc.buildBlock(tamper as never);
      if (reason === 'high-hash') {
        // Find a nonce whose hash misses the (easy) devnet target.
        for (let n = 1n; ; n++) {
          const header = { ...bad.block.header, nonce: n };
          try {
            checkProofOfWork(headerHash(header), header.bits, x.chain.params.powLimitBits);
          } catch {
            bad = blockWithIds({ ...bad.block, header });
            break;
          }
        }
      }
      const misbehaviour: string[] = [];
      v.node.on('peer:misbehave', (m) => misbehaviour.push(`${m.peerId}:${m.code}:${m.penalty}`));
      await x.node.announceBlock(bad.block);
      await waitFor('X banned', () => v.node.listBanned().some((e) => e.peerId === x.node.peerId));
      await waitFor('X disconnected', () => !v.node.peers().some((p) => p.id === x.node.peerId));
      assert.deepEqual(misbehaviour, [`${x.node.peerId}:${reason}:100`]);
      assert.ok(v.node.bans.score(x.node.peerId) >= 100);
      // Gossipsub's own score of X dropped too (invalid message delivery + our app-specific score).
      // (gossipsub caches scores for one heartbeat)
      // P4 (invalid delivery, -100) and P5 (our ban score, -100): more than either alone.
      await waitFor('gossip score of X drops', () => v.node.gossipScore(x.node.peerId)! < -100, 2000);
      assert.ok(v.node.gossipScore(h.node.peerId)! >= 0);
      assert.match(v.node.listBanned()[0]!.reason, new RegExp(reason));
      assert.equal(v.chain.height, 0);
      assert.deepEqual(
        v.chain.log.map(([, src, st]) => [src, st]),
        [[x.node.peerId, reason]],
      );
      // The honest peer is still connected and served.
      assert.ok(v.node.peers().some((p) => p.id === h.node.peerId));
      await waitFor('H subscription', () => h.node.gossipPeers('blocks').includes(v.node.peerId));
      const [good] = await h.chain.mine(1);
      await h.node.announceBlock(good!.block);
      await waitFor('V accepts the honest block', () => v.chain.height === 1);
      // X cannot come back: V's connection gater refuses it after the encryption handshake.
      await x.node.connect(v.node.multiaddrs[0]!).catch(() => undefined);
      await sleep(300);
      assert.ok(!v.node.peers().some((p) => p.id === x.node.peerId));
      assert.ok(!x.node.peers().some((p) => p.id === v.node.peerId));
      assert.equal(x.node.peerStatus(v.node.peerId), null);
      // Unbanning lets it in again.
      assert.equal(v.node.unban(x.node.peerId), true);
      await link(x.node, v.node);
    });
  }

  it('serves model checkpoints by hash', async () => {
    const a = await net.add();
    const b = await net.add();
    await link(b.node, a.node);
    const model = a.chain.tc.tip.model;
    const bytes = await b.node.requestModel(a.node.peerId, linearEvaluator.modelHash(model));
    assert.ok(bytes && equalBytes(bytes, linearEvaluator.encodeModel(model)));
    assert.equal(await b.node.requestModel(a.node.peerId, new Uint8Array(32)), undefined);
  });

  it('rejects an oversized publish with a typed error', async () => {
    const a = await net.add();
    const max = maxSignedDeltaSize(a.chain.params);
    await assert.rejects(
      a.node.announceDelta(new Uint8Array(max + 1)),
      (e: unknown) =>
        e instanceof P2pError &&
        e.type.code === 'P2P_MESSAGE_TOO_LARGE' &&
        e.type.size === max + 1 &&
        e.type.max === max,
    );
    assert.equal(await a.node.announceDelta(new Uint8Array(max)), 0);
  });

  /**
   * `o` dials `a`; whichever side reads the other's status (or finds no status protocol) first
   * disconnects and refuses the other, so either may hold the ban.
   */
  async function expectRefused(a: TestNode, o: TestNode, reason: RegExp): Promise<void> {
    let connects = 0;
    a.node.on('peer:connect', () => connects++);
    o.node.on('peer:connect', () => connects++);
    await o.node.connect(a.node.multiaddrs[0]!).catch(() => undefined);
    const bans = () => [
      ...a.node.listBanned().filter((e) => e.peerId === o.node.peerId),
      ...o.node.listBanned().filter((e) => e.peerId === a.node.peerId),
    ];
    await waitFor(
      'refused and disconnected',
      () => bans().length > 0 && a.node.peers().length === 0 && o.node.peers().length === 0,
    );
    for (const e of bans()) assert.match(e.reason, reason);
    assert.equal(connects, 0);
    // The refusing side keeps refusing.
    await o.node.connect(a.node.multiaddrs[0]!).catch(() => undefined);
    await sleep(200);
    assert.equal(connects, 0);
    assert.equal(a.node.peers().length + o.node.peers().length, 0);
  }

  it('disconnects and refuses a node with another genesis', async () => {
    const a = await net.add();
    const o = await net.add(new FakeChain(otherGenesisParams()));
    assert.notEqual(o.chain.params.genesis.hash, a.chain.params.genesis.hash);
    assert.equal(o.chain.params.magic, a.chain.params.magic);
    await expectRefused(a, o, /^wrong-network: different genesis$/);
  });

  it('disconnects and refuses a node of another network', async () => {
    const a = await net.add();
    const o = await net.add(new FakeChain(testParams));
    await expectRefused(a, o, /^wrong-network: no qenex status protocol for this network$/);
  });

  it('dials bootstrap peers at start', async () => {
    const a = await net.add();
    const b = await net.add(new FakeChain(), { bootstrap: [a.node.multiaddrs[0]!] });
    await waitFor('bootstrap handshake', () => b.node.peerStatus(a.node.peerId) !== null);
    await assert.rejects(net.add(new FakeChain(), { bootstrap: ['/ip4/127.0.0.1/tcp/1'] }), {
      name: 'P2pError',
    });
  });
});
