/**
 * Headers-first block download. One session at a time, with one peer:
 *   1. ask for headers after our block locator; check they link to the locator and to each other
 *      and carry valid proof of work (cheap, before any block is fetched);
 *   2. fetch the blocks we do not have in batches, in chain order, feeding each to the node's
 *      processBlock; report progress;
 *   3. repeat until the peer has nothing more (then refresh its status: it may have moved on) or
 *      our chain is at least as heavy as the peer's.
 * A session starts when a peer announces more weight than ours, or when a peer gossips a block
 * whose parent we lack (its ancestors are fetched the same way, whatever its announced weight).
 * Pending orphan fetches are bounded; a peer that answers 'rate-limited' is asked again after
 * `rateLimitBackoffMs`; a peer that could not bring us up to its announced weight is not retried
 * until it announces a new one. Afterwards, gossip keeps the chain current.
 */
import type { PeerId } from '@libp2p/interface';
import { checkHeaderSanity, equalBytes, type Hash, headerHash, VerdictError } from '../consensus/index.js';
import type { P2pClient } from './client.js';
import { MAX_LOCATOR, type PeerStatus } from './codec.js';
import { P2pError } from './errors.js';
import type { ResolvedP2pOptions } from './options.js';
import { judgeError } from './penalties.js';
import type { Punish } from './reqresp.js';
import type { P2pChain, P2pLogger, SyncDone, SyncProgress } from './types.js';

/** Most consecutive 'rate-limited' answers a session waits out for one request. */
const MAX_BACKOFFS = 30;

export interface SyncerContext {
  readonly chain: P2pChain;
  readonly client: P2pClient;
  readonly opts: ResolvedP2pOptions;
  readonly clock: () => number;
  readonly punish: Punish;
  readonly log: P2pLogger;
  readonly ourStatus: () => PeerStatus;
  /** Handshaken peers with their last known status. */
  readonly peers: () => ReadonlyMap<string, { readonly id: PeerId; readonly status: PeerStatus }>;
  readonly setStatus: (peerId: string, status: PeerStatus) => void;
  readonly onProgress: (p: SyncProgress) => void;
  readonly onDone: (d: SyncDone) => void;
}

export class Syncer {
  private stopped = true;
  private pumping: Promise<void> | null = null;
  private current: string | null = null;
  private wake: (() => void) | null = null;
  /** Peers whose orphan blocks need their ancestors fetched (bounded). */
  private readonly orphanQueue = new Set<string>();
  /** Peer → announced weight it failed to bring us to; not retried until it announces more. */
  private readonly exhausted = new Map<string, bigint>();

  constructor(private readonly ctx: SyncerContext) {}

  get syncing(): boolean {
    return this.current !== null;
  }

  /** Peer id of the current session, if any. */
  get syncPeer(): string | null {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.pumping;
  }

  /** A peer's status is known or changed. */
  onStatus(peerId: string): void {
    const st = this.ctx.peers().get(peerId)?.status;
    const tried = this.exhausted.get(peerId);
    if (st && tried !== undefined && st.weight > tried) this.exhausted.delete(peerId);
    this.kick();
  }

  onOrphan(peerId: string): void {
    if (this.orphanQueue.has(peerId) || this.current === peerId) return;
    if (this.orphanQueue.size >= this.ctx.opts.maxOrphanRequests) return;
    this.orphanQueue.add(peerId);
    this.kick();
  }

  onDisconnect(peerId: string): void {
    this.orphanQueue.delete(peerId);
    this.exhausted.delete(peerId);
  }

  private kick(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private next(): { peerId: string; id: PeerId; orphan: boolean } | null {
    const peers = this.ctx.peers();
    for (const peerId of this.orphanQueue) {
      this.orphanQueue.delete(peerId);
      const p = peers.get(peerId);
      if (p) return { peerId, id: p.id, orphan: true };
    }
    const ours = this.ctx.chain.tipSummary().weight;
    let best: { peerId: string; id: PeerId; weight: bigint } | null = null;
    for (const [peerId, p] of peers) {
      if (p.status.weight <= ours || this.exhausted.get(peerId) === p.status.weight) continue;
      if (!best || p.status.weight > best.weight) best = { peerId, id: p.id, weight: p.status.weight };
    }
    return best ? { peerId: best.peerId, id: best.id, orphan: false } : null;
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const n = this.next();
      if (!n) return;
      this.current = n.peerId;
      try {
        await this.session(n.peerId, n.id);
      } finally {
        this.current = null;
      }
    }
  }

