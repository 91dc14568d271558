/**
 * Sync under hostile peers (loopback network of P2pNodes over FakeChains): a claim of more weight
 * is only a hint until headers prove it; a peer that stalls is dropped without holding up the
 * others; a branch that cannot become the best chain is neither downloaded nor validated.
 */
import { strict as assert } from 'node:assert';
import { type BlockHeader, decodeBlock, type Hash, headerHash, toHex } from '../../../consensus/index.js';
import type { PeerMisbehaviour, SyncDone, TipSummary } from '../../../p2p/index.js';
import { keyPair, TestChain } from '../../utils/chainBuilder.js';
import { FakeChain } from './fakeChain.js';
import { link, Network, sleep, waitFor } from './helpers.js';

/** Claims a chain far heavier than anyone's and never answers a headers request. */
class StallingChain extends FakeChain {
  override tipSummary(): TipSummary {
    return { hash: new Uint8Array(32).fill(0xee), height: 1_000_000, weight: 1n << 200n };
  }

  override getHeadersAfter(): Promise<BlockHeader[]> {
    return new Promise(() => {});
  }
}

/** Serves its own (light) chain honestly but claims a weight it does not have. */
class BoastingChain extends FakeChain {
  override tipSummary(): TipSummary {
    return { ...super.tipSummary(), weight: 1n << 100n };
  }
}

function misbehaviour(node: { on(e: 'peer:misbehave', f: (m: PeerMisbehaviour) => void): unknown }) {
  const seen: PeerMisbehaviour[] = [];
  node.on('peer:misbehave', (m) => seen.push(m));
  return seen;
}

