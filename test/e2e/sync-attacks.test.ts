/**
 * Attacks on sync and on side branches, against real qenex nodes (in-process, own LevelDB data
 * dirs, free loopback ports) and hostile p2p peers speaking the real devnet protocol:
 *  - a peer announces an enormous chain weight and never answers the headers request: the
 *    victim keeps gossiping its own blocks to its honest neighbour meanwhile, and the staller is
 *    penalised, dropped and its claim forgotten;
 *  - a peer gossips many valid blocks forking from genesis, far below the victim's tip: none is
 *    validated or stored, and the sender is penalised until it is banned.
 */
import { strict as assert } from 'node:assert';
import {
  type BlockHeader,
  devnetParams,
  genesisBlock,
  type Hash,
  type NetworkParams,
  toHex,
} from '../../consensus/index.js';
import {
  createP2p,
  type P2pChain,
  type P2pNode,
  type PeerMisbehaviour,
  type TipSummary,
} from '../../p2p/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair, TestChain } from '../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../utils/node.js';
import { waitFor } from '../utils/proc.js';

const addr = (label: string) => encodeAddress(keyPair(label).pkh, devnetParams);
const tipOf = (n: TestNode) => toHex(n.node.chain.tip.hash);
const addrOf = (n: TestNode) => n.node.p2p.multiaddrs.find((a) => a.includes('127.0.0.1'))!;
const GENESIS = genesisBlock(devnetParams);

/**
 * A hostile peer's chain on the real devnet: it announces `claim()` as its best chain and has
 * nothing to serve; `stall` makes it never answer a headers request.
 */
function hostileChain(claim: () => TipSummary, stall: boolean): P2pChain {
  return {
    params: devnetParams,
    tipSummary: claim,
    blockPlace: () => undefined,
    getLocator: () => [GENESIS.hash],
    getHeadersAfter: (): Promise<BlockHeader[]> => (stall ? new Promise(() => {}) : Promise.resolve([])),
    getBlockBytes: async () => undefined,
    hasBlock: () => false,
    processBlock: async () => ({ status: 'duplicate' }),
    processBlocks: async (blocks) => blocks.map(() => 'duplicate' as const),
    relayBeforeValidation: () => false,
    getModelBytes: async () => undefined,
  };
}

async function connect(a: TestNode, b: TestNode): Promise<void> {
  await a.node.p2p.connect(addrOf(b));
  await waitFor(
    async () => a.node.p2p.peers().some((p) => p.id === b.node.p2p.peerId && p.status),
    15_000,
    'handshake',
  );
}

/** Block entries (any branch, invalid ones included) and stored block bodies of a node's DB. */
async function dbCounts(n: TestNode): Promise<{ entries: number; blocks: number }> {
  let entries = 0;
  let blocks = 0;
  for await (const _ of n.node.db.entries()) entries++;
  for await (const _ of n.node.db.raw('block')) blocks++;
  return { entries, blocks };
}

