/** P2p options: every default in one place, checked once. */
import { isIP } from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import { MAX_BLOCKS_PER_REQUEST, MAX_HEADERS } from './codec.js';
import { P2pError } from './errors.js';
import { BAN_SCORE } from './penalties.js';
import type { RequestKind, TopicKind } from './protocols.js';
import type { RateLimit } from './rateLimit.js';
import { parseSubnet } from './subnet.js';

export interface P2pOptions {
  /** Listen address (IPv4 or IPv6 literal). Default 127.0.0.1. */
  host: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** Multiaddrs with /p2p/<id> dialled at start. */
  bootstrap: readonly string[];
  /**
   * Addresses (multiaddrs without /p2p) told to peers and the DHT instead of the listen address:
   * where others reach this node when that is not where it listens (a port forward, NAT, a
   * proxy). Empty: the listen address.
   */
  announce: readonly string[];
  /** Local IP address outbound connections are made from (a multi-homed host); unset: the OS picks. */
  dialFrom?: string;
  /** Where the persistent peer key lives (created on first start). */
  peerKeyFile?: string;
  /** libp2p's connection limit (it prunes beyond). */
  maxConnections: number;
  /** Peers discovered (DHT, bootstrap) are dialled while we have fewer connections than this. */
  targetPeers: number;
  /**
   * While we have fewer than `targetPeers` connections, bootstrap peers we are not connected to are
   * dialled again this often, each backing off (doubling) after a failed dial up to
   * `bootstrapRetryMaxMs` (bootstrapRedial.ts). 0: only the dial at start.
   */
  bootstrapRetryMs: number;
  /**
   * Mean period of feeler connections (feeler.ts): one dial to a known peer we are not connected
   * to, whatever the number of connections, so that a network split heals. 0 disables them.
   */
  feelerMs: number;
  bootstrapRetryMaxMs: number;
  /**
   * A handshaken peer lost without our hanging up is dialled again this long after the loss,
   * then backing off (doubling) up to `reconnectMaxMs`, for 30 minutes (reconnect.ts). 0: not.
   */
  reconnectMs: number;
  reconnectMaxMs: number;
  /** Run the Kademlia DHT (in server mode: on a LAN or loopback every node is dialable). */
  dht: boolean;
  gossipHeartbeatMs: number;
  /** Connection monitor ping interval (latency in `peers()`); more than pingTimeoutMs. */
  pingIntervalMs: number;
  /**
   * How long a connection monitor ping may take before the connection is closed as dead. libp2p's
   * default is adaptive with a 5 s floor, and it also closes a connection when a ping falls due
   * while the last is unanswered: a node whose event loop was busy for more than 5 s (verifying
   * an update block on a loaded machine takes that) found every connection closed, by its peers
   * and by its own pings as soon as its loop ran again. Less than pingIntervalMs.
   */
  pingTimeoutMs: number;
  /** One request/response round trip, dial excluded. */
  requestTimeoutMs: number;
  /** libp2p's per-host inbound connection rate limit (connections per second). */
  inboundConnectionThreshold: number;
  /** Most open connections with one remote IP address (inbound ones beyond it are refused). */
  maxConnectionsPerIp: number;
  /**
   * Subnets (`ip/prefix`) exempt from the per-address cap and from automatic address bans: many
   * honest nodes share a loopback or devnet address. Empty: every address is capped and banned.
   */
  banExempt: readonly string[];
  banThreshold: number;
  /** How long a misbehaving peer, its address and its netgroup are banned. */
  banDurationMs: number;
  scoreDecayPerHour: number;
  /** A peer on another network or genesis is disconnected and refused this long (its id only). */
  wrongNetworkBanMs: number;
  /** Where peer-id and subnet bans are kept across restarts; without it they live in memory. */
  banFile?: string;
  /** Headers asked per request (≤ 2000). */
  headersPerRequest: number;
  /** Blocks asked per request (≤ 64). */
  blocksPerRequest: number;
  /**
   * Peers one sync session downloads blocks from at once: its own peer and up to this many − 1
   * others that claim more weight than our chain (1: only the session's peer).
   */
  downloadPeers: number;
  /** Byte budget of one blocks response (the server stops after it, at least one block). */
  maxBlocksResponseBytes: number;
  /** Largest model checkpoint served or accepted (the evaluator's format: no consensus bound). */
  maxModelBytes: number;
  /**
   * After our tip changes, every handshaken peer is sent our status at most this often: at the end
   * of the window after a gossiped tip, as early as the window allows after a tip a sync session
   * imported (not gossiped). Gossip is best effort, and a peer that missed a block learns our
   * weight this way and syncs. 0 disables it.
   */
  statusAnnounceMs: number;
  /** A syncing client told 'rate-limited' waits this long before asking again. */
  rateLimitBackoffMs: number;
  /** Peers whose orphan blocks may have their ancestors fetched at once. */
  maxOrphanRequests: number;
  /**
   * Sync sessions at once, each with another peer (one per claimed chain, plus fetches of gossiped
   * orphans' ancestors): a peer that stalls holds one of them for at most `requestTimeoutMs`.
   */
  maxSyncSessions: number;
  /**
   * Headers a sync session collects before any block download while their branch cannot yet
   * become the best chain (branchPolicy.ts); a session gives up a longer unproven branch.
   */
  maxSyncHeaders: number;
  /**
   * A peer that stalled a sync session is not synced from again for this long, even when it
   * reconnects with a new claim (each stall also costs it 'sync-stall').
   */
  syncStallCooldownMs: number;
  /**
   * Concurrent inbound streams per connection for each request protocol; each stream beyond it
   * is reset and charged 'stream-flood'.
   */
  maxInboundStreams: number;
  requestLimits: Readonly<Record<RequestKind, RateLimit>>;
  /**
   * Bytes of blocks served to one peer (per second, burst): each blocks response is charged what
   * it sent, and a peer in debt is answered 'rate-limited'. The blocks-per-second limit alone let
   * a peer that asks for large blocks read ~125 MB/s from our disk (computed from the limits: 1,000
   * blocks/s in requests of 64, each up to maxBlocksResponseBytes); this bounds it whatever the
   * block size, far above what a syncing node can validate.
   */
  blockBytesLimit: RateLimit;
  gossipLimits: Readonly<Record<TopicKind, RateLimit>>;
}

