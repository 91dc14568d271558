/**
 * Attacks on a node's resources and bans, on loopback: an oversize delta, a stream flood, coming
 * back with a new key from the banned address, more connections from one address than allowed,
 * an operator's address ban. Each test shows the attack failing, next to the same traffic one
 * step below the limit getting through, so a limit that is off either way fails the test.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import {
  type DeltaSink,
  P2pError,
  type PeerMisbehaviour,
  requestProtocol,
  topicName,
} from '../../../p2p/index.js';
import { maxSignedDeltaSize } from '../../../p2p/limits.js';
import { FakeChain } from './fakeChain.js';
import { link, Network, sleep, type TestNode, waitFor } from './helpers.js';
import { type RawPeer, rawPeer } from './rawPeer.js';

/** Accepts every delta, remembering the sizes it saw. */
class SizeSink implements DeltaSink {
  readonly sizes: number[] = [];
  async accept(bytes: Uint8Array): Promise<'accept' | 'ignore'> {
    this.sizes.push(bytes.length);
    return 'accept';
  }
}

describe('p2p abuse: size limits, stream floods, address bans (loopback)', function () {
  this.timeout(60_000);
  const net = new Network();
  const raws: RawPeer[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    await Promise.all(raws.splice(0).map((r) => r.stop()));
    await net.stopAll();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function raw(chain: FakeChain, gossip = false): Promise<RawPeer> {
    const r = await rawPeer(chain, { gossip });
    raws.push(r);
    return r;
  }

  function misbehaviour(t: TestNode): PeerMisbehaviour[] {
    const seen: PeerMisbehaviour[] = [];
    t.node.on('peer:misbehave', (m) => seen.push(m));
    return seen;
  }

  /** `r` connects to `t` and both finish the status handshake. */
  async function rawLink(r: RawPeer, t: TestNode): Promise<void> {
    await r.dial(multiaddr(t.node.multiaddrs[0]!));
    await waitFor('handshake', () => t.node.peerStatus(r.peerId.toString()) !== null);
  }

  it('an oversize gossiped delta costs the severe penalty (a ban); the largest valid size passes', async () => {
    const sink = new SizeSink();
    const v = await net.add(new FakeChain(), {}, { deltas: sink });
    const seen = misbehaviour(v);
    const x = await raw(v.chain, true);
    await rawLink(x, v);
    const topic = topicName('devnet', 'deltas');
    const pubsub = x.services.pubsub!;
    pubsub.subscribe(topic);
    await waitFor('V subscribed', () => pubsub.getSubscribers(topic).some((p) => p.equals(v.node.peerId)));
    const max = maxSignedDeltaSize(v.chain.params);
    assert.equal(max, 131_230);
    await pubsub.publish(topic, new Uint8Array(max).fill(1));
    await waitFor('the largest valid size reaches the sink', () => sink.sizes.length === 1);
    assert.deepEqual(sink.sizes, [max]);
    assert.equal(v.node.bans.score(x.peerId.toString()), 0);
    await pubsub.publish(topic, new Uint8Array(max + 1).fill(2));
    await waitFor('X banned', () => v.node.bans.isBanned(x.peerId.toString()));
    assert.deepEqual(
      seen.map((m) => [m.code, m.penalty, m.banned]),
      [['oversize-message', 100, true]],
    );
    assert.match(v.node.listBanned()[0]!.reason, /^oversize-message: gossip deltas 131231 > 131230$/);
    assert.deepEqual(sink.sizes, [max], 'the oversize delta never reached the sink');
    await waitFor('X disconnected', () => x.getConnections().length === 0);
  });

  it('a stream flood is charged per excess stream and ends in a ban; streams up to the limit are not', async () => {
    const v = await net.add();
    const seen = misbehaviour(v);
    const x = await raw(v.chain);
    await rawLink(x, v);
    const target = multiaddr(v.node.multiaddrs[0]!);
    const headers = requestProtocol('devnet', 'headers');
    const open = (n: number): Promise<(Stream | undefined)[]> =>
      Promise.all(
        Array.from({ length: n }, () =>
          // Streams that send nothing: each holds a slot until the request deadline.
          x.dialProtocol(target, headers, { maxOutboundStreams: 1000 }).catch(() => undefined),
        ),
      );
    const limit = v.node.opts.maxInboundStreams;
    const held = await open(limit);
    assert.equal(held.filter((s) => s !== undefined).length, limit);
    await sleep(300);
    assert.equal(seen.length, 0, 'as many concurrent streams as the limit cost nothing');
    await open(200);
    const rawId = x.peerId.toString();
    await waitFor('X banned', () => v.node.bans.isBanned(rawId));
    const floods = seen.filter((m) => m.code === 'stream-flood');
    assert.ok(floods.length >= 10, `${floods.length} stream-flood penalties`);
    assert.ok(floods.every((m) => m.peerId === rawId && m.penalty === 10));
    assert.match(
      v.node.listBanned()[0]!.reason,
      /^stream-flood: .* opened \d+ concurrent \/qenex\/devnet\/headers\/1 streams, limit 4$/,
    );
    await waitFor('X disconnected', () => x.getConnections().length === 0);
  });

  it('a banned peer cannot come back with a new key from the same address (loopback exemption off)', async () => {
    const v = await net.add(new FakeChain(), { banExempt: [] });
    const x = await raw(v.chain);
    await rawLink(x, v);
    // Garbage on the status protocol: 'malformed-message', a ban.
    const s = await x.dialProtocol(multiaddr(v.node.multiaddrs[0]!), requestProtocol('devnet', 'status'));
    s.send(Uint8Array.of(3, 0xff, 0xff, 0xff));
    await waitFor('X banned', () => v.node.bans.isBanned(x.peerId.toString()));
    assert.deepEqual(
      v.node.listBannedSubnets().map((e) => e.subnet),
      ['127.0.0.1/32', '127.0.0.0/24'],
    );
    assert.ok(v.node.listBannedSubnets().every((e) => e.reason.includes(x.peerId.toString())));
    await waitFor('X disconnected', () => x.getConnections().length === 0);
    // The same machine, a new identity: refused when its TCP connection arrives.
    const y = await net.add();
    let connects = 0;
    v.node.on('peer:connect', () => connects++);
    await assert.rejects(y.node.connect(v.node.multiaddrs[0]!), { name: 'P2pError' });
    await sleep(300);
    assert.equal(connects, 0);
    assert.equal(v.node.peers().length, 0);
    assert.equal(v.node.bans.isBanned(y.node.peerId), false, 'refused by address, not by id');
    // Nor does V dial into the banned subnet.
    await assert.rejects(
      v.node.connect(y.node.multiaddrs[0]!),
      (e: unknown) =>
        e instanceof P2pError && e.type.code === 'P2P_ADDRESS_BANNED' && e.type.subnet === '127.0.0.1/32',
    );
  });

  it('with the loopback exemption (the default) the same new key gets in: the ban was by id only', async () => {
    const v = await net.add();
    const x = await raw(v.chain);
    await rawLink(x, v);
    const s = await x.dialProtocol(multiaddr(v.node.multiaddrs[0]!), requestProtocol('devnet', 'status'));
    s.send(Uint8Array.of(3, 0xff, 0xff, 0xff));
    await waitFor('X banned', () => v.node.bans.isBanned(x.peerId.toString()));
    assert.deepEqual(v.node.listBannedSubnets(), []);
    const y = await net.add();
    await link(y.node, v.node);
  });

  it('caps the connections from one address (exemption off); the cap frees up on disconnect', async () => {
    const v = await net.add(new FakeChain(), { banExempt: [], maxConnectionsPerIp: 2 });
    const a = await net.add();
    const b = await net.add();
    const c = await net.add();
    await link(a.node, v.node);
    await link(b.node, v.node);
    await assert.rejects(c.node.connect(v.node.multiaddrs[0]!), { name: 'P2pError' });
    await sleep(300);
    assert.equal(v.node.peers().length, 2);
    assert.equal(v.node.bans.score(c.node.peerId), 0, 'refused, not punished');
    await a.node.disconnect(v.node.peerId);
    await waitFor('A gone', () => v.node.peers().length === 1);
    await link(c.node, v.node);
  });

  it("exempt loopback skips libp2p's per-host inbound rate; without the exemption a burst is cut to it", async () => {
    const open = await net.add(new FakeChain(), { inboundConnectionThreshold: 2 });
    const strict = await net.add(new FakeChain(), {
      inboundConnectionThreshold: 2,
      banExempt: [],
      maxConnectionsPerIp: 100,
    });
    const dialers = await Promise.all(Array.from({ length: 6 }, () => net.add()));
    const burst = async (target: TestNode) =>
      (await Promise.allSettled(dialers.map((d) => d.node.connect(target.node.multiaddrs[0]!)))).filter(
        (r) => r.status === 'fulfilled',
      ).length;
    assert.equal(await burst(open), 6, 'a local network of six dials one node at once');
    const through = await burst(strict);
    assert.ok(through < 6, `${through} of 6 got through a 2-per-second host limit`);
  });

  it('an operator bans an IP (also exempt loopback): connected peers are dropped, new ones refused, until unbanned', async () => {
    const v = await net.add();
    const a = await net.add();
    await link(a.node, v.node);
    const entry = v.node.banSubnet('127.0.0.1', 60_000, 'manual');
    assert.equal(entry.subnet, '127.0.0.1/32');
    assert.equal(entry.until - entry.createdAt, 60_000);
    await waitFor('A dropped', () => v.node.peers().length === 0);
    const b = await net.add();
    await assert.rejects(b.node.connect(v.node.multiaddrs[0]!), { name: 'P2pError' });
    assert.throws(() => v.node.banSubnet('127.0.0.1/33'), { name: 'P2pError' });
    assert.equal(v.node.unbanSubnet('127.0.0.0/24'), false, 'only the exact subnet is lifted');
    assert.equal(v.node.unbanSubnet('127.0.0.1/32'), true);
    await link(b.node, v.node);
  });

  it('keeps peer and address bans across a restart (ban file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qenex-bans-'));
    dirs.push(dir);
    const banFile = join(dir, 'banlist.json');
    const chain = new FakeChain();
    const first = await net.add(chain, { banFile });
    const other = await net.add();
    await first.node.ban(other.node.peerId, 60_000, 'manual');
    first.node.banSubnet('10.1.2.0/255.255.255.0', 60_000, 'manual');
    await first.node.stop();
    const saved = JSON.parse(await readFile(banFile, 'utf8')) as { subnets: { subnet: string }[] };
    assert.deepEqual(
      saved.subnets.map((e) => e.subnet),
      ['10.1.2.0/24'],
    );
    const second = await net.add(chain, { banFile });
    assert.deepEqual(
      second.node.listBanned().map((e) => e.peerId),
      [other.node.peerId],
    );
    assert.deepEqual(
      second.node.listBannedSubnets().map((e) => e.subnet),
      ['10.1.2.0/24'],
    );
    // Refused once its key is known (the dial itself may look successful from its side).
    await other.node.connect(second.node.multiaddrs[0]!).catch(() => undefined);
    await sleep(300);
    assert.equal(second.node.peers().length, 0);
    assert.equal(other.node.peerStatus(second.node.peerId), null);
  });
});
