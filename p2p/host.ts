/**
 * The libp2p host: TCP, Noise, Yamux, identify, ping, Kademlia DHT (namespaced per network,
 * server mode, keeping private addresses so loopback and LAN networks work), gossipsub, bootstrap,
 * the connection limits and the connection gater (gater.ts: banned peers and subnets, the
 * per-address cap). Created stopped; the caller registers its handlers, then starts it.
 */
import type { TcpNetConnectOpts } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { bootstrap } from '@libp2p/bootstrap';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { type Ping, ping } from '@libp2p/ping';
import { type TCPSocketOptions, tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { NetworkName } from '../consensus/index.js';
import type { BanManager } from './banManager.js';
import { coalescingEncrypter } from './coalesce.js';
import { P2pError } from './errors.js';
import { createConnectionGater } from './gater.js';
import { gossipMsgId, gossipMsgIdStr, peerScoreParams } from './gossip.js';
import { MAX_INBOUND_STREAMS_PER_CONNECTION } from './limits.js';
import type { ResolvedP2pOptions } from './options.js';
import { dhtProtocol, GOSSIP_RPC_LIMIT } from './protocols.js';
import {
  hostSubnet,
  type IpAddress,
  ipOfMultiaddr,
  parseSubnet,
  subnetContains,
  subnetMultiaddr,
} from './subnet.js';
import type { P2pLogger } from './types.js';

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
  readonly bans: BanManager;
  readonly log: P2pLogger;
}

function listenAddr(host: string, port: number): string {
  const family = host.includes(':') ? 'ip6' : 'ip4';
  return `/${family}/${host}/tcp/${port}`;
}

/**
 * Socket options of every outbound dial: `dialFrom` binds it to that local address. @libp2p/tcp
 * hands `dialOpts` to net.connect as they are, though its type names only a few of them.
 */
function dialOptions(opts: ResolvedP2pOptions): TCPSocketOptions {
  const o: TCPSocketOptions & Pick<TcpNetConnectOpts, 'localAddress'> =
    opts.dialFrom === undefined ? {} : { localAddress: opts.dialFrom };
  return o;
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
  // The gater counts the host's connections; the host exists once createLibp2p returns.
  let host: Host | undefined;
  const connectionsFrom = (ip: IpAddress): number => {
    const only = hostSubnet(ip);
    let n = 0;
    for (const c of host?.getConnections() ?? []) {
      const remote = ipOfMultiaddr(c.remoteAddr);
      if (remote && subnetContains(only, remote)) n++;
    }
    return n;
  };
  const peerDiscovery: Array<(components: Parameters<ReturnType<typeof bootstrap>>[0]) => PeerDiscovery> = [];
  if (bootList.length > 0) peerDiscovery.push(bootstrap({ list: bootList, timeout: 0 }));
  const services = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: gossipMsgId,
      msgIdToStrFn: gossipMsgIdStr,
      // judged after gossipsub caches a message, so that its forward skips the peers whose
      // copies arrived meanwhile (gossip.ts Gossip.start)
      asyncValidation: true,
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      heartbeatInterval: opts.gossipHeartbeatMs,
      // Not the largest message (limits.ts checks those per topic): an IWANT answer batches
      // several messages into one RPC frame.
      maxInboundDataLength: GOSSIP_RPC_LIMIT,
      scoreParams: peerScoreParams(deps.network, (peerId) => deps.bans.score(peerId)),
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
  host = await createLibp2p<HostServices>({
    start: false,
    privateKey: deps.privateKey,
    addresses: { listen: [listenAddr(opts.host, opts.port)], announce: [...opts.announce] },
    transports: [tcp({ dialOpts: dialOptions(opts) })],
    connectionEncrypters: [coalescingEncrypter(noise())],
    streamMuxers: [yamux({ maxInboundStreams: MAX_INBOUND_STREAMS_PER_CONNECTION })],
    peerDiscovery,
    connectionManager: {
      maxConnections: opts.maxConnections,
      inboundConnectionThreshold: opts.inboundConnectionThreshold,
      // The exempt subnets (loopback, a devnet's LAN: many honest nodes on one address) skip
      // libp2p's per-host inbound rate and its connection cap, as they skip our per-address cap
      // and address bans: a local network of dozens of nodes dials one node faster than
      // inboundConnectionThreshold allows one host, and a refused dial broke a 10-node mesh.
      allow: opts.banExempt.map((s) => subnetMultiaddr(parseSubnet(s))),
    },
    // A fixed ping deadline: the adaptive one (1.2 × the recent round trip, at least 5 s) closed
    // every connection of a node whose event loop was busy for a few seconds.
    connectionMonitor: {
      pingInterval: opts.pingIntervalMs,
      pingTimeout: { minTimeout: opts.pingTimeoutMs, maxTimeout: opts.pingTimeoutMs },
    },
    connectionGater: createConnectionGater({
      bans: deps.bans,
      maxConnectionsPerIp: opts.maxConnectionsPerIp,
      connectionsFrom,
      log: deps.log,
    }),
    services,
  });
  return host;
}
