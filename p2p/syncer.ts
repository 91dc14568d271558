/**
 * Sync scheduling. A peer's status claiming more weight than our chain is a hint, nothing more:
 * a session with that peer (syncSession.ts) downloads its headers first and fetches blocks only
 * once they show a branch that can become our best chain. Sessions run side by side, each with
 * another peer, up to `maxSyncSessions`:
 *  - first, fetching the ancestors of a block a peer gossiped whose parent we lack;
 *  - then one session per claimed chain (peers announcing the same best block wait for the one
 *    being synced from), heaviest claim first; when a session ends, the next claimant is tried.
 * So a peer that never answers holds one slot for one request timeout while the others go on; it
 * is then penalised and disconnected, and its claims are ignored for `syncStallCooldownMs` even if
 * it comes back. A peer whose chain does not carry the weight it claimed is penalised and not
 * synced from again until it announces more. A claim equal to our weight is tried too when its
 * tip is one we do not hold (ties go to the tip every node picks: consensus tieWinner), once per
 * claimed weight. Nothing here gates the node's own announcements: no
 * claim stops a node gossiping its blocks and status (docs/p2p.md, "Sync and branch anti-DoS").
 */
import type { PeerId } from '@libp2p/interface';
import { type Hash, toHex } from '../consensus/index.js';
import type { FetchedBlock, P2pClient } from './client.js';
import type { PeerStatus } from './codec.js';
import type { ResolvedP2pOptions } from './options.js';
import type { Punish } from './reqresp.js';
import { type SessionEnd, SyncSession } from './syncSession.js';
import type { BlockProcessStatus, P2pChain, P2pLogger, SyncDone, SyncProgress } from './types.js';

export interface SyncerContext {
  readonly chain: P2pChain;
  readonly client: P2pClient;
  readonly opts: ResolvedP2pOptions;
  readonly clock: () => number;
  readonly punish: Punish;
  /** Disconnects a peer. */
  readonly drop: (peerId: string) => void;
  readonly log: P2pLogger;
  readonly ourStatus: () => PeerStatus;
  /** Handshaken peers with their last known status. */
  readonly peers: () => ReadonlyMap<string, { readonly id: PeerId; readonly status: PeerStatus }>;
  readonly setStatus: (peerId: string, status: PeerStatus) => void;
  readonly onProgress: (p: SyncProgress) => void;
  readonly onDone: (d: SyncDone) => void;
}

/** Most stalled peers remembered (the oldest are forgotten first). */
const MAX_STALLED = 1000;

type SessionKind = 'orphan' | 'claim';

interface Candidate {
  readonly peerId: string;
  readonly id: PeerId;
  readonly kind: SessionKind;
  /** The best block (hex) a claim session syncs toward; peers claiming it wait for this one. */
  readonly claim: string | null;
}

export class Syncer {
  private abort: AbortController | null = null;
  /** Running sessions by peer id. */
  private readonly sessions = new Map<
    string,
    { readonly claim: string | null; readonly done: Promise<void> }
  >();
  /** Peers whose orphan blocks need their ancestors fetched (bounded). */
  private readonly orphanQueue = new Set<string>();
  /** Peer → the weight it claimed and did not bring us to; not retried until it announces more. */
  private readonly discredited = new Map<string, bigint>();
  /**
   * Peer → clock ms until which it is not synced from because it stalled. Kept across
   * disconnections: a dropped staller may be dialled again (by discovery, or by itself).
   */
  private readonly stalled = new Map<string, number>();
  /** Blocks (hex) a session is handing to the chain right now. */
  private readonly importing = new Set<string>();

  constructor(private readonly ctx: SyncerContext) {}

  get syncing(): boolean {
    return this.sessions.size > 0;
  }

  /**
   * True while a session is handing this block to the chain: history fetched by request is not
   * gossiped again (peers learn our new tip from the status announcement).
   */
  isImporting(hash: Hash): boolean {
    return this.importing.has(toHex(hash));
  }

  start(): void {
    this.abort = new AbortController();
    this.kick();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = null;
    await Promise.all([...this.sessions.values()].map((s) => s.done));
  }

