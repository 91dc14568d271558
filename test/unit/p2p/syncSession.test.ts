/**
 * One sync session against a peer that races (its tip moves between its headers answer and its
 * status) and against one whose claimed tip keeps changing while it serves nothing: the first is
 * honest on a busy network and is followed, the second is charged after a bounded number of asks.
 */
import { strict as assert } from 'node:assert';
import type { PeerId } from '@libp2p/interface';
import { type BlockHeader, decodeBlock, type Hash, headerHash } from '../../../consensus/index.js';
import type { P2pClient } from '../../../p2p/client.js';
import { P2pError } from '../../../p2p/errors.js';
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

/** One client in front of several fake peers, told apart by their PeerId objects. */
class FakeNetwork {
  private readonly byId = new Map<object, FakePeer>();
  readonly served = new Map<FakePeer, number>();
  add(peer: FakePeer): PeerId {
    const id = {} as PeerId;
    this.byId.set(id, peer);
    return id;
  }
  private of(id: PeerId): FakePeer {
    return this.byId.get(id)!;
  }
  status(id: PeerId): Promise<PeerStatus> {
    return this.of(id).status();
  }
  headers(id: PeerId, locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
    return this.of(id).headers(id, locator, max);
  }
  async blocks(id: PeerId, hashes: readonly Hash[]): Promise<FetchedBlock[]> {
    const peer = this.of(id);
    const out = await peer.blocks(id, hashes);
    this.served.set(peer, (this.served.get(peer) ?? 0) + out.length);
    return out;
  }
}

/** A session with `main` and the helpers offered, recording what helpers are charged with. */
function multiSession(
  ours: FakeChain,
  net: FakeNetwork,
  main: PeerId,
  helpers: ReadonlyArray<{ peerId: string; id: PeerId }>,
  claimedTip: Hash,
  faults: Array<[string, string]>,
  imported: Array<[string, number]>,
): SyncSession {
  return new SyncSession(
    { peerId: 'main', id: main, claimedTip },
    {
      chain: ours,
      client: net as unknown as P2pClient,
      opts: DEFAULT_P2P_OPTIONS,
      clock: () => Date.now(),
      log: silent,
      signal: new AbortController().signal,
      ourStatus: () => statusOf(ours),
      setStatus: () => {},
      importBlocks: (fs, from) => {
        imported.push([from ?? 'main', fs.length]);
        return ours.processBlocks(
          fs.map((f) => f.block),
          from ?? 'main',
        );
      },
      helpers: () => helpers,
      onHelperFault: (peerId, fault) =>
        faults.push([peerId, fault.kind === 'misbehaved' ? fault.code : fault.kind]),
      onProgress: () => {},
    },
  );
}

describe('p2p sync session: blocks from several peers at once', function () {
  this.timeout(20_000);
  it('spreads the batches over its peer and two helpers and imports them in chain order', async () => {
    const theirs = new FakeChain();
    await theirs.mine(400);
    const ours = new FakeChain();
    const net = new FakeNetwork();
    const a = new FakePeer(theirs);
    const b = new FakePeer(theirs);
    const c = new FakePeer(theirs);
    const main = net.add(a);
    const helpers = [
      { peerId: 'b', id: net.add(b) },
      { peerId: 'c', id: net.add(c) },
    ];
    const faults: Array<[string, string]> = [];
    const imported: Array<[string, number]> = [];
    const end = await multiSession(
      ours,
      net,
      main,
      helpers,
      theirs.tipSummary().hash,
      faults,
      imported,
    ).run();
    assert.deepEqual(end, { outcome: 'caught-up' });
    assert.equal(ours.height, 400);
    assert.deepEqual(faults, []);
    // 400 blocks in batches of 64: 7 batches (the last of 16), asked in turn of a, b and c
    assert.deepEqual(
      [a, b, c].map((p) => net.served.get(p)),
      [64 + 64 + 16, 64 * 2, 64 * 2],
    );
    assert.deepEqual(
      imported.map(([from]) => from),
      ['main', 'b', 'c', 'main', 'b', 'c', 'main'],
    );
    // every block was connected in order, none was an orphan
    assert.ok(ours.log.every(([, , status]) => status === 'connected'));
  });

  it('drops a helper that has nothing, one that fails, one that does not answer in time and one that answers garbage or serves a bad block; its peer serves the rest; the cheats are charged', async () => {
    const theirs = new FakeChain();
    await theirs.mine(400);
    const ours = new FakeChain();
    const net = new FakeNetwork();
    const main = net.add(new FakePeer(theirs));
    const empty = new FakePeer(new FakeChain()); // on another chain: serves none of them
    const slow = new FakePeer(theirs);
    slow.blocks = () =>
      Promise.reject(new P2pError({ code: 'P2P_REQUEST_TIMEOUT', protocol: 'blocks', peer: 'slow' }));
    const hanging = new FakePeer(theirs); // never answers: dropped after the helpers' deadline
    hanging.blocks = () => new Promise<FetchedBlock[]>(() => {});
    const garbage = new FakePeer(theirs);
    garbage.blocks = () =>
      Promise.reject(
        new P2pError({
          code: 'P2P_BAD_RESPONSE',
          protocol: 'blocks',
          peer: 'garbage',
          offence: 'malformed-message',
          detail: 'truncated block',
        }),
      );
    // serves the blocks asked for, the first with its coinbase doubled (a block that fails its checks)
    const mutator = new FakePeer(theirs);
    mutator.blocks = async (id, hashes) => {
      const out = await FakePeer.prototype.blocks.call(mutator, id, hashes);
      const first = out[0]!.block;
      const txs = [first.txs[0]!, first.txs[0]!];
      return [{ ...out[0]!, block: { ...first, txs } }, ...out.slice(1)];
    };
    const helpers = [
      { peerId: 'empty', id: net.add(empty) },
      { peerId: 'slow', id: net.add(slow) },
      { peerId: 'hanging', id: net.add(hanging) },
      { peerId: 'garbage', id: net.add(garbage) },
      { peerId: 'mutator', id: net.add(mutator) },
    ];
    const faults: Array<[string, string]> = [];
    const imported: Array<[string, number]> = [];
    const opts = { ...DEFAULT_P2P_OPTIONS, downloadPeers: 6 };
    const s = multiSession(ours, net, main, helpers, theirs.tipSummary().hash, faults, imported);
    (s as unknown as { ctx: { opts: typeof opts } }).ctx.opts = opts;
    const end = await s.run();
    assert.deepEqual(end, { outcome: 'caught-up' });
    assert.equal(ours.height, 400);
    assert.deepEqual(
      faults.sort(),
      [
        ['garbage', 'malformed-message'],
        ['hanging', 'stalled'],
        ['mutator', 'bad-cb-multiple'],
        ['slow', 'stalled'],
      ].sort(),
    );
    // after their first answer, no helper is asked again
    assert.ok(imported.filter(([from]) => from !== 'main').every(([from]) => from === 'mutator'));
    assert.equal(ours.height, 400);
  });
});