describe('p2p sync against hostile peers', function () {
  this.timeout(30_000);
  const net = new Network();
  afterEach(() => net.stopAll());

  it('a claimant that stalls holds no one up: the honest peer is synced meanwhile, the staller is dropped and forgotten', async () => {
    const honest = await net.add();
    await honest.chain.mine(60);
    const staller = await net.add(new StallingChain());
    const stallerId = staller.node.peerId;
    const b = await net.add(new FakeChain(), { requestTimeoutMs: 3000 });
    const seen = misbehaviour(b.node);
    const order: string[] = [];
    b.node.on('sync:progress', (p) => {
      if (p.height === 60) order.push('synced from the honest peer');
    });
    b.node.on('sync:done', (d) => {
      if (d.peerId === stallerId) order.push(`staller given up: ${d.error}`);
    });
    // The staller first: its claim is the heaviest, so a one-session syncer would wait on it.
    await link(b.node, staller.node);
    await link(b.node, honest.node);
    await waitFor('staller given up', () => order.length === 2);
    assert.deepEqual(order, ['synced from the honest peer', 'staller given up: sync-stall']);
    assert.equal(b.chain.height, 60);
    const charge = seen.find((m) => m.code === 'sync-stall')!;
    assert.equal(charge.peerId, stallerId);
    await waitFor('staller disconnected', () => !b.node.peers().some((p) => p.id === stallerId));
    assert.equal(b.node.peerStatus(stallerId), null, 'its claim is forgotten');
    await waitFor('no session left', () => !b.node.networkInfo().syncing);
    assert.ok(b.chain.log.every(([, src]) => src === honest.node.peerId));
    // It comes back with the same claim: not synced from during the cool-down. (Its first dial
    // may meet the old connection still closing on b's side: dial until the handshake is done.)
    await waitFor(
      'the staller reconnected',
      async () => {
        await staller.node.connect(b.node.multiaddrs[0]!).catch(() => {});
        return staller.node.peerStatus(b.node.peerId) !== null && b.node.peerStatus(stallerId) !== null;
      },
      20_000,
    );
    await sleep(500);
    assert.equal(b.node.networkInfo().syncing, false);
    assert.equal(seen.filter((m) => m.code === 'sync-stall').length, 1);
  });

  it('downloads one chain from two peers at once: a second peer that claims more weight than ours serves batches too', async () => {
    // a answers its first headers request only once b is linked too, so the session with a finds b
    let open = (): void => {};
    class GatedChain extends FakeChain {
      gate: Promise<void> | null = null;
      override async getHeadersAfter(locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
        await this.gate;
        return super.getHeadersAfter(locator, max);
      }
    }
    const a = await net.add(new GatedChain());
    await a.chain.mine(300);
    const bChain = new FakeChain();
    for (const h of await a.chain.getHeadersAfter(bChain.getLocator(), 1000)) {
      await bChain.processBlock(decodeBlock((await a.chain.getBlockBytes(headerHash(h)))!), 'copy');
    }
    const b = await net.add(bChain);
    (a.chain as GatedChain).gate = new Promise<void>((r) => {
      open = r;
    });
    const c = await net.add();
    const seen = misbehaviour(c.node);
    await link(c.node, a.node);
    await link(c.node, b.node);
    open();
    await waitFor('synced', () => c.chain.height === 300);
    const sources = new Set(c.chain.log.map(([, src]) => src));
    assert.deepEqual([...sources].sort(), [a.node.peerId, b.node.peerId].sort());
    assert.ok(c.chain.log.every(([, , status]) => status === 'connected'));
    assert.deepEqual(seen, []);
  });

  it('a peer claiming our weight with a tip we do not hold is synced from once (a tie the tie-break decides); not when we hold it', async () => {
    const a = await net.add();
    const b = await net.add();
    // two chains of equal weight from genesis (different miners: different blocks)
    await a.chain.mine(3, keyPair('a'));
    await b.chain.mine(3, keyPair('b'));
    assert.equal(a.chain.tipSummary().weight, b.chain.tipSummary().weight);
    const done: SyncDone[] = [];
    b.node.on('sync:done', (d) => done.push(d));
    await link(a.node, b.node);
    await waitFor("b holds a's tip", () => b.chain.hasBlock(a.chain.tipSummary().hash));
    await waitFor("a holds b's tip", () => a.chain.hasBlock(b.chain.tipSummary().hash));
    assert.ok(
      b.chain.log.some(([, src]) => src === a.node.peerId),
      "b fetched a's blocks from a",
    );
    await waitFor('no session left', () => !b.node.networkInfo().syncing && !a.node.networkInfo().syncing);
    assert.ok(
      done.every((d) => d.complete && d.error === undefined),
      JSON.stringify(done),
    );
    // once held, the same claim starts no session (statuses keep coming: statusAnnounceMs)
    const sessions = done.length;
    await sleep(500);
    assert.equal(done.length, sessions);
  });

  it('a peer claiming more weight than its headers carry: no block fetched, charged unproven-weight', async () => {
    const v = await net.add();
    await v.chain.mine(30);
    const liar = new BoastingChain();
    // Three blocks of its own from genesis: a fork 30 blocks below V's tip (devnet allows 10).
    await liar.mine(3, keyPair('liar'));
    const l = await net.add(liar);
    const seen = misbehaviour(v.node);
    const done = new Promise<SyncDone>((resolve) => v.node.once('sync:done', resolve));
    const stored = v.chain.stored;
    await link(v.node, l.node);
    const d = await done;
    assert.equal(d.complete, false);
    assert.equal(d.blocks, 0);
    assert.equal(d.error, 'light-deep-fork');
    assert.deepEqual(
      seen.map((m) => [m.peerId, m.code]),
      [[l.node.peerId, 'unproven-weight']],
    );
    assert.equal(v.chain.stored, stored, 'nothing stored');
    assert.deepEqual(v.chain.log, [], 'nothing validated');
    // Its claim is not tried again until it announces more.
    await sleep(300);
    assert.equal(v.node.networkInfo().syncing, false);
  });

  it('gossiped blocks of a deep light fork are refused unvalidated and charged; a shallow fork is still stored', async () => {
    const v = await net.add();
    await v.chain.mine(30);
    // X replays V's chain to height 29 (the test chain is deterministic), so it can fork anywhere.
    const x = await net.add();
    await x.chain.mine(29);
    // A competitor of V's block 30 (built before X can sync V's).
    const sibling = x.chain.tc.buildBlock({ miner: keyPair('rival') });
    await link(x.node, v.node);
    await waitFor('subscription', () => x.node.gossipPeers('blocks').includes(v.node.peerId));
    await sleep(300);
    const seen = misbehaviour(v.node);
    const stored = v.chain.stored;
    const spam: Hash[] = [];
    for (let i = 0; i < 3; i++) {
      const b = new TestChain(v.chain.params).buildBlock({ miner: keyPair(`spam ${i}`) });
      spam.push(b.hash);
      await x.node.announceBlock(b.block);
    }
    await waitFor('three charges', () => seen.length === 3);
    assert.ok(
      seen.every((m) => m.peerId === x.node.peerId && m.code === 'low-work-branch' && m.penalty === 5),
    );
    assert.equal(v.chain.stored, stored);
    for (const h of spam) assert.ok(!v.chain.log.some(([hex]) => hex === toHex(h)), 'never validated');
    // The competitor (one block deep) may still win: it is validated and stored.
    await x.node.announceBlock(sibling.block);
    await waitFor('sibling stored', () => v.chain.stored === stored + 1);
    assert.deepEqual(v.chain.log.at(-1), [toHex(sibling.hash), x.node.peerId, 'side']);
    assert.equal(seen.length, 3);
  });
});
