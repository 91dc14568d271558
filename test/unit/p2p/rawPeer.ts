/**
 * A hostile peer for p2p tests: a bare libp2p host (TCP, Noise, Yamux on 127.0.0.1, a fresh key)
 * that answers the status handshake like a devnet node at the given chain's tip, so a qenex node
 * keeps it connected, and then does whatever the test makes it do: send garbage, open streams by
 * the hundred, publish gossip no honest node would (with `gossip`: identify and gossipsub with
 * qenex's message ids, no signatures, no size checks of ours).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import { fromHex } from '../../../consensus/index.js';
import { decodeStatus, encodeStatusResponse, PROTOCOL_VERSION } from '../../../p2p/codec.js';
import { gossipMsgId } from '../../../p2p/gossip.js';
import { requestProtocol } from '../../../p2p/index.js';
import type { FakeChain } from './fakeChain.js';

export type RawPeer = Libp2p<{ pubsub?: GossipSub }>;

/** Starts a raw peer; the caller stops it. */
export async function rawPeer(chain: FakeChain, opts: { gossip?: boolean } = {}): Promise<RawPeer> {
  const base = {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  };
  const raw: RawPeer = opts.gossip
    ? await createLibp2p({
        ...base,
        services: {
          identify: identify(),
          pubsub: gossipsub({
            globalSignaturePolicy: 'StrictNoSign',
            msgIdFn: gossipMsgId,
            allowPublishToZeroTopicPeers: true,
            emitSelf: false,
          }),
        },
      })
    : await createLibp2p(base);
  await raw.handle(requestProtocol(chain.params.name, 'status'), async (stream) => {
    const lp = lpStream(stream);
    decodeStatus((await lp.read()).subarray());
    const tip = chain.tipSummary();
    await lp.write(
      encodeStatusResponse({
        version: PROTOCOL_VERSION,
        magic: chain.params.magic,
        genesis: fromHex(chain.params.genesis.hash),
        bestHash: tip.hash,
        bestHeight: tip.height,
        weight: tip.weight,
      }),
    );
    await stream.close();
  });
  return raw;
}
