/**
 * The p2p service: one libp2p host plus qenex's gossip, request protocols, handshake, sync and
 * peer management. `start()` / `stop()`; typed events (types.ts P2pEvents).
 *
 * Handshake: on every new peer each side sends its status (network magic, genesis hash, best tip,
 * cumulative weight) and reads the other's. A peer on another network or genesis is disconnected
 * and refused for `wrongNetworkBanMs`; a peer that cannot complete the handshake is disconnected.
 * Only handshaken peers count as peers (events, sync candidates).
 */
import { EventEmitter } from 'node:events';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { GossipSub } from '@libp2p/gossipsub';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import {
  type Block,
  encodeBlock,
  encodeTx,
  equalBytes,
  fromHex,
  type Hash,
  type NetworkParams,
  type Transaction,
} from '../consensus/index.js';
import { type BanEntry, BanManager } from './banManager.js';
import { P2pClient } from './client.js';
import { type PeerStatus, PROTOCOL_VERSION } from './codec.js';
import { P2pError } from './errors.js';
import { Gossip } from './gossip.js';
import { requestHandlers } from './handlers.js';
import { createHost, type Host } from './host.js';
import { loadOrCreatePeerKey } from './identity.js';
import { type P2pOptions, type ResolvedP2pOptions, resolveP2pOptions } from './options.js';
import type { PenaltyCode } from './penalties.js';
import { REQUEST_KINDS, type RequestKind, requestProtocol, type TopicKind } from './protocols.js';
import { PeerRateLimiter } from './rateLimit.js';
import { Syncer } from './syncer.js';
import type { NetworkInfo, P2pChain, P2pDeps, P2pEvents, P2pLogger, PeerInfo } from './types.js';

const noop = (): void => {};
const SILENT: P2pLogger = { debug: noop, info: noop, warn: noop };

interface PeerState {
  readonly id: PeerId;
  readonly connectedSince: number;
  status: PeerStatus | null;
}