export type ResolvedP2pOptions = Readonly<P2pOptions>;

export const DEFAULT_P2P_OPTIONS: ResolvedP2pOptions = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  bootstrap: [],
  announce: [],
  maxConnections: 64,
  targetPeers: 8,
  bootstrapRetryMs: 5000,
  feelerMs: 30_000,
  bootstrapRetryMaxMs: 5 * 60_000,
  reconnectMs: 1000,
  reconnectMaxMs: 30_000,
  dht: true,
  gossipHeartbeatMs: 1000,
  pingIntervalMs: 60_000,
  pingTimeoutMs: 45_000,
  requestTimeoutMs: 10_000,
  inboundConnectionThreshold: 5,
  maxConnectionsPerIp: 4,
  banExempt: Object.freeze(['127.0.0.0/8', '::1/128']),
  banThreshold: BAN_SCORE,
  banDurationMs: 24 * 3_600_000,
  scoreDecayPerHour: 10,
  wrongNetworkBanMs: 10 * 60_000,
  headersPerRequest: MAX_HEADERS,
  blocksPerRequest: 64,
  downloadPeers: 3,
  maxBlocksResponseBytes: 8 * 1024 * 1024,
  maxModelBytes: 64 * 1024 * 1024,
  rateLimitBackoffMs: 1000,
  statusAnnounceMs: 1000,
  maxOrphanRequests: 8,
  maxSyncSessions: 3,
  maxSyncHeaders: 20_000,
  syncStallCooldownMs: 10 * 60_000,
  maxInboundStreams: 4,
  // Costs: one token per request stream, taken when it opens (a stream that never sends a request
  // pays too); a blocks request one more per further block asked. Blocks: enough for initial
  // sync of small blocks at several thousand a second (blockBytesLimit bounds large ones).
  requestLimits: Object.freeze({
    status: { perSecond: 2, burst: 10 },
    headers: { perSecond: 10, burst: 20 },
    blocks: { perSecond: 10_000, burst: 20_000 },
    model: { perSecond: 1, burst: 4 },
  }),
  blockBytesLimit: Object.freeze({ perSecond: 64 * 1024 * 1024, burst: 128 * 1024 * 1024 }),
  gossipLimits: Object.freeze({
    blocks: { perSecond: 10, burst: 50 },
    txs: { perSecond: 200, burst: 1000 },
    deltas: { perSecond: 5, burst: 20 },
  }),
});

function bad(option: string, detail: string): P2pError {
  return new P2pError({ code: 'P2P_BAD_OPTIONS', option, detail });
}

function int(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw bad(name, `${v} is not an integer in [${min}, ${max}]`);
}