describe('sync and side-branch attacks (real nodes, hostile peers on loopback)', function () {
  this.timeout(120_000);
  const nodes: TestNode[] = [];
  const hostiles: P2pNode[] = [];
  const spawn = async () => {
    const t = await startTestNode();
    nodes.push(t);
    return t;
  };
  const hostile = async (chain: P2pChain) => {
    const p = createP2p({ host: '127.0.0.1', port: 0, targetPeers: 0, gossipHeartbeatMs: 100 }, { chain });
    hostiles.push(p);
    await p.start();
    return p;
  };
  afterEach(async () => {
    await Promise.all(hostiles.splice(0).map((h) => h.stop()));
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('a peer that claims a huge weight and never answers headers cannot silence a miner', async () => {
    const victim = await spawn();
    const neighbour = await spawn();
    await connect(neighbour, victim);
    await victim.node.generate(2, addr('victim'));
    await waitFor(async () => tipOf(neighbour) === tipOf(victim), 30_000, 'neighbour in step');
    await waitFor(
      async () => victim.node.p2p.gossipPeers('blocks').includes(neighbour.node.p2p.peerId),
      15_000,
      'gossip subscription',
    );
    const charges: PeerMisbehaviour[] = [];
    victim.node.p2p.on('peer:misbehave', (m) => charges.push(m));
    const dropped: string[] = [];
    victim.node.p2p.on('peer:disconnect', (e) => dropped.push(e.peerId));
    const huge = { hash: new Uint8Array(32).fill(0xee), height: 1_000_000, weight: 1n << 200n };
    const staller = await hostile(hostileChain(() => huge, true));
    const stallerId = staller.peerId;
    await staller.connect(addrOf(victim));
    await waitFor(
      async () => victim.node.p2p.networkInfo().syncing,
      15_000,
      'the victim syncing from the staller',
    );
    // While the staller holds its headers request open (the request timeout is 10 s), every block
    // the victim mines reaches the neighbour, which stays within one block.
    for (let i = 0; i < 6; i++) {
      await victim.node.generate(1, addr('victim'));
      const tip = tipOf(victim);
      await waitFor(async () => tipOf(neighbour) === tip, 5_000, `neighbour has block ${i + 1}`);
    }
    assert.ok(
      !charges.some((m) => m.peerId === stallerId),
      'the blocks went out while the staller still held its request',
    );
    await waitFor(async () => charges.find((m) => m.peerId === stallerId), 30_000, 'the staller charged');
    await waitFor(async () => dropped.includes(stallerId), 15_000, 'the staller dropped');
    // Its claim is forgotten: even when discovery dials it again and it repeats the claim, the
    // victim starts no new session with it.
    await waitFor(async () => !victim.node.p2p.networkInfo().syncing, 15_000, 'no sync session left');
    await victim.node.generate(1, addr('victim'));
    await waitFor(async () => tipOf(neighbour) === tipOf(victim), 15_000, 'neighbour in step after');
    assert.equal(neighbour.node.chain.tip.height, 9);
    assert.equal(victim.node.p2p.networkInfo().syncing, false);
    assert.deepEqual(
      charges.map((m) => [m.peerId, m.code]),
      [[stallerId, 'sync-stall']],
    );
  });

  it('valid blocks forking from genesis far below the tip are neither validated nor stored, and their sender is banned', async () => {
    const victim = await spawn();
    await victim.node.generate(30, addr('victim'));
    const params: NetworkParams = victim.node.params;
    assert.ok(30 > params.maxLightForkDepth);
    // The spammer claims the victim's own chain: neither syncs from the other.
    const spammer = await hostile(
      hostileChain(() => {
        const t = victim.node.chain.tip;
        return { hash: t.hash, height: t.height, weight: t.weight };
      }, false),
    );
    const spammerId = spammer.peerId;
    const charges: PeerMisbehaviour[] = [];
    victim.node.p2p.on('peer:misbehave', (m) => charges.push(m));
    await spammer.connect(addrOf(victim));
    await waitFor(
      async () => spammer.gossipPeers('blocks').includes(victim.node.p2p.peerId),
      15_000,
      'subscription',
    );
    const before = await dbCounts(victim);
    // Forty distinct, fully valid height-1 blocks (another coinbase each) on the real devnet genesis.
    const fork = new TestChain(params);
    const spam: Hash[] = [];
    for (let i = 0; i < 40; i++) {
      const b = fork.buildBlock({
        miner: keyPair(`spam ${i}`),
        tamperHeader: (h) => ({ ...h, modelHash: params.genesis.modelHash }),
      });
      spam.push(b.hash);
      await spammer.announceBlock(b.block).catch(() => 0);
    }
    await waitFor(
      async () => victim.node.p2p.listBanned().some((e) => e.peerId === spammerId),
      30_000,
      'the spammer banned',
    );
    // Five points a block: banned at the twentieth (those already in flight are charged too).
    assert.ok(charges.length >= 20, `${charges.length} charges`);
    assert.ok(charges.every((m) => m.peerId === spammerId && m.code === 'low-work-branch'));
    const ban = victim.node.p2p.listBanned().find((e) => e.peerId === spammerId)!;
    assert.match(ban.reason, /^low-work-branch: gossip blocks: branch forks 30 blocks below the tip/);
    assert.deepEqual(await dbCounts(victim), before, 'nothing stored');
    for (const h of spam) assert.equal(victim.node.chain.getEntry(h), undefined);
    assert.equal(victim.node.chain.tip.height, 30);
  });
});
