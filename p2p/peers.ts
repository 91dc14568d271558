/**
 * The peer table: handshake, per-peer state, punishment and the libp2p connection events.
 *
 * Handshake: on every new peer each side sends its status (network magic, genesis hash, best tip,
 * cumulative weight) and reads the other's. A peer on another network or genesis is disconnected
 * and refused for `wrongNetworkBanMs`; a peer that cannot complete the handshake is disconnected.
 * Only handshaken peers count as peers (events, sync candidates). A peer whose score reaches the
 * ban threshold is disconnected at once and its addresses banned with it (banManager.ts); the
 * connection gater keeps it, and any key from those addresses, out afterwards.
 */
import type { EventEmitter } from 'node:events';
import type { GossipSub } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { equalBytes, type Hash, type NetworkParams, toHex } from '../consensus/index.js';
import type { BanManager } from './banManager.js';
import type { P2pClient } from './client.js';
import { type PeerStatus, PROTOCOL_VERSION } from './codec.js';
import { P2pError } from './errors.js';
import type { Host } from './host.js';
import type { ResolvedP2pOptions } from './options.js';
import type { PenaltyCode } from './penalties.js';
import type { Reconnector } from './reconnect.js';
import { type IpAddress, ipOfMultiaddr, type Subnet, subnetContains } from './subnet.js';
import type { Syncer } from './syncer.js';
import type { P2pEvents, P2pLogger, PeerInfo } from './types.js';

interface PeerState {
  readonly id: PeerId;
  status: PeerStatus | null;
  /** The last block (hex) this peer delivered to us by gossip: it holds that block. */
  gossiped: string | null;
}

export interface PeerTableContext {
  readonly params: NetworkParams;
  readonly genesis: Hash;
  readonly opts: ResolvedP2pOptions;
  readonly bans: BanManager;
  readonly log: P2pLogger;
  readonly events: EventEmitter<P2pEvents>;
  readonly ourStatus: () => PeerStatus;
  /** Per-peer state elsewhere (rate limiters) to drop when a peer disconnects. */
  readonly forget: (peerId: string) => void;
}

export interface PeerTableRuntime {
  readonly host: Host;
  readonly client: P2pClient;
  readonly syncer: Syncer;
  /** Dials again the handshaken peers we lost without hanging up on them (reconnect.ts). */
  readonly reconnect: Reconnector;
}

export class PeerTable {
  private readonly states = new Map<string, PeerState>();
  /** Peers we hung up on whose disconnect has not come yet: not dialled again. */
  private readonly deliberate = new Set<string>();
  private rt: PeerTableRuntime | null = null;

  constructor(private readonly ctx: PeerTableContext) {}

  /** Starts listening to the host's connection events. */
  attach(rt: PeerTableRuntime): void {
    this.rt = rt;
    rt.host.addEventListener('peer:connect', (evt) => this.onConnect(evt.detail));
    rt.host.addEventListener('peer:disconnect', (evt) => this.onDisconnect(evt.detail));
    rt.host.addEventListener('peer:discovery', (evt) => this.onDiscovery(evt.detail.id));
  }

  detach(): void {
    this.rt = null;
    this.states.clear();
    this.deliberate.clear();
  }

  /** We are closing our connections to `peerId` (hang-up, ban, RPC): its loss is not a fault. */
  closingOnPurpose(peerId: string): void {
    this.deliberate.add(peerId);
    this.rt?.reconnect.forget(peerId);
  }

  status(peerId: string): PeerStatus | null {
    return this.states.get(peerId)?.status ?? null;
  }

  /** Records that `peerId` delivered the block `hash` (hex) to us by gossip. */
  noteGossiped(peerId: string, hash: string): void {
    const st = this.states.get(peerId);
    if (st) st.gossiped = hash;
  }