function checkLimit(name: string, l: RateLimit): void {
  if (!(l.perSecond > 0) || !(l.burst >= 1)) throw bad(name, 'perSecond must be > 0 and burst ≥ 1');
}

export function resolveP2pOptions(opts: Partial<P2pOptions> = {}): ResolvedP2pOptions {
  const r: P2pOptions = {
    ...DEFAULT_P2P_OPTIONS,
    ...opts,
    requestLimits: { ...DEFAULT_P2P_OPTIONS.requestLimits, ...opts.requestLimits },
    gossipLimits: { ...DEFAULT_P2P_OPTIONS.gossipLimits, ...opts.gossipLimits },
  };
  if (typeof r.host !== 'string' || r.host.length === 0) throw bad('host', 'empty');
  int('port', r.port, 0, 65535);
  int('maxConnections', r.maxConnections, 1);
  int('targetPeers', r.targetPeers, 0);
  int('bootstrapRetryMs', r.bootstrapRetryMs, 0);
  int('feelerMs', r.feelerMs, 0);
  int('bootstrapRetryMaxMs', r.bootstrapRetryMaxMs, Math.max(1, r.bootstrapRetryMs));
  int('reconnectMs', r.reconnectMs, 0);
  int('reconnectMaxMs', r.reconnectMaxMs, Math.max(1, r.reconnectMs));
  int('gossipHeartbeatMs', r.gossipHeartbeatMs, 10);
  int('pingIntervalMs', r.pingIntervalMs, 100);
  int('pingTimeoutMs', r.pingTimeoutMs, 100);
  if (r.pingTimeoutMs >= r.pingIntervalMs)
    throw bad(
      'pingTimeoutMs',
      `${r.pingTimeoutMs} is not below pingIntervalMs ${r.pingIntervalMs}: pings would overlap, and libp2p closes a connection on the second`,
    );
  int('statusAnnounceMs', r.statusAnnounceMs, 0);
  int('requestTimeoutMs', r.requestTimeoutMs, 1);
  int('inboundConnectionThreshold', r.inboundConnectionThreshold, 1);
  int('maxConnectionsPerIp', r.maxConnectionsPerIp, 1);
  if (!Array.isArray(r.banExempt)) throw bad('banExempt', 'not a list');
  for (const s of r.banExempt) {
    try {
      parseSubnet(s);
    } catch (err) {
      throw bad('banExempt', err instanceof Error ? err.message : String(err));
    }
  }
  int('banThreshold', r.banThreshold, 1);
  int('banDurationMs', r.banDurationMs, 1);
  int('scoreDecayPerHour', r.scoreDecayPerHour, 0);
  int('wrongNetworkBanMs', r.wrongNetworkBanMs, 0);
  int('headersPerRequest', r.headersPerRequest, 1, MAX_HEADERS);
  int('blocksPerRequest', r.blocksPerRequest, 1, MAX_BLOCKS_PER_REQUEST);
  int('downloadPeers', r.downloadPeers, 1, 16);
  int('maxBlocksResponseBytes', r.maxBlocksResponseBytes, 1);
  int('maxModelBytes', r.maxModelBytes, 1);
  int('rateLimitBackoffMs', r.rateLimitBackoffMs, 0);
  int('maxOrphanRequests', r.maxOrphanRequests, 0);
  int('maxSyncSessions', r.maxSyncSessions, 1);
  int('maxSyncHeaders', r.maxSyncHeaders, 1);
  int('syncStallCooldownMs', r.syncStallCooldownMs, 0);
  int('maxInboundStreams', r.maxInboundStreams, 1);
  for (const [k, l] of Object.entries(r.requestLimits)) checkLimit(`requestLimits.${k}`, l);
  checkLimit('blockBytesLimit', r.blockBytesLimit);
  for (const [k, l] of Object.entries(r.gossipLimits)) checkLimit(`gossipLimits.${k}`, l);
  if (!Array.isArray(r.bootstrap)) throw bad('bootstrap', 'not a list');
  if (!Array.isArray(r.announce)) throw bad('announce', 'not a list');
  for (const a of r.announce) {
    let withPeerId: boolean;
    try {
      withPeerId = multiaddr(a)
        .getComponents()
        .some((c) => c.name === 'p2p');
    } catch (err) {
      throw bad('announce', `${a}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (withPeerId) throw bad('announce', `${a}: no /p2p/<id> here (the node adds its own)`);
  }
  if (r.dialFrom !== undefined && isIP(r.dialFrom) === 0)
    throw bad('dialFrom', `${r.dialFrom} is not an IP address`);
  return Object.freeze(r);
}