  /** Runs a request, waiting and asking again while the peer answers 'rate-limited'. */
  private async patient<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const limited =
          err instanceof P2pError &&
          err.type.code === 'P2P_REMOTE_ERROR' &&
          err.type.status === 'rate-limited';
        if (!limited || attempt >= MAX_BACKOFFS || this.stopped) throw err;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.ctx.opts.rateLimitBackoffMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private locator(): Hash[] {
    const loc = this.ctx.chain.getLocator();
    if (loc.length <= MAX_LOCATOR) return loc;
    return [...loc.slice(0, MAX_LOCATOR - 1), loc[loc.length - 1]!];
  }

  private async session(peerId: string, id: PeerId): Promise<void> {
    const start = this.ctx.clock();
    const counter = { blocks: 0 };
    let error: string | undefined;
    try {
      error = await this.download(peerId, id, start, counter);
    } catch (err) {
      error = this.failure(peerId, err);
    }
    const tip = this.ctx.chain.tipSummary();
    const st = this.ctx.peers().get(peerId)?.status;
    const complete = st ? tip.weight >= st.weight : false;
    if (!complete && st) this.exhausted.set(peerId, st.weight);
    this.ctx.onDone({
      peerId,
      height: tip.height,
      blocks: counter.blocks,
      ms: this.ctx.clock() - start,
      complete,
      ...(error !== undefined ? { error } : {}),
    });
  }

  /** The session's rounds; returns why it stopped early, or undefined when caught up. */
  private async download(
    peerId: string,
    id: PeerId,
    start: number,
    counter: { blocks: number },
  ): Promise<string | undefined> {
    const { chain, opts, client } = this.ctx;
    const progress = (): void => {
      const tip = chain.tipSummary();
      const secs = Math.max(1, this.ctx.clock() - start) / 1000;
      const target = this.ctx.peers().get(peerId)?.status.bestHeight ?? 0;
      this.ctx.onProgress({
        peerId,
        height: tip.height,
        targetHeight: Math.max(tip.height, target),
        blocks: counter.blocks,
        blocksPerSecond: counter.blocks / secs,
      });
    };
    const caughtUp = async (): Promise<boolean> => {
      const status = await this.patient(() => client.status(id, this.ctx.ourStatus()));
      this.ctx.setStatus(peerId, status);
      return chain.tipSummary().weight >= status.weight;
    };
    for (;;) {
      if (this.stopped) return 'stopped';
      const locator = this.locator();
      const headers = await this.patient(() => client.headers(id, locator, opts.headersPerRequest));
      const wanted: Hash[] = [];
      for (const h of headers) {
        const hash = headerHash(h);
        checkHeaderSanity(h, hash, chain.params);
        if (!chain.hasBlock(hash)) wanted.push(hash);
      }
      if (wanted.length === 0) return (await caughtUp()) ? undefined : 'no new headers';
      for (let i = 0; i < wanted.length; ) {
        if (this.stopped) return 'stopped';
        const batch = wanted.slice(i, i + opts.blocksPerRequest);
        const fetched = await this.patient(() => client.blocks(id, batch));
        if (fetched.length === 0) return 'peer sent no blocks';
        for (const f of fetched) {
          const r = await chain.processBlock(f.block, peerId);
          if (r.status === 'orphan') return 'downloaded block is an orphan';
        }
        // The peer may skip blocks or stop at its byte budget: go on after the last one it sent.
        const last = fetched[fetched.length - 1]!.hash;
        i += batch.findIndex((h) => equalBytes(h, last)) + 1;
        counter.blocks += fetched.length;
        progress();
      }
      // A full batch of headers means more may follow; otherwise the peer may have moved on.
      if (headers.length < opts.headersPerRequest && (await caughtUp())) return undefined;
    }
  }

  /** Maps a session failure to a penalty (when the peer is to blame) and a reason. */
  private failure(peerId: string, err: unknown): string {
    if (err instanceof P2pError) {
      const t = err.type;
      if (t.code === 'P2P_BAD_RESPONSE') this.ctx.punish(peerId, t.offence, t.detail);
      else if (t.code === 'P2P_REQUEST_TIMEOUT') this.ctx.punish(peerId, 'request-timeout', t.protocol);
      return t.code;
    }
    const j = judgeError(err, null);
    if (j.verdict === 'reject') {
      this.ctx.punish(peerId, j.code, `sync: ${j.reason}`);
      return j.reason;
    }
    if (err instanceof VerdictError) return err.reason;
    this.ctx.log.warn({ peerId, err }, 'sync session failed');
    return err instanceof Error ? err.message : String(err);
  }
}