interface Running {
  readonly host: Host;
  readonly client: P2pClient;
  readonly gossip: Gossip;
  readonly syncer: Syncer;
  readonly abort: AbortController;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class P2pNode extends EventEmitter<P2pEvents> {
  readonly opts: ResolvedP2pOptions;
  readonly bans: BanManager;
  private readonly chain: P2pChain;
  private readonly params: NetworkParams;
  private readonly clock: () => number;
  private readonly log: P2pLogger;
  private readonly genesis: Hash;
  private readonly requestLimiter: PeerRateLimiter<RequestKind>;
  private readonly gossipLimiter: PeerRateLimiter<TopicKind>;
  private readonly peerStates = new Map<string, PeerState>();
  private run: Running | null = null;

  constructor(
    opts: Partial<P2pOptions>,
    private readonly deps: P2pDeps,
  ) {
    super();
    this.opts = resolveP2pOptions(opts);
    this.chain = deps.chain;
    this.params = deps.chain.params;
    this.clock = deps.clock ?? Date.now;
    this.log = deps.logger ?? SILENT;
    this.genesis = fromHex(this.params.genesis.hash);
    this.bans = new BanManager(
      {
        banThreshold: this.opts.banThreshold,
        banDurationMs: this.opts.banDurationMs,
        scoreDecayPerHour: this.opts.scoreDecayPerHour,
        maxTrackedPeers: 10_000,
        maxBans: 10_000,
      },
      { clock: this.clock },
    );
    this.requestLimiter = new PeerRateLimiter(this.opts.requestLimits, { clock: this.clock });
    this.gossipLimiter = new PeerRateLimiter(this.opts.gossipLimits, { clock: this.clock });
  }

  get started(): boolean {
    return this.run !== null;
  }

  private running(): Running {
    if (!this.run) throw new P2pError({ code: 'P2P_NOT_STARTED' });
    return this.run;
  }

  get peerId(): string {
    return this.running().host.peerId.toString();
  }

  /** Listen addresses, each ending in /p2p/<our id> (what others pass to `connect`). */
  get multiaddrs(): string[] {
    return this.running()
      .host.getMultiaddrs()
      .map((m) => m.toString());
  }

  async start(): Promise<void> {
    if (this.run) throw new P2pError({ code: 'P2P_ALREADY_STARTED' });
    const privateKey: PrivateKey | undefined =
      this.deps.privateKey ??
      (this.opts.peerKeyFile !== undefined ? await loadOrCreatePeerKey(this.opts.peerKeyFile) : undefined);
    const host = await createHost(this.opts, {
      network: this.params.name,
      privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
      isBanned: (p) => this.bans.isBanned(p),
      banScore: (p) => this.bans.score(p),
    });
    const abort = new AbortController();
    const network = this.params.name;
    const client = new P2pClient({
      libp2p: host,
      network,
      opts: this.opts,
      maxBlockSize: this.params.maxBlockSize,
      signal: abort.signal,
    });
    const punish = (peerId: string, code: PenaltyCode, detail?: string): void =>
      this.punish(peerId, code, detail);
    const handlers = requestHandlers({
      chain: this.chain,
      network,
      opts: this.opts,
      limiter: this.requestLimiter,
      punish,
      ourStatus: () => this.ourStatus(),
      onStatus: (peer, status) => this.acceptStatus(peer, status),
    });
    for (const kind of REQUEST_KINDS) {
      await host.handle(requestProtocol(network, kind), handlers[kind], {
        maxInboundStreams: this.opts.maxInboundStreams,
      });
    }
    const syncer = new Syncer({
      chain: this.chain,
      client,
      opts: this.opts,
      clock: this.clock,
      punish,
      log: this.log,
      ourStatus: () => this.ourStatus(),
      peers: () => this.handshaken(),
      setStatus: (peerId, status) => {
        const st = this.peerStates.get(peerId);
        if (st) this.acceptStatus(st.id, status);
      },
      onProgress: (p) => this.emit('sync:progress', p),
      onDone: (d) => this.emit('sync:done', d),
    });
    const gossip = new Gossip({
      pubsub: host.services.pubsub,
      network,
      opts: this.opts,
      maxBlockSize: this.params.maxBlockSize,
      chain: this.chain,
      ...(this.deps.mempool ? { mempool: this.deps.mempool } : {}),
      ...(this.deps.deltas ? { deltas: this.deps.deltas } : {}),
      limiter: this.gossipLimiter,
      punish,
      onOrphan: (peerId) => syncer.onOrphan(peerId),
    });
    host.addEventListener('peer:connect', (evt) => this.onConnect(evt.detail));
    host.addEventListener('peer:disconnect', (evt) => this.onDisconnect(evt.detail));
    host.addEventListener('peer:discovery', (evt) => this.onDiscovery(evt.detail.id));
    this.run = { host, client, gossip, syncer, abort };
    await host.start();
    if (host.services.dht) await host.services.dht.setMode('server');
    gossip.start();
    syncer.start();
    this.log.info({ peerId: host.peerId.toString(), addrs: this.multiaddrs }, 'p2p started');
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.abort.abort();
    await run.syncer.stop();
    run.gossip.stop();
    await run.host.stop();
    this.peerStates.clear();
  }

  // ---- node-facing API ----

  async announceBlock(block: Block): Promise<number> {
    return this.running().gossip.publish('blocks', encodeBlock(block));
  }

  async announceTx(tx: Transaction): Promise<number> {
    return this.running().gossip.publish('txs', encodeTx(tx));
  }

  async announceDelta(bytes: Uint8Array): Promise<number> {
    return this.running().gossip.publish('deltas', bytes);
  }

  /** Dials a multiaddr (addnode); returns the peer id. */
  async connect(addr: string): Promise<string> {
    const host = this.running().host;
    let ma: Multiaddr;
    try {
      ma = multiaddr(addr);
    } catch (err) {
      throw new P2pError({ code: 'P2P_INVALID_MULTIADDR', addr, detail: message(err) });
    }
    const target = ma.getComponents().find((c) => c.name === 'p2p')?.value;
    if (target !== undefined && this.bans.isBanned(target))
      throw new P2pError({ code: 'P2P_PEER_BANNED', peer: target });
    try {
      const conn = await host.dial(ma, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) });
      return conn.remotePeer.toString();
    } catch (err) {
      throw new P2pError({ code: 'P2P_DIAL_FAILED', addr, detail: message(err) });
    }
  }

  async disconnect(peerId: string): Promise<void> {
    await this.running().host.hangUp(this.parsePeerId(peerId));
  }

  /** Bans a peer (default duration from the options) and disconnects it. */
  async ban(peerId: string, durationMs?: number, reason = 'manual'): Promise<BanEntry> {
    const id = this.parsePeerId(peerId);
    const entry = this.bans.ban(id.toString(), durationMs ?? this.opts.banDurationMs, reason);
    this.emit('peer:banned', entry);
    if (this.run) await this.run.host.hangUp(id).catch(noop);
    return entry;
  }

  unban(peerId: string): boolean {
    return this.bans.unban(peerId);
  }

  listBanned(): BanEntry[] {
    return this.bans.listBanned();
  }

  /** A model checkpoint from a connected peer, or undefined if it has none. */
  async requestModel(peerId: string, modelHash: Hash): Promise<Uint8Array | undefined> {
    try {
      return await this.running().client.model(this.parsePeerId(peerId), modelHash);
    } catch (err) {
      if (err instanceof P2pError && err.type.code === 'P2P_BAD_RESPONSE') {
        this.punish(err.type.peer, err.type.offence, err.type.detail);
      } else if (err instanceof P2pError && err.type.code === 'P2P_REQUEST_TIMEOUT') {
        this.punish(err.type.peer, 'request-timeout', err.type.protocol);
      }
      throw err;
    }
  }

  /** Peers known to be subscribed to a gossip topic. */
  gossipPeers(kind: TopicKind): string[] {
    const run = this.running();
    return run.host.services.pubsub.getSubscribers(run.gossip.topic(kind)).map((p) => p.toString());
  }

  /** The status a peer sent in the handshake (or since), if any. */
  peerStatus(peerId: string): PeerStatus | null {
    return this.peerStates.get(peerId)?.status ?? null;
  }

  /** Gossipsub's score of a peer (kept a while after it disconnects); null when unavailable. */
  gossipScore(peerId: string): number | null {
    const run = this.run;
    if (!run) return null;
    const pubsub = run.host.services.pubsub as GossipSub & { getScore?: (peerId: string) => number };
    return typeof pubsub.getScore === 'function' ? pubsub.getScore(peerId) : null;
  }

  peers(): PeerInfo[] {
    const run = this.run;
    if (!run) return [];
    const byPeer = new Map<string, ReturnType<Host['getConnections']>>();
    for (const c of run.host.getConnections()) {
      const k = c.remotePeer.toString();
      const list = byPeer.get(k) ?? [];
      list.push(c);
      byPeer.set(k, list);
    }
    const out: PeerInfo[] = [];
    for (const [id, conns] of byPeer) {
      const first = conns.reduce((a, b) => (b.timeline.open < a.timeline.open ? b : a));
      const rtt = conns.find((c) => c.rtt !== undefined)?.rtt;
      out.push({
        id,
        addrs: conns.map((c) => c.remoteAddr.toString()),
        direction: first.direction,
        latencyMs: rtt ?? null,
        banScore: this.bans.score(id),
        gossipScore: this.gossipScore(id),
        connectedSince: first.timeline.open,
        status: this.peerStates.get(id)?.status ?? null,
      });
    }
    return out;
  }

  networkInfo(): NetworkInfo {
    const run = this.running();
    const conns = run.host.getConnections();
    return {
      peerId: run.host.peerId.toString(),
      network: this.params.name,
      listenAddrs: this.multiaddrs,
      connections: conns.length,
      inbound: conns.filter((c) => c.direction === 'inbound').length,
      outbound: conns.filter((c) => c.direction === 'outbound').length,
      peers: this.handshaken().size,
      banned: this.bans.listBanned().length,
      syncing: run.syncer.syncing,
      protocols: run.host.getProtocols(),
    };
  }

  // ---- internals ----

  private parsePeerId(peerId: string): PeerId {
    try {
      return peerIdFromString(peerId);
    } catch {
      throw new P2pError({ code: 'P2P_INVALID_PEER_ID', peer: peerId });
    }
  }

  private ourStatus(): PeerStatus {
    const tip = this.chain.tipSummary();
    return {
      version: PROTOCOL_VERSION,
      magic: this.params.magic,
      genesis: this.genesis,
      bestHash: tip.hash,
      bestHeight: tip.height,
      weight: tip.weight,
    };
  }

  private handshaken(): Map<string, { id: PeerId; status: PeerStatus }> {
    const out = new Map<string, { id: PeerId; status: PeerStatus }>();
    for (const [k, s] of this.peerStates) if (s.status) out.set(k, { id: s.id, status: s.status });
    return out;
  }

  private punish(peerId: string, code: PenaltyCode, detail?: string): void {
    const change = this.bans.misbehave(peerId, code, detail);
    if (change.penalty === 0) return;
    this.log.info({ peerId, code, detail, score: change.score }, 'peer misbehaved');
    this.emit('peer:misbehave', {
      peerId,
      code,
      penalty: change.penalty,
      score: change.score,
      banned: change.banned,
    });
    if (change.banned) {
      const entry = this.bans.listBanned().find((e) => e.peerId === peerId);
      if (entry) this.emit('peer:banned', entry);
      this.hangUp(peerId);
    }
  }

  private hangUp(peerId: string): void {
    const run = this.run;
    const st = this.peerStates.get(peerId);
    if (!run) return;
    const id = st?.id ?? this.tryPeerId(peerId);
    if (id) run.host.hangUp(id).catch((err: unknown) => this.log.debug({ peerId, err }, 'hang up failed'));
  }

  private tryPeerId(peerId: string): PeerId | undefined {
    try {
      return peerIdFromString(peerId);
    } catch {
      return undefined;
    }
  }

  /** Checks a peer's status; records it, or disconnects a peer of another network. */
  private acceptStatus(peer: PeerId, status: PeerStatus): void {
    const key = peer.toString();
    if (status.magic !== this.params.magic) {
      this.wrongNetwork(key, `magic ${status.magic.toString(16)}`);
      return;
    }
    if (!equalBytes(status.genesis, this.genesis)) {
      this.wrongNetwork(key, 'different genesis');
      return;
    }
    if (status.version < PROTOCOL_VERSION) {
      this.wrongNetwork(key, `protocol version ${status.version}`);
      return;
    }
    let st = this.peerStates.get(key);
    if (!st) {
      st = { id: peer, connectedSince: this.clock(), status: null };
      this.peerStates.set(key, st);
    }
    const first = st.status === null;
    st.status = status;
    if (first) {
      const direction = this.run?.host.getConnections(peer)[0]?.direction ?? 'inbound';
      this.emit('peer:connect', { peerId: key, direction, status });
    }
    this.run?.syncer.onStatus(key);
  }

  private wrongNetwork(peerId: string, detail: string): void {
    this.log.info({ peerId, detail }, 'peer is on another network');
    if (this.opts.wrongNetworkBanMs > 0)
      this.bans.ban(peerId, this.opts.wrongNetworkBanMs, `wrong-network: ${detail}`);
    this.peerStates.delete(peerId);
    this.hangUp(peerId);
  }

  private onConnect(peer: PeerId): void {
    const key = peer.toString();
    const run = this.run;
    if (!run) return;
    if (this.bans.isBanned(key)) {
      this.hangUp(key);
      return;
    }
    if (!this.peerStates.has(key))
      this.peerStates.set(key, { id: peer, connectedSince: this.clock(), status: null });
    run.client.status(peer, this.ourStatus()).then(
      (status) => this.acceptStatus(peer, status),
      (err: unknown) => {
        if (this.run !== run || !this.peerStates.has(key)) return;
        if (err instanceof P2pError && err.type.code === 'P2P_UNSUPPORTED_PROTOCOL') {
          this.wrongNetwork(key, 'no qenex status protocol for this network');
          return;
        }
        if (err instanceof P2pError && err.type.code === 'P2P_BAD_RESPONSE') {
          this.punish(key, err.type.offence, err.message);
        }
        this.log.debug({ peerId: key, err }, 'handshake failed');
        this.peerStates.delete(key);
        this.hangUp(key);
      },
    );
  }

  private onDisconnect(peer: PeerId): void {
    const key = peer.toString();
    const st = this.peerStates.get(key);
    this.peerStates.delete(key);
    this.requestLimiter.forget(key);
    this.gossipLimiter.forget(key);
    this.run?.syncer.onDisconnect(key);
    if (st?.status) this.emit('peer:disconnect', { peerId: key });
  }

  private onDiscovery(peer: PeerId): void {
    const run = this.run;
    if (!run || this.opts.targetPeers === 0) return;
    const key = peer.toString();
    if (this.bans.isBanned(key) || run.host.getConnections(peer).length > 0) return;
    if (run.host.getConnections().length >= this.opts.targetPeers) return;
    run.host.dial(peer, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) }).catch((err: unknown) => {
      this.log.debug({ peerId: key, err }, 'dial of a discovered peer failed');
    });
  }
}

export function createP2p(opts: Partial<P2pOptions>, deps: P2pDeps): P2pNode {
  return new P2pNode(opts, deps);
}