  /** A peer's status is known or changed. */
  onStatus(peerId: string): void {
    const st = this.ctx.peers().get(peerId)?.status;
    const tried = this.discredited.get(peerId);
    if (st && tried !== undefined && st.weight > tried) this.discredited.delete(peerId);
    this.kick();
  }

  onOrphan(peerId: string): void {
    if (this.orphanQueue.has(peerId) || this.orphanQueue.size >= this.ctx.opts.maxOrphanRequests) return;
    this.orphanQueue.add(peerId);
    this.kick();
  }

  onDisconnect(peerId: string): void {
    this.orphanQueue.delete(peerId);
    this.discredited.delete(peerId);
  }

  private kick(): void {
    const abort = this.abort;
    if (!abort || abort.signal.aborted) return;
    while (this.sessions.size < this.ctx.opts.maxSyncSessions) {
      const c = this.next();
      if (!c) return;
      const done = this.session(c, abort.signal)
        .catch((err: unknown) => this.ctx.log.warn({ peerId: c.peerId, err }, 'sync session failed'))
        .finally(() => {
          this.sessions.delete(c.peerId);
          this.kick();
        });
      this.sessions.set(c.peerId, { claim: c.claim, done });
    }
  }

  private next(): Candidate | null {
    const { chain } = this.ctx;
    const peers = this.ctx.peers();
    for (const peerId of this.orphanQueue) {
      // A peer already in a session keeps its place: the orphan may be newer than that session.
      if (this.sessions.has(peerId)) continue;
      this.orphanQueue.delete(peerId);
      const p = peers.get(peerId);
      if (p && !this.isStalled(peerId)) return { peerId, id: p.id, kind: 'orphan', claim: null };
    }
    const ours = chain.tipSummary().weight;
    const syncing = new Set<string>();
    for (const s of this.sessions.values()) if (s.claim !== null) syncing.add(s.claim);
    let best: (Candidate & { readonly weight: bigint }) | null = null;
    for (const [peerId, p] of peers) {
      const { weight, bestHash } = p.status;
      // A claim below the network's minimum weight could not be fetched anyway (branchPolicy.ts).
      if (weight < ours || weight < chain.params.minChainWeight) continue;
      // An equal claim is worth a session only for a tip we do not hold: the tie-break (consensus
      // tieWinner) may prefer it, as when the two halves of a healed partition weigh the same.
      if (weight === ours && chain.hasBlock(bestHash)) continue;
      if (this.sessions.has(peerId) || this.discredited.has(peerId) || this.isStalled(peerId)) continue;
      const claim = toHex(bestHash);
      if (syncing.has(claim)) continue;
      if (!best || weight > best.weight) best = { peerId, id: p.id, kind: 'claim', claim, weight };
    }
    return best;
  }

  private async session(c: Candidate, signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const start = ctx.clock();
    const session = new SyncSession(
      { peerId: c.peerId, id: c.id, claimedTip: ctx.peers().get(c.peerId)?.status.bestHash ?? null },
      {
        chain: ctx.chain,
        client: ctx.client,
        opts: ctx.opts,
        clock: ctx.clock,
        log: ctx.log,
        signal,
        ourStatus: ctx.ourStatus,
        setStatus: (status) => ctx.setStatus(c.peerId, status),
        importBlocks: (fs, from) => this.importBlocks(fs, from ?? c.peerId),
        helpers: () => this.helpers(c.peerId),
        onHelperFault: (peerId, fault) => {
          if (fault.kind === 'misbehaved') ctx.punish(peerId, fault.code, `sync helper: ${fault.detail}`);
          else {
            ctx.log.debug({ peerId, detail: fault.detail }, 'sync helper stalled');
            this.markStalled(peerId);
          }
        },
        onProgress: ctx.onProgress,
      },
    );
    const end = await session.run();
    const error = this.settle(c, end);
    const tip = ctx.chain.tipSummary();
    const st = ctx.peers().get(c.peerId)?.status;
    // An equal claim is complete once we hold its tip (the tie-break then chose between them).
    const complete = st
      ? tip.weight > st.weight || (tip.weight === st.weight && ctx.chain.hasBlock(st.bestHash))
      : false;
    if (!complete && st) this.discredited.set(c.peerId, st.weight);
    ctx.onDone({
      peerId: c.peerId,
      height: tip.height,
      blocks: session.blocks,
      ms: ctx.clock() - start,
      complete,
      ...(error !== undefined ? { error } : {}),
    });
  }

