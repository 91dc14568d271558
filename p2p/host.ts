/**
 * The libp2p host: TCP, Noise, Yamux, identify, ping, Kademlia DHT (namespaced per network,
 * server mode, keeping private addresses so loopback and LAN networks work), gossipsub, bootstrap,
 * the connection limit and a connection gater that refuses banned peers in both directions.
 * Created stopped; the caller registers its handlers, then starts it.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { bootstrap } from '@libp2p/bootstrap';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, PeerDiscovery, PeerId, PrivateKey } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { NetworkName } from '../consensus/index.js';
import { P2pError } from './errors.js';
import { gossipMsgId, peerScoreParams } from './gossip.js';
import type { ResolvedP2pOptions } from './options.js';
import { dhtProtocol, GOSSIP_RPC_LIMIT } from './protocols.js';

export interface HostServices extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
  dht?: KadDHT;
}

export type Host = Libp2p<HostServices>;

export interface HostDeps {
  readonly network: NetworkName;
  readonly privateKey: PrivateKey;
  readonly isBanned: (peerId: string) => boolean;
  readonly banScore: (peerId: string) => number;
}

function listenAddr(host: string, port: number): string {
  const family = host.includes(':') ? 'ip6' : 'ip4';
  return `/${family}/${host}/tcp/${port}`;
}

/** Parses the bootstrap list up front so a typo is a clear error, not a silent non-dial. */
function checkBootstrap(list: readonly string[]): string[] {
  return list.map((addr) => {
    try {
      const ma = multiaddr(addr);
      if (!ma.getComponents().some((c) => c.name === 'p2p')) {
        throw new P2pError({ code: 'P2P_INVALID_MULTIADDR', addr, detail: 'missing /p2p/<peer id>' });
      }
      return ma.toString();
    } catch (err) {
      if (err instanceof P2pError) throw err;
      throw new P2pError({
        code: 'P2P_INVALID_MULTIADDR',
        addr,
        detail: err instanceof Error ? err.message : String(err),
      });
    }
  });
}

export async function createHost(opts: ResolvedP2pOptions, deps: HostDeps): Promise<Host> {
  const bootList = checkBootstrap(opts.bootstrap);
  const banned = (peerId: PeerId): boolean => deps.isBanned(peerId.toString());
  const peerDiscovery: Array<(components: Parameters<ReturnType<typeof bootstrap>>[0]) => PeerDiscovery> = [];
  if (bootList.length > 0) peerDiscovery.push(bootstrap({ list: bootList, timeout: 0 }));
  const services = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: gossipMsgId,
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      heartbeatInterval: opts.gossipHeartbeatMs,
      maxInboundDataLength: GOSSIP_RPC_LIMIT,
      scoreParams: peerScoreParams(deps.network, deps.banScore),
      emitSelf: false,
      tagMeshPeers: true,
    }),
    ...(opts.dht
      ? {
          dht: kadDHT({
            protocol: dhtProtocol(deps.network),
            clientMode: false,
            // Keep loopback/LAN addresses: removePrivateAddressesMapper would make a local network unreachable.
            peerInfoMapper: passthroughMapper,
            logPrefix: `qenex:${deps.network}:kad`,
          }),
        }
      : {}),
  };
  return createLibp2p<HostServices>({
    start: false,
    privateKey: deps.privateKey,
    addresses: { listen: [listenAddr(opts.host, opts.port)] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: {
      maxConnections: opts.maxConnections,
      inboundConnectionThreshold: opts.inboundConnectionThreshold,
    },
    connectionMonitor: { pingInterval: opts.pingIntervalMs },
    connectionGater: {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
      denyInboundUpgradedConnection: banned,
      denyOutboundUpgradedConnection: banned,
    },
    services,
  });
}
