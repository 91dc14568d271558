/**
 * Our status to the peers that may lack our tip.
 *
 * After a tip change the node sends its status to every handshaken peer that may lack the tip
 * (PeerTable.mayLack: its last status is lighter than ours and it did not gossip our tip to us;
 * nor is it among the peers whose copy of our tip's gossip message gossipsub counted as a
 * duplicate), at most once per `statusAnnounceMs`: after a gossiped tip, at the end of that window
 * stretched by a random 0–50% (off the moment the block is being relayed, one message for a burst
 * of tips, and two peers' announcements rarely cross: the first exchange tells both sides, so the
 * second is skipped); after a tip a sync session imported (not gossiped), as early as the window
 * allows. Their answers update what we know of them (and may start a sync). A peer that lost the
 * gossiped block learns our weight from the request and syncs from us; after a partition heals,
 * the tip each node imports reaches its peers a window earlier.
 *
 * A peer subscribed to block gossip when our tip went out by gossip has almost surely received it
 * that way: it is looked at again RECHECK_WINDOWS windows later, and sent our status then if our
 * tip is still the same and it still may lack it (its gossip copy was dropped). A newer tip first
 * makes that look moot: its gossip carries the missed block's descendant, whose parent the peer
 * fetches as an orphan's. On a 10-node devnet mesh these status requests, one stream each, were
 * half of the main thread (docs/p2p-throughput.md).
 */
import type { PeerId } from '@libp2p/interface';
import { equalBytes, type Hash } from '../consensus/index.js';
import type { PeerStatus } from './codec.js';
import type { PeerTable } from './peers.js';
import type { P2pLogger } from './types.js';

/**
 * Status announcement windows after which a peer our gossip reached is looked at again (its copy
 * may have been dropped): 4 s by default, two devnet blocks, one newer tip's gossip on most.
 */
const RECHECK_WINDOWS = 4;

/** What a running node lends the announcer; a new object for each start of the node. */
export interface AnnouncerRun {
  /** Peers subscribed to block gossip. */
  subscribed(): string[];
  /** Peers that delivered this block message to us by gossip, first copy or duplicate. */
  deliveredBy(bytes: Uint8Array): ReadonlySet<string>;
  /** Sends our status to a peer; its answer. */
  status(id: PeerId, ours: PeerStatus): Promise<PeerStatus>;
}

export interface StatusAnnouncerDeps {
  /** `statusAnnounceMs`; 0 announces nothing. */
  readonly everyMs: number;
  readonly table: PeerTable;
  readonly log: P2pLogger;
  readonly ourStatus: () => PeerStatus;
  /** The running node's side of the work; null once it stopped. */
  readonly run: () => AnnouncerRun | null;
}

export class StatusAnnouncer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending announcement fires, and when the last one went out (performance.now). */
  private due = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** Peers our last status announcement has not been answered by yet (not sent another). */
  private readonly announcing = new Set<string>();
  /** The last block gossiped as our tip: its message's deliverers hold it (no status for them). */
  private lastGossiped: { hash: Hash; bytes: Uint8Array } | null = null;
  /** The pending second look at peers our gossip reached (RECHECK_WINDOWS), for one tip. */
  private recheck: { timer: ReturnType<typeof setTimeout>; peers: string[] } | null = null;
  /** Status announcements sent and skipped (networkInfo). */
  private readonly announcements = { sent: 0, skipped: 0 };

  constructor(private readonly deps: StatusAnnouncerDeps) {}

  counts(): { sent: number; skipped: number } {
    return { ...this.announcements };
  }

  /** Our tip `hash` went out by gossip as the message `bytes`. */
  gossiped(hash: Hash, bytes: Uint8Array): void {
    this.lastGossiped = { hash, bytes };
  }

  /** Schedules the announcement of a new tip; `soon` for one a sync session imported. */
  schedule(soon = false): void {
    const every = this.deps.everyMs;
    const run = this.deps.run();
    if (every === 0 || !run) return;
    const now = performance.now();
    const wait = soon ? Math.max(0, this.lastAt + every - now) : every * (1 + Math.random() / 2);
    if (this.timer) {
      if (this.due <= now + wait) return;
      clearTimeout(this.timer);
    }
    this.due = now + wait;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.deps.run() !== run) return;
      this.lastAt = performance.now();
      const ours = this.deps.ourStatus();
      const tip = this.gossipedTip(ours);
      const subscribed = tip ? new Set(run.subscribed()) : null;
      const peers = [...this.deps.table.handshaken()];
      const later = peers.filter(([key]) => subscribed?.has(key)).map(([key]) => key);
      this.announceTo(
        run,
        ours,
        tip,
        peers.filter(([key]) => !subscribed?.has(key)),
      );
      this.dropRecheck();
      if (tip && later.length > 0) this.scheduleRecheck(run, tip.hash, later, every * RECHECK_WINDOWS);
    }, wait);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.recheck) clearTimeout(this.recheck.timer);
    this.recheck = null;
    this.announcing.clear();
  }

  /** The last block we gossiped, when it is still our tip. */
  private gossipedTip(ours: PeerStatus): { hash: Hash; bytes: Uint8Array } | null {
    const tip = this.lastGossiped;
    return tip && equalBytes(tip.hash, ours.bestHash) ? tip : null;
  }

  /** The second look at peers our gossip reached, if our tip is still `hash`. */
  private scheduleRecheck(run: AnnouncerRun, hash: Hash, peers: string[], after: number): void {
    const timer = setTimeout(() => {
      this.recheck = null;
      if (this.deps.run() !== run) return;
      const ours = this.deps.ourStatus();
      if (!equalBytes(ours.bestHash, hash)) {
        this.announcements.skipped += peers.length; // a newer tip went out by gossip since
        return;
      }
      const all = this.deps.table.handshaken();
      this.announceTo(
        run,
        ours,
        this.gossipedTip(ours),
        peers.flatMap((key) => {
          const p = all.get(key);
          return p ? [[key, p] as const] : [];
        }),
      );
    }, after);
    timer.unref?.();
    this.recheck = { timer, peers };
  }

  private dropRecheck(): void {
    if (!this.recheck) return;
    clearTimeout(this.recheck.timer);
    this.announcements.skipped += this.recheck.peers.length;
    this.recheck = null;
  }

  /**
   * Sends our status to those of `peers` that may lack our tip and did not deliver its gossip to
   * us; `tip`: our tip's gossip message, when it went out by gossip (gossipedTip).
   */
  private announceTo(
    run: AnnouncerRun,
    ours: PeerStatus,
    tip: { readonly bytes: Uint8Array } | null,
    peers: Iterable<readonly [string, { readonly id: PeerId }]>,
  ): void {
    const holders = tip ? run.deliveredBy(tip.bytes) : null;
    const table = this.deps.table;
    for (const [key, { id }] of peers) {
      if (!table.mayLack(key, ours) || holders?.has(key)) {
        this.announcements.skipped++;
        continue;
      }
      // A slow peer is not sent a pile of status requests (it would be a stream flood to it).
      if (this.announcing.has(key)) continue;
      this.announcements.sent++;
      this.announcing.add(key);
      run
        .status(id, ours)
        .then((status) => table.acceptStatus(id, status))
        .catch((err: unknown) =>
          this.deps.log.debug({ peer: key, err: String(err) }, 'status announcement failed'),
        )
        .finally(() => this.announcing.delete(key));
    }
  }
}
