/**
 * The p2p service: one libp2p host (host.ts) plus qenex's gossip (gossip.ts), request protocols
 * (handlers.ts, client.ts), handshake and peer management (peers.ts), bans of peers and subnets
 * (banManager.ts, kept across restarts by banStore.ts, enforced by gater.ts) and sync
 * (syncer.ts). `start()` / `stop()`; typed events (types.ts P2pEvents).
 */
import { EventEmitter } from 'node:events';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import {
  type Block,
  encodeBlock,
  encodeTx,
  fromHex,
  type Hash,
  headerHash,
  type NetworkParams,
  type Transaction,
} from '../consensus/index.js';
import { type BanEntry, type BanLength, BanManager, type SubnetBanEntry } from './banManager.js';
import { BanStore } from './banStore.js';
import { BootstrapRedialer } from './bootstrapRedial.js';
import { P2pClient } from './client.js';
import { type PeerStatus, PROTOCOL_VERSION } from './codec.js';
import { P2pError } from './errors.js';
import { Feeler } from './feeler.js';
import { Gossip } from './gossip.js';
import { requestHandlers } from './handlers.js';
import { createHost, type Host } from './host.js';
import { loadOrCreatePeerKey } from './identity.js';
import { gossipPayloadLimits, inboundStreamCap } from './limits.js';
import { type P2pOptions, type ResolvedP2pOptions, resolveP2pOptions } from './options.js';
import { PeerTable, tryPeerId } from './peers.js';
import type { PenaltyCode } from './penalties.js';
import { REQUEST_KINDS, type RequestKind, requestProtocol, type TopicKind } from './protocols.js';
import { PeerRateLimiter } from './rateLimit.js';
import { Reconnector } from './reconnect.js';
import { type AnnouncerRun, StatusAnnouncer } from './statusAnnouncer.js';
import { ipOfMultiaddr, parseSubnet } from './subnet.js';
import { Syncer } from './syncer.js';
import type { NetworkInfo, P2pChain, P2pDeps, P2pEvents, P2pLogger, PeerInfo } from './types.js';

const noop = (): void => {};
const SILENT: P2pLogger = { debug: noop, info: noop, warn: noop };
/** Ban list changes within this long share one write of the ban file. */
const BAN_SAVE_DELAY_MS = 1000;
/** A lost peer is dialled again for this long after its first loss (reconnect.ts). */
const RECONNECT_FORGET_MS = 30 * 60_000;

