/**
 * The request protocols against a raw libp2p peer that sends whatever it likes: garbage, oversized
 * frames, valid requests. The served node must answer or reset the stream, charge the sender, and
 * keep serving everyone else.
 */
import { strict as assert } from 'node:assert';
import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { decodeBlock, encodeBlock, equalBytes, fromHex, headerHash } from '../../../consensus/index.js';
import {
  decodeBlocksResponseHead,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeHeadersRequest,
  encodeStatus,
  PROTOCOL_VERSION,
} from '../../../p2p/codec.js';
import { P2pError, requestProtocol } from '../../../p2p/index.js';
import { FakeChain } from './fakeChain.js';
import { link, Network, waitFor } from './helpers.js';
import { rawPeer as startRawPeer } from './rawPeer.js';

const proto = (k: 'status' | 'headers' | 'blocks' | 'model') => requestProtocol('devnet', k);

describe('p2p request protocols against a raw peer', function () {
  this.timeout(20_000);
  const net = new Network();
  const raws: Libp2p[] = [];

  afterEach(async () => {
    await Promise.all(raws.splice(0).map((r) => r.stop()));
    await net.stopAll();
  });

  /** A bare libp2p host that answers the status handshake like a devnet node at genesis. */
  async function rawPeer(chain: FakeChain): Promise<Libp2p> {
    const raw = await startRawPeer(chain);
    raws.push(raw);
    return raw;
  }

  /** Sends one raw frame (length-prefixed unless `raw`) and returns the first response frame, if any. */
  async function exchange(raw: Libp2p, target: string, protocol: string, bytes: Uint8Array, lp = true) {
    const stream = await raw.dialProtocol(multiaddr(target), protocol);
    const s = lpStream(stream);
    try {
      if (lp) await s.write(bytes);
      else stream.send(bytes);
      return (await s.read({ signal: AbortSignal.timeout(3000) })).subarray();
    } catch {
      return undefined;
    } finally {
      stream.abort(new Error('done'));
    }
  }

  it('answers valid raw requests (headers, blocks)', async () => {
    const a = await net.add();
    await a.chain.mine(5);
    const raw = await rawPeer(new FakeChain());
    const target = a.node.multiaddrs[0]!;
    const genesis = fromHex(a.chain.params.genesis.hash);
    const h = await exchange(
      raw,
      target,
      proto('headers'),
      encodeHeadersRequest({ locator: [genesis], max: 3 }),
    );
    const r = decodeHeadersResponse(h!, 3);
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.status === 'ok' ? r.body.map((x) => headerHash(x)) : [],
      a.chain.tc.entries.slice(1, 4).map((e) => e.block.hash),
    );
    // blocks: head frame then one frame per block
    const want = a.chain.tc.entries[2]!.block;
    const stream = await raw.dialProtocol(multiaddr(target), proto('blocks'));
    const lp = lpStream(stream);
    await lp.write(encodeBlocksRequest([want.hash, new Uint8Array(32)]));
    const head = decodeBlocksResponseHead((await lp.read()).subarray(), 2);
    assert.deepEqual(head, { status: 'ok', body: 1 });
    const blk = decodeBlock((await lp.read()).subarray());
    assert.ok(equalBytes(encodeBlock(blk), encodeBlock(want.block)));
    await stream.close();
    assert.equal(a.node.bans.score(raw.peerId.toString()), 0);
  });

  for (const kind of ['status', 'headers', 'blocks', 'model'] as const) {
    it(`rejects garbage on ${kind} without crashing, charges the sender, keeps serving others`, async () => {
      const a = await net.add();
      const honest = await net.add();
      await link(honest.node, a.node);
      const raw = await rawPeer(new FakeChain());
      const garbage = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02);
      const resp = await exchange(raw, a.node.multiaddrs[0]!, proto(kind), garbage);
      // Either a 'bad-request' answer or a reset (the ban can close the connection first).
      if (resp !== undefined) assert.deepEqual([...resp], [3]);
      const rawId = raw.peerId.toString();
      await waitFor('raw peer banned', () => a.node.listBanned().some((e) => e.peerId === rawId));
      assert.ok(a.node.bans.score(rawId) >= 100);
      await waitFor('raw peer disconnected', () => raw.getConnections().length === 0);
      // Still serving the honest peer.
      const model = await honest.node.requestModel(
        a.node.peerId,
        a.chain.tc.entries[0]!.block.block.header.modelHash,
      );
      assert.ok(model && model.length > 0);
      assert.ok(honest.node.peers().some((p) => p.id === a.node.peerId));
    });
  }

  it('answers rate-limited beyond the per-peer budget and charges the sender', async () => {
    const a = await net.add(new FakeChain(), {
      requestLimits: { status: { perSecond: 0.001, burst: 3 } } as never,
    });
    const raw = await rawPeer(new FakeChain());
    const target = a.node.multiaddrs[0]!;
    const ours = new FakeChain().tipSummary();
    const req = encodeStatus({
      version: PROTOCOL_VERSION,
      magic: a.chain.params.magic,
      genesis: fromHex(a.chain.params.genesis.hash),
      bestHash: ours.hash,
      bestHeight: 0,
      weight: ours.weight,
    });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await exchange(raw, target, proto('status'), req))![0]!);
    assert.deepEqual(codes, [0, 0, 0, 2, 2]);
    assert.equal(a.node.bans.score(raw.peerId.toString()), 2);
  });

  it('charges the bytes of blocks served: a peer in debt is answered rate-limited', async () => {
    const a = await net.add(undefined, { blockBytesLimit: { perSecond: 0.001, burst: 100 } });
    await a.chain.mine(3);
    const raw = await rawPeer(new FakeChain());
    const target = a.node.multiaddrs[0]!;
    const want = a.chain.tc.entries.slice(1, 4).map((e) => e.block.hash);
    const ask = async (): Promise<number> => {
      const stream = await raw.dialProtocol(multiaddr(target), proto('blocks'));
      const lp = lpStream(stream);
      try {
        await lp.write(encodeBlocksRequest(want));
        const head = decodeBlocksResponseHead((await lp.read()).subarray(), want.length);
        return head.status === 'ok' ? head.body : -1;
      } finally {
        stream.abort(new Error('done'));
      }
    };
    assert.equal(await ask(), 3, 'served while in credit, though the blocks outweigh the burst');
    assert.equal(await ask(), -1, 'then rate-limited: the bytes are owed');
    assert.equal(a.node.bans.score(raw.peerId.toString()), 1);
  });

  it('a stream that never sends a request still pays its rate-limit token', async () => {
    const a = await net.add(new FakeChain(), {
      requestLimits: { status: { perSecond: 0.001, burst: 2 } } as never,
    });
    const raw = await rawPeer(new FakeChain());
    const target = multiaddr(a.node.multiaddrs[0]!);
    for (let i = 0; i < 2; i++) {
      const s = await raw.dialProtocol(target, proto('status'));
      await s.close();
    }
    const ours = new FakeChain().tipSummary();
    const req = encodeStatus({
      version: PROTOCOL_VERSION,
      magic: a.chain.params.magic,
      genesis: fromHex(a.chain.params.genesis.hash),
      bestHash: ours.hash,
      bestHeight: 0,
      weight: ours.weight,
    });
    const resp = await exchange(raw, a.node.multiaddrs[0]!, proto('status'), req);
    assert.deepEqual([...resp!], [2], 'rate-limited: the two empty streams used the burst');
    assert.equal(a.node.bans.score(raw.peerId.toString()), 1);
  });

  it('resets an oversized request frame and bans the sender', async () => {
    const a = await net.add();
    const raw = await rawPeer(new FakeChain());
    const resp = await exchange(raw, a.node.multiaddrs[0]!, proto('model'), new Uint8Array(1000));
    assert.equal(resp, undefined);
    const rawId = raw.peerId.toString();
    await waitFor('banned', () => a.node.listBanned().some((e) => e.peerId === rawId));
    assert.match(a.node.listBanned()[0]!.reason, /oversize-message/);
  });

  it('bytes without a length prefix are rejected the same way', async () => {
    const a = await net.add();
    const raw = await rawPeer(new FakeChain());
    // 0x80 × 10: an unterminated varint length.
    const resp = await exchange(
      raw,
      a.node.multiaddrs[0]!,
      proto('headers'),
      new Uint8Array(10).fill(0x80),
      false,
    );
    assert.equal(resp, undefined);
    await waitFor('banned', () => a.node.listBanned().some((e) => e.peerId === raw.peerId.toString()), 2000);
    assert.match(a.node.listBanned()[0]!.reason, /oversize-message/);
  });

  it('a client gets a typed error for a garbage response', async () => {
    const a = await net.add();
    const raw = await rawPeer(new FakeChain());
    await raw.handle(proto('model'), async (stream) => {
      const lp = lpStream(stream);
      await lp.read();
      await lp.write(Uint8Array.of(9, 9, 9));
      await stream.close();
    });
    await raw.dial(multiaddr(a.node.multiaddrs[0]!));
    const rawId = raw.peerId.toString();
    await waitFor('handshake', () => a.node.peerStatus(rawId) !== null);
    await assert.rejects(
      a.node.requestModel(rawId, new Uint8Array(32)),
      (e: unknown) =>
        e instanceof P2pError && e.type.code === 'P2P_BAD_RESPONSE' && e.type.offence === 'malformed-message',
    );
    assert.equal(a.node.bans.score(rawId), 100);
  });
});