  /**
   * Whether a peer may lack our tip `ours`: neither its last status (its own announcement, or its
   * answer to ours) names a weight of at least ours, nor did it deliver our tip block by gossip.
   * A peer as heavy as we are would not switch to our chain; a peer that sent us our tip has it.
   * (A peer claiming more than it has only forgoes our status.)
   */
  mayLack(peerId: string, ours: PeerStatus): boolean {
    const st = this.states.get(peerId);
    if (!st?.status) return false;
    return st.status.weight < ours.weight && st.gossiped !== toHex(ours.bestHash);
  }

  handshaken(): Map<string, { id: PeerId; status: PeerStatus }> {
    const out = new Map<string, { id: PeerId; status: PeerStatus }>();
    for (const [k, s] of this.states) if (s.status) out.set(k, { id: s.id, status: s.status });
    return out;
  }

  /** Gossipsub's score of a peer (kept a while after it disconnects); null when unavailable. */
  gossipScore(peerId: string): number | null {
    const rt = this.rt;
    if (!rt) return null;
    // getScore is public on gossipsub's implementation but not on its exported interface.
    const pubsub = rt.host.services.pubsub as GossipSub & { getScore?: (peerId: string) => number };
    return typeof pubsub.getScore === 'function' ? pubsub.getScore(peerId) : null;
  }