  /**
   * Peers that may serve a session's blocks beside its own peer: they claim more weight than our
   * chain, have not stalled or been discredited; heaviest claim first.
   */
  private helpers(sessionPeer: string): Array<{ peerId: string; id: PeerId }> {
    const ours = this.ctx.chain.tipSummary().weight;
    const out: Array<{ peerId: string; id: PeerId; weight: bigint }> = [];
    for (const [peerId, p] of this.ctx.peers()) {
      if (peerId === sessionPeer || p.status.weight <= ours) continue;
      if (this.discredited.has(peerId) || this.isStalled(peerId)) continue;
      out.push({ peerId, id: p.id, weight: p.status.weight });
    }
    return out.sort((a, b) => (a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : 0));
  }

  private isStalled(peerId: string): boolean {
    const until = this.stalled.get(peerId);
    if (until === undefined) return false;
    if (until > this.ctx.clock()) return true;
    this.stalled.delete(peerId);
    return false;
  }

  private markStalled(peerId: string): void {
    const now = this.ctx.clock();
    for (const [id, until] of this.stalled) if (until <= now) this.stalled.delete(id);
    this.stalled.delete(peerId);
    this.stalled.set(peerId, now + this.ctx.opts.syncStallCooldownMs);
    // Bounded: the oldest entries go first (insertion order); past this many stalling identities
    // the ban score, not this list, keeps them away.
    while (this.stalled.size > MAX_STALLED) this.stalled.delete(this.stalled.keys().next().value!);
  }

  private async importBlocks(
    fs: readonly FetchedBlock[],
    peerId: string,
  ): Promise<readonly BlockProcessStatus[]> {
    const hexes = fs.map((f) => toHex(f.hash));
    for (const h of hexes) this.importing.add(h);
    try {
      return await this.ctx.chain.processBlocks(
        fs.map((f) => f.block),
        peerId,
      );
    } finally {
      for (const h of hexes) this.importing.delete(h);
    }
  }

  /** Charges the peer for how its session ended; returns the reason it ended early, if it did. */
  private settle(c: Candidate, end: SessionEnd): string | undefined {
    const { punish, drop } = this.ctx;
    switch (end.outcome) {
      case 'caught-up':
      case 'held':
        return undefined;
      case 'stopped':
        return 'stopped';
      case 'stalled':
        punish(c.peerId, 'sync-stall', end.detail);
        this.markStalled(c.peerId);
        drop(c.peerId);
        return 'sync-stall';
      case 'unproven':
        punish(c.peerId, 'unproven-weight', end.detail);
        return 'unproven-weight';
      case 'light-branch': {
        const { reason, detail } = end.refusal;
        const claim = this.ctx.peers().get(c.peerId)?.status.weight ?? 0n;
        const ours = this.ctx.chain.tipSummary().weight;
        if (claim > ours && claim >= this.ctx.chain.params.minChainWeight) {
          // Its whole chain cannot become our best chain, yet it claims more weight than ours.
          punish(c.peerId, 'unproven-weight', detail);
        } else if (c.kind === 'orphan' && reason === 'light-deep-fork') {
          // It gossiped a block of that branch: as for a light deep fork on gossip (gossip.ts).
          punish(c.peerId, 'low-work-branch', detail);
        }
        return reason;
      }
      case 'misbehaved':
        punish(c.peerId, end.code, end.detail);
        return end.error;
      case 'too-long':
        this.ctx.log.info({ peerId: c.peerId, detail: end.detail }, 'sync gave up an unproven branch');
        return 'too-long';
      case 'failed':
        return end.error;
    }
  }
}
