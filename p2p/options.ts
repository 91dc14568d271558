/** P2p options: every default in one place, checked once. */
import { MAX_TX_SIZE } from '../consensus/index.js';
import { MAX_BLOCKS_PER_REQUEST, MAX_HEADERS } from './codec.js';
import { P2pError } from './errors.js';
import { BAN_SCORE } from './penalties.js';
import { GOSSIP_MAX_PAYLOAD, type RequestKind, type TopicKind } from './protocols.js';
import type { RateLimit } from './rateLimit.js';

export interface P2pOptions {
  /** Listen address (IPv4 or IPv6 literal). Default 127.0.0.1. */
  host: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** Multiaddrs with /p2p/<id> dialled at start. */
  bootstrap: readonly string[];
  /** Where the persistent peer key lives (created on first start). */
  peerKeyFile?: string;
  /** libp2p's connection limit (it prunes beyond). */
  maxConnections: number;
  /** Peers discovered (DHT, bootstrap) are dialled while we have fewer connections than this. */
  targetPeers: number;
  /** Run the Kademlia DHT (in server mode: on a LAN or loopback every node is dialable). */
  dht: boolean;
  gossipHeartbeatMs: number;
  /** Connection monitor ping interval (latency in `peers()`). */
  pingIntervalMs: number;
  /** One request/response round trip, dial excluded. */
  requestTimeoutMs: number;
  /** libp2p's per-host inbound connection rate limit (connections per second). */
  inboundConnectionThreshold: number;
  banThreshold: number;
  banDurationMs: number;
  scoreDecayPerHour: number;
  /** A peer on another network or genesis is disconnected and refused this long. */
  wrongNetworkBanMs: number;
  /** Headers asked per request (≤ 2000). */
  headersPerRequest: number;
  /** Blocks asked per request (≤ 64). */
  blocksPerRequest: number;
  /** Byte budget of one blocks response (the server stops after it, at least one block). */
  maxBlocksResponseBytes: number;
  /** Largest model checkpoint served or accepted. */
  maxModelBytes: number;
  /** Largest delta gossiped. */
  maxDeltaBytes: number;
  /**
   * After our tip changes, every handshaken peer is sent our status at most this often (trailing
   * edge): gossip is best effort, and a peer that missed a block learns our weight this way and
   * syncs. 0 disables it.
   */
  statusAnnounceMs: number;
  /** A syncing client told 'rate-limited' waits this long before asking again. */
  rateLimitBackoffMs: number;
  /** Peers whose orphan blocks may have their ancestors fetched at once. */
  maxOrphanRequests: number;
  /** Concurrent inbound streams per connection for each request protocol. */
  maxInboundStreams: number;
  requestLimits: Readonly<Record<RequestKind, RateLimit>>;
  gossipLimits: Readonly<Record<TopicKind, RateLimit>>;
}

export type ResolvedP2pOptions = Readonly<P2pOptions>;

export const DEFAULT_P2P_OPTIONS: ResolvedP2pOptions = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  bootstrap: [],
  maxConnections: 64,
  targetPeers: 8,
  dht: true,
  gossipHeartbeatMs: 1000,
  pingIntervalMs: 10_000,
  requestTimeoutMs: 10_000,
  inboundConnectionThreshold: 5,
  banThreshold: BAN_SCORE,
  banDurationMs: 24 * 3_600_000,
  scoreDecayPerHour: 10,
  wrongNetworkBanMs: 10 * 60_000,
  headersPerRequest: MAX_HEADERS,
  blocksPerRequest: 16,
  maxBlocksResponseBytes: 8 * 1024 * 1024,
  maxModelBytes: 64 * 1024 * 1024,
  maxDeltaBytes: GOSSIP_MAX_PAYLOAD,
  rateLimitBackoffMs: 1000,
  statusAnnounceMs: 1000,
  maxOrphanRequests: 8,
  maxInboundStreams: 4,
  // Costs: one token per request, except blocks (one per block asked).
  requestLimits: Object.freeze({
    status: { perSecond: 2, burst: 10 },
    headers: { perSecond: 10, burst: 20 },
    blocks: { perSecond: 1000, burst: 2000 },
    model: { perSecond: 1, burst: 4 },
  }),
  gossipLimits: Object.freeze({
    blocks: { perSecond: 10, burst: 50 },
    txs: { perSecond: 200, burst: 1000 },
    deltas: { perSecond: 5, burst: 20 },
  }),
});

/** Largest gossip payload per topic; blocks also obey the network's maxBlockSize. */
export function gossipLimit(kind: TopicKind, opts: ResolvedP2pOptions, maxBlockSize: number): number {
  switch (kind) {
    case 'blocks':
      return Math.min(maxBlockSize, GOSSIP_MAX_PAYLOAD);
    case 'txs':
      return Math.min(MAX_TX_SIZE, GOSSIP_MAX_PAYLOAD);
    case 'deltas':
      return opts.maxDeltaBytes;
  }
}

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
  int('gossipHeartbeatMs', r.gossipHeartbeatMs, 10);
  int('pingIntervalMs', r.pingIntervalMs, 100);
  int('statusAnnounceMs', r.statusAnnounceMs, 0);
  int('requestTimeoutMs', r.requestTimeoutMs, 1);
  int('inboundConnectionThreshold', r.inboundConnectionThreshold, 1);
  int('banThreshold', r.banThreshold, 1);
  int('banDurationMs', r.banDurationMs, 1);
  int('scoreDecayPerHour', r.scoreDecayPerHour, 0);
  int('wrongNetworkBanMs', r.wrongNetworkBanMs, 0);
  int('headersPerRequest', r.headersPerRequest, 1, MAX_HEADERS);
  int('blocksPerRequest', r.blocksPerRequest, 1, MAX_BLOCKS_PER_REQUEST);
  int('maxBlocksResponseBytes', r.maxBlocksResponseBytes, 1);
  int('maxModelBytes', r.maxModelBytes, 1);
  int('maxDeltaBytes', r.maxDeltaBytes, 1, GOSSIP_MAX_PAYLOAD);
  int('rateLimitBackoffMs', r.rateLimitBackoffMs, 0);
  int('maxOrphanRequests', r.maxOrphanRequests, 0);
  int('maxInboundStreams', r.maxInboundStreams, 1);
  for (const [k, l] of Object.entries(r.requestLimits)) checkLimit(`requestLimits.${k}`, l);
  for (const [k, l] of Object.entries(r.gossipLimits)) checkLimit(`gossipLimits.${k}`, l);
  if (!Array.isArray(r.bootstrap)) throw bad('bootstrap', 'not a list');
  return Object.freeze(r);
}