interface Running {
  readonly host: Host;
  readonly client: P2pClient;
  readonly gossip: Gossip;
  readonly syncer: Syncer;
  readonly redial: BootstrapRedialer;
  readonly reconnect: Reconnector;
  readonly feeler: Feeler;
  readonly abort: AbortController;
  readonly announce: AnnouncerRun;
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
  private readonly blockBytesLimiter: PeerRateLimiter<'blocks'>;
  private readonly gossipLimiter: PeerRateLimiter<TopicKind>;
  private readonly table: PeerTable;
  private readonly banStore: BanStore | null;
  private run: Running | null = null;
  /** Our status to the peers that may lack our tip (statusAnnouncer.ts). */
  private readonly announcer: StatusAnnouncer;

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
    const banFile = this.opts.banFile;
    this.banStore =
      banFile === undefined
        ? null
        : new BanStore(
            { file: banFile, saveDelayMs: BAN_SAVE_DELAY_MS },
            { snapshot: () => this.bans.snapshot(), log: this.log },
          );
    this.bans = new BanManager(
      {
        banThreshold: this.opts.banThreshold,
        banDurationMs: this.opts.banDurationMs,
        scoreDecayPerHour: this.opts.scoreDecayPerHour,
        maxTrackedPeers: 10_000,
        maxBans: 10_000,
        exempt: this.opts.banExempt.map(parseSubnet),
      },
      { clock: this.clock, onChange: () => this.banStore?.schedule() },
    );
    this.requestLimiter = new PeerRateLimiter(this.opts.requestLimits, { clock: this.clock });
    this.blockBytesLimiter = new PeerRateLimiter(
      { blocks: this.opts.blockBytesLimit },
      { clock: this.clock },
    );
    this.gossipLimiter = new PeerRateLimiter(this.opts.gossipLimits, { clock: this.clock });
    this.table = new PeerTable({
      params: this.params,
      genesis: this.genesis,
      opts: this.opts,
      bans: this.bans,
      log: this.log,
      events: this,
      ourStatus: () => this.ourStatus(),
      forget: (peerId) => {
        this.requestLimiter.forget(peerId);
        this.blockBytesLimiter.forget(peerId);
        this.gossipLimiter.forget(peerId);
      },
    });
    this.announcer = new StatusAnnouncer({
      everyMs: this.opts.statusAnnounceMs,
      table: this.table,
      log: this.log,
      ourStatus: () => this.ourStatus(),
      run: () => this.run?.announce ?? null,
    });
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
    const saved = await this.banStore?.load();
    if (saved) this.bans.restore(saved);
    const host = await createHost(this.opts, {
      network: this.params.name,
      privateKey: privateKey ?? (await generateKeyPair('Ed25519')),
      bans: this.bans,
      log: this.log,
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
    const table = this.table;
    const punish = (peerId: string, code: PenaltyCode, detail?: string): void =>
      table.punish(peerId, code, detail);
    const handlers = requestHandlers({
      chain: this.chain,
      network,
      opts: this.opts,
      limiter: this.requestLimiter,
      byteLimiter: this.blockBytesLimiter,
      punish,
      ourStatus: () => this.ourStatus(),
      onStatus: (peer, status) => table.acceptStatus(peer, status),
    });
    for (const kind of REQUEST_KINDS) {
      await host.handle(requestProtocol(network, kind), handlers[kind], {
        maxInboundStreams: inboundStreamCap(this.opts),
      });
    }
    const syncer = new Syncer({
      chain: this.chain,
      client,
      opts: this.opts,
      clock: this.clock,
      punish,
      drop: (peerId) => table.hangUp(peerId),
      log: this.log,
      ourStatus: () => this.ourStatus(),
      peers: () => table.handshaken(),
      setStatus: (peerId, status) => {
        const st = table.handshaken().get(peerId);
        if (st) table.acceptStatus(st.id, status);
      },
      onProgress: (p) => this.emit('sync:progress', p),
      onDone: (d) => this.emit('sync:done', d),
    });
    const gossip = new Gossip({
      pubsub: host.services.pubsub,
      network,
      limits: gossipPayloadLimits(this.params),
      chain: this.chain,
      ...(this.deps.mempool ? { mempool: this.deps.mempool } : {}),
      ...(this.deps.deltas ? { deltas: this.deps.deltas } : {}),
      limiter: this.gossipLimiter,
      punish,
      onOrphan: (peerId) => syncer.onOrphan(peerId),
      onRelayedInvalid: (peer, reason) =>
        this.log.info({ peer, reason }, 'a block relayed before validation failed it (nobody blamed)'),
      onMessage: (m) => this.emit('gossip', m),
      onBlockGossip: (b) => {
        this.table.noteGossiped(b.peerId, b.hash);
        this.emit('block:gossip', b);
      },
      clock: this.clock,
    });
    // what the reconnector, the bootstrap redialer and the feeler ask of the host
    const connectedTo = (peerId: string): boolean =>
      host.getConnections().some((c) => c.remotePeer.toString() === peerId);
    const connections = (): number => host.getConnections().length;
    const dialPeer = async (peerId: string): Promise<void> => {
      const id = tryPeerId(peerId);
      if (id) await host.dial(id, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) });
    };
    const reconnect = new Reconnector(
      {
        firstMs: this.opts.reconnectMs,
        maxMs: this.opts.reconnectMaxMs,
        forgetMs: RECONNECT_FORGET_MS,
        maxPeers: this.opts.maxConnections,
        belowConnections: Math.ceil(this.opts.maxConnections / 2),
      },
      {
        dial: dialPeer,
        connectedTo,
        connections,
        banned: (peerId) => this.bans.isBanned(peerId),
        clock: this.clock,
        random: Math.random,
        log: this.log,
      },
    );
    table.attach({ host, client, syncer, reconnect });
    const redial = new BootstrapRedialer(
      {
        list: this.opts.bootstrapRetryMs === 0 ? [] : this.opts.bootstrap,
        targetPeers: this.opts.targetPeers,
        retryMs: this.opts.bootstrapRetryMs,
        retryMaxMs: this.opts.bootstrapRetryMaxMs,
      },
      {
        dial: async (addr) => {
          await host.dial(addr, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) });
        },
        connectedTo,
        connections,
        banned: (peerId, addr) => {
          const ip = ipOfMultiaddr(addr);
          return this.bans.isBanned(peerId) || (ip !== undefined && this.bans.addressBan(ip) !== undefined);
        },
        clock: this.clock,
        log: this.log,
      },
    );
    const self = host.peerId.toString();
    const feeler = new Feeler(
      { feelerMs: this.opts.feelerMs },
      {
        known: async () =>
          (await host.peerStore.all())
            .filter((p) => p.addresses.length > 0)
            .map((p) => p.id.toString())
            .filter((id) => id !== self),
        connectedTo,
        banned: (peerId) => this.bans.isBanned(peerId),
        dial: dialPeer,
        random: Math.random,
        log: this.log,
      },
    );
    const announce: AnnouncerRun = {
      subscribed: () => gossip.subscribers('blocks'),
      deliveredBy: (bytes) => gossip.deliveredBy('blocks', bytes),
      status: (id, ours) => client.status(id, ours),
    };
    this.run = { host, client, gossip, syncer, redial, reconnect, feeler, abort, announce };
    await host.start();
    if (host.services.dht) await host.services.dht.setMode('server');
    gossip.start();
    syncer.start();
    redial.start();
    reconnect.start();
    feeler.start();
    this.log.info({ peerId: host.peerId.toString(), addrs: this.multiaddrs }, 'p2p started');
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    this.announcer.stop();
    run.redial.stop();
    run.reconnect.stop();
    run.feeler.stop();
    run.abort.abort();
    await run.syncer.stop();
    run.gossip.stop();
    await run.host.stop();
    this.table.detach();
    await this.banStore?.flush();
  }

  // ---- node-facing API ----

  /**
   * Announces a block that became our tip: our status goes to every peer shortly after (always),
   * and the block is gossiped unless a sync session is importing it (history we fetched by request
   * is not pushed to everyone again; a peer that lacks it learns our weight from the status, sent
   * as soon as the announcement window allows, and syncs). Returns how many peers the gossip
   * reached.
   */
  async announceBlock(block: Block): Promise<number> {
    const run = this.running();
    const hash = headerHash(block.header);
    const imported = run.syncer.isImporting(hash);
    this.announcer.schedule(imported);
    if (imported) return 0;
    const bytes = encodeBlock(block);
    this.announcer.gossiped(hash, bytes);
    return run.gossip.publish('blocks', bytes);
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
    const ip = ipOfMultiaddr(ma);
    const addressBan = ip && this.bans.addressBan(ip);
    if (addressBan) throw new P2pError({ code: 'P2P_ADDRESS_BANNED', addr, subnet: addressBan.subnet });
    try {
      const conn = await host.dial(ma, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) });
      return conn.remotePeer.toString();
    } catch (err) {
      throw new P2pError({ code: 'P2P_DIAL_FAILED', addr, detail: message(err) });
    }
  }

  async disconnect(peerId: string): Promise<void> {
    const id = this.parsePeerId(peerId);
    const run = this.running();
    this.table.closingOnPurpose(id.toString());
    await run.host.hangUp(id);
  }

  /**
   * Bans a peer (default duration from the options) and the addresses it is connected from, as a
   * ban for misbehaviour does, and disconnects it.
   */
  async ban(peerId: string, length?: BanLength, reason = 'manual'): Promise<BanEntry> {
    const id = this.parsePeerId(peerId);
    const entry = this.bans.ban(id.toString(), length ?? this.opts.banDurationMs, reason);
    this.table.banAddresses(entry.peerId, entry.until, reason);
    this.emit('peer:banned', entry);
    this.table.closingOnPurpose(id.toString());
    if (this.run) await this.run.host.hangUp(id).catch(noop);
    return entry;
  }

  unban(peerId: string): boolean {
    return this.bans.unban(peerId);
  }

  /** Active peer-id bans. */
  listBanned(): BanEntry[] {
    return this.bans.listBanned();
  }

  /**
   * Bans a subnet (`ip`, `ip/prefix` or `ip/netmask`; exempt subnets included: this is explicit)
   * and closes the connections from it. Throws P2P_INVALID_SUBNET.
   */
  banSubnet(subnet: string, length?: BanLength, reason = 'manual'): SubnetBanEntry {
    const net = parseSubnet(subnet);
    const entry = this.bans.banSubnet(net, length ?? this.opts.banDurationMs, reason);
    this.table.hangUpSubnet(net);
    return entry;
  }

  /** Lifts the ban of exactly this subnet; false when it was not banned. Throws P2P_INVALID_SUBNET. */
  unbanSubnet(subnet: string): boolean {
    return this.bans.unbanSubnet(parseSubnet(subnet));
  }

  /** Active subnet bans (exact addresses, netgroups, operators' subnets). */
  listBannedSubnets(): SubnetBanEntry[] {
    return this.bans.listBannedSubnets();
  }

  /** A model checkpoint from a connected peer, or undefined if it has none. */
  async requestModel(peerId: string, modelHash: Hash): Promise<Uint8Array | undefined> {
    try {
      return await this.running().client.model(this.parsePeerId(peerId), modelHash);
    } catch (err) {
      if (err instanceof P2pError && err.type.code === 'P2P_BAD_RESPONSE') {
        this.table.punish(err.type.peer, err.type.offence, err.type.detail);
      } else if (err instanceof P2pError && err.type.code === 'P2P_REQUEST_TIMEOUT') {
        this.table.punish(err.type.peer, 'request-timeout', err.type.protocol);
      }
      throw err;
    }
  }

  /** Peers known to be subscribed to a gossip topic. */
  gossipPeers(kind: TopicKind): string[] {
    return this.running().gossip.subscribers(kind);
  }

  /** The status a peer sent in the handshake (or since), if any. */
  peerStatus(peerId: string): PeerStatus | null {
    return this.table.status(peerId);
  }

  /** Gossipsub's score of a peer (kept a while after it disconnects); null when unavailable. */
  gossipScore(peerId: string): number | null {
    return this.table.gossipScore(peerId);
  }

  /** Connected peers (for getpeerinfo). */
  peers(): PeerInfo[] {
    return this.table.peers();
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
      peers: this.table.handshaken().size,
      banned: this.bans.listBanned().length + this.bans.listBannedSubnets().length,
      syncing: run.syncer.syncing,
      protocols: run.host.getProtocols(),
      statusAnnouncements: this.announcer.counts(),
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
}

export function createP2p(opts: Partial<P2pOptions>, deps: P2pDeps): P2pNode {
  return new P2pNode(opts, deps);
}