  peers(): PeerInfo[] {
    const rt = this.rt;
    if (!rt) return [];
    const byPeer = new Map<string, ReturnType<Host['getConnections']>>();
    for (const c of rt.host.getConnections()) {
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
        banScore: this.ctx.bans.score(id),
        gossipScore: this.gossipScore(id),
        connectedSince: first.timeline.open,
        status: this.status(id),
      });
    }
    return out;
  }

  /** Charges a penalty; emits 'peer:misbehave' (and 'peer:banned', disconnecting, at the threshold). */
  punish(peerId: string, code: PenaltyCode, detail?: string): void {
    const { bans, events, log } = this.ctx;
    const change = bans.misbehave(peerId, code, detail);
    if (change.penalty === 0) return;
    log.info({ peerId, code, detail, score: change.score }, 'peer misbehaved');
    events.emit('peer:misbehave', {
      peerId,
      code,
      penalty: change.penalty,
      score: change.score,
      banned: change.banned,
    });
    if (change.banned) {
      const entry = bans.peerBan(peerId);
      if (entry) {
        this.banAddresses(peerId, entry.until, entry.reason);
        events.emit('peer:banned', entry);
      }
      this.hangUp(peerId);
    }
  }

  /** Bans the addresses `peerId` is connected from (exempt ones excepted) until `until`. */
  banAddresses(peerId: string, until: number, reason: string): void {
    const rt = this.rt;
    const id = this.states.get(peerId)?.id ?? tryPeerId(peerId);
    if (!rt || !id) return;
    const ips: IpAddress[] = [];
    for (const c of rt.host.getConnections(id)) {
      const ip = ipOfMultiaddr(c.remoteAddr);
      if (ip) ips.push(ip);
    }
    const added = this.ctx.bans.banAddresses(ips, until, `${reason} (peer ${peerId})`);
    if (added.length > 0) {
      this.ctx.log.info(
        { peerId, subnets: added.map((e) => e.subnet) },
        'banned the addresses of a banned peer',
      );
    }
  }

  /** Closes every connection whose remote address is in `subnet`. */
  hangUpSubnet(subnet: Subnet): void {
    const rt = this.rt;
    if (!rt) return;
    for (const c of rt.host.getConnections()) {
      const ip = ipOfMultiaddr(c.remoteAddr);
      if (ip && subnetContains(subnet, ip)) {
        this.closingOnPurpose(c.remotePeer.toString());
        c.close().catch((err: unknown) => c.abort(err instanceof Error ? err : new Error(String(err))));
      }
    }
  }

  hangUp(peerId: string): void {
    const rt = this.rt;
    if (!rt) return;
    const id = this.states.get(peerId)?.id ?? tryPeerId(peerId);
    if (!id) return;
    this.closingOnPurpose(peerId);
    rt.host.hangUp(id).catch((err: unknown) => this.ctx.log.debug({ peerId, err }, 'hang up failed'));
  }

  /** Checks a peer's status; records it, or disconnects a peer of another network. */
  acceptStatus(peer: PeerId, status: PeerStatus): void {
    const { params, genesis } = this.ctx;
    const key = peer.toString();
    if (status.magic !== params.magic) {
      this.wrongNetwork(key, `magic ${status.magic.toString(16)}`);
      return;
    }
    if (!equalBytes(status.genesis, genesis)) {
      this.wrongNetwork(key, 'different genesis');
      return;
    }
    if (status.version < PROTOCOL_VERSION) {
      this.wrongNetwork(key, `protocol version ${status.version}`);
      return;
    }
    let st = this.states.get(key);
    if (!st) {
      // A status that arrives after the peer's disconnect event must not leave a stale entry.
      if (!this.rt || this.rt.host.getConnections(peer).length === 0) return;
      st = { id: peer, status: null, gossiped: null };
      this.states.set(key, st);
    }
    const first = st.status === null;
    st.status = status;
    if (first) {
      const direction = this.rt?.host.getConnections(peer)[0]?.direction ?? 'inbound';
      this.ctx.events.emit('peer:connect', { peerId: key, direction, status });
    }
    this.rt?.syncer.onStatus(key);
  }

  private wrongNetwork(peerId: string, detail: string): void {
    const { opts, bans, log } = this.ctx;
    log.info({ peerId, detail }, 'peer is on another network');
    if (opts.wrongNetworkBanMs > 0) bans.ban(peerId, opts.wrongNetworkBanMs, `wrong-network: ${detail}`);
    this.hangUp(peerId);
    this.states.delete(peerId);
  }

  private onConnect(peer: PeerId): void {
    const key = peer.toString();
    const rt = this.rt;
    if (!rt) return;
    if (this.ctx.bans.isBanned(key)) {
      this.hangUp(key);
      return;
    }
    if (!this.states.has(key)) this.states.set(key, { id: peer, status: null, gossiped: null });
    rt.client.status(peer, this.ctx.ourStatus()).then(
      (status) => {
        if (this.rt === rt) this.acceptStatus(peer, status);
      },
      (err: unknown) => {
        if (this.rt !== rt || !this.states.has(key)) return;
        if (err instanceof P2pError && err.type.code === 'P2P_UNSUPPORTED_PROTOCOL') {
          this.wrongNetwork(key, 'no qenex status protocol for this network');
          return;
        }
        if (err instanceof P2pError && err.type.code === 'P2P_BAD_RESPONSE') {
          this.punish(key, err.type.offence, err.message);
        }
        this.ctx.log.debug({ peerId: key, err }, 'handshake failed');
        this.hangUp(key);
        this.states.delete(key);
      },
    );
  }

  private onDisconnect(peer: PeerId): void {
    const key = peer.toString();
    const st = this.states.get(key);
    this.states.delete(key);
    this.ctx.forget(key);
    this.rt?.syncer.onDisconnect(key);
    const onPurpose = this.deliberate.delete(key);
    if (st?.status && !onPurpose) this.rt?.reconnect.onLost(key);
    if (st?.status) this.ctx.events.emit('peer:disconnect', { peerId: key });
  }

  /** Dials peers found by the DHT or bootstrap while we have fewer than `targetPeers` connections. */
  private onDiscovery(peer: PeerId): void {
    const rt = this.rt;
    const { opts, bans, log } = this.ctx;
    if (!rt || opts.targetPeers === 0) return;
    const key = peer.toString();
    if (bans.isBanned(key) || rt.host.getConnections(peer).length > 0) return;
    if (rt.host.getConnections().length >= opts.targetPeers) return;
    rt.host.dial(peer, { signal: AbortSignal.timeout(opts.requestTimeoutMs) }).catch((err: unknown) => {
      log.debug({ peerId: key, err }, 'dial of a discovered peer failed');
    });
  }
}

export function tryPeerId(peerId: string): PeerId | undefined {
  try {
    return peerIdFromString(peerId);
  } catch {
    return undefined;
  }
}
