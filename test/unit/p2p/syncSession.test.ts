/**
 * One sync session against a peer that races (its tip moves between its headers answer and its
 * status) and against one whose claimed tip keeps changing while it serves nothing: the first is
 * honest on a busy network and is followed, the second is charged after a bounded number of asks.
 */
import { strict as assert } from 'node:assert';
import type { PeerId } from '@libp2p/interface';
import { type BlockHeader, decodeBlock, type Hash, headerHash } from '../../../consensus/index.js';
import type { P2pClient } from '../../../p2p/client.js';
import type { FetchedBlock, PeerStatus } from '../../../p2p/index.js';
import { DEFAULT_P2P_OPTIONS } from '../../../p2p/options.js';
import { SyncSession } from '../../../p2p/syncSession.js';
import { FakeChain } from './fakeChain.js';

function statusOf(chain: FakeChain, over: Partial<PeerStatus> = {}): PeerStatus {
  const t = chain.tipSummary();
  return {
    version: 1,
    magic: 0,
    genesis: new Uint8Array(32),
    bestHash: t.hash,
    bestHeight: t.height,
    weight: t.weight,
    ...over,
  };
}

/** A peer served from `chain`; `afterHeaders` runs once the next headers answer is computed. */
class FakePeer {
  statusCalls = 0;
  afterHeaders: (() => Promise<void>) | null = null;
  constructor(
    readonly chain: FakeChain,
    readonly status0: () => PeerStatus = () => statusOf(chain),
  ) {}

  async status(): Promise<PeerStatus> {
    this.statusCalls++;
    return this.status0();
  }

  async headers(_peer: PeerId, locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
    const h = await this.chain.getHeadersAfter(locator, max);
    const hook = this.afterHeaders;
    this.afterHeaders = null;
    if (hook) await hook();
    return h;
  }

  async blocks(_peer: PeerId, hashes: readonly Hash[]): Promise<FetchedBlock[]> {
    return Promise.all(
      hashes.map(async (hash) => {
        const bytes = (await this.chain.getBlockBytes(hash))!;
        return { hash, block: decodeBlock(bytes), size: bytes.length };
      }),
    );
  }
}

const silent = { debug() {}, info() {}, warn() {} };

function session(ours: FakeChain, peer: FakePeer, claimedTip: Hash): SyncSession {
  return new SyncSession(
    { peerId: 'peer', id: {} as PeerId, claimedTip },
    {
      chain: ours,
      client: peer as unknown as P2pClient,
      opts: DEFAULT_P2P_OPTIONS,
      clock: () => Date.now(),
      log: silent,
      signal: new AbortController().signal,
      ourStatus: () => statusOf(ours),
      setStatus: () => {},
      importBlocks: (fs) =>
        ours.processBlocks(
          fs.map((f) => f.block),
          'peer',
        ),
      onProgress: () => {},
    },
  );
}

/** `ours` with every block of `theirs` (as if it had arrived by gossip). */
async function copy(theirs: FakeChain, ours: FakeChain): Promise<void> {
  const headers = await theirs.getHeadersAfter(ours.getLocator(), 1000);
  for (const hd of headers) {
    const bytes = (await theirs.getBlockBytes(headerHash(hd)))!;
    await ours.processBlock(decodeBlock(bytes), 'gossip');
  }
}

describe('p2p sync session: a moving tip is not an unproven claim', () => {
  it('follows a peer whose tip moved between its headers and its status (an honest race), and charges one whose claim changes while it serves nothing', async () => {
    const theirs = new FakeChain();
    await theirs.mine(10);
    const ours = new FakeChain();
    await copy(theirs, ours);
    assert.equal(ours.height, 10);
    // The session started on the claim of block 10; we already have it. While the peer answers our
    // headers request (nothing new), it finds block 11, which its status then claims.
    const racer = new FakePeer(theirs);
    racer.afterHeaders = async () => {
      await theirs.mine(1);
    };
    const end = await session(ours, racer, theirs.tipSummary().hash).run();
    assert.deepEqual(end, { outcome: 'caught-up' });
    assert.equal(ours.height, 11, 'it fetched the block the peer found meanwhile');

    // A liar: claims ever more weight under a new tip hash at every status, and serves nothing.
    let n = 0;
    const liar = new FakePeer(theirs, () =>
      statusOf(theirs, { bestHash: new Uint8Array(32).fill(++n), weight: 1n << 100n }),
    );
    const lied = await session(ours, liar, new Uint8Array(32)).run();
    assert.equal(lied.outcome, 'unproven');
    assert.ok(liar.statusCalls <= 4, `${liar.statusCalls} status requests`);
    // a claim that does not move is charged at the first ask
    const still = new FakePeer(theirs, () => statusOf(theirs, { weight: 1n << 100n }));
    const end2 = await session(ours, still, theirs.tipSummary().hash).run();
    assert.equal(end2.outcome, 'unproven');
    assert.equal(still.statusCalls, 1);
  });

  it('a peer whose tip we hold but have not connected yet (its gossip copy is still connecting) has proven its claim', async () => {
    const theirs = new FakeChain();
    await theirs.mine(10);
    const ours = new FakeChain();
    await copy(theirs, ours);
    const rejecter = new FakeChain();
    await copy(theirs, rejecter);
    const [b11] = await theirs.mine(1);
    ours.holdUnconnected(b11!);
    rejecter.holdUnconnected(b11!, true);
    const peer = new FakePeer(theirs);
    const end = await session(ours, peer, theirs.tipSummary().hash).run();
    assert.deepEqual(end, { outcome: 'held' });
    assert.equal(peer.statusCalls, 1);
    // a claim above the weight of the block we hold is still unproven
    const over = new FakePeer(theirs, () => statusOf(theirs, { weight: theirs.tipSummary().weight + 1n }));
    assert.equal((await session(ours, over, theirs.tipSummary().hash).run()).outcome, 'unproven');
    // and so is a claimed tip we hold as invalid
    const onInvalid = new FakePeer(theirs);
    assert.equal((await session(rejecter, onInvalid, theirs.tipSummary().hash).run()).outcome, 'unproven');
  });
});
