/**
 * Dials again the peers we lost without deciding to.
 *
 * A qenex peer (its status handshake done) whose connection closed when we did not hang up on it
 * (a network fault, a partition, the peer restarting) is remembered and dialled again: first
 * `firstMs` after the loss, then backing off (doubling up to `maxMs`, each wait stretched by a
 * random 0–50% so that a cut's two sides do not dial in step). Before, such a peer came back only
 * through the feeler (one known peer every 30 s) or, below `targetPeers`, the DHT and bootstrap
 * redials: after a netsim partition healed, the first link across the cut took about 5 s
 * (docs/netsim.md, run 17). A peer stays remembered for `forgetMs` from its first loss whether or
 * not it comes back, and a reconnection does not reset its backoff, so a peer that keeps dropping
 * us (its connection limit, say) costs at most one dial per `maxMs`. A peer we hang up on, ban or
 * disconnect by RPC is forgotten; a banned one is never dialled. Dials happen only while we have
 * fewer than `belowConnections` connections: these are peers to get back, not new ones to add.
 */
import type { DialerHost } from './types.js';

export interface ReconnectOptions {
  /** Wait after a loss before the first dial; 0 turns reconnection off. */
  readonly firstMs: number;
  /** The longest wait between two dials of one peer. */
  readonly maxMs: number;
  /** How long after its first loss a peer is remembered. */
  readonly forgetMs: number;
  /** Most peers remembered (the oldest is forgotten first). */
  readonly maxPeers: number;
  /** Dial only while we have fewer connections than this. */
  readonly belowConnections: number;
}

export interface ReconnectDeps extends DialerHost {
  readonly dial: (peerId: string) => Promise<void>;
  readonly banned: (peerId: string) => boolean;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

interface Lost {
  /** Clock ms of the first loss. */
  readonly since: number;
  /** Clock ms before which it is not dialled. */
  next: number;
  backoff: number;
  dialling: boolean;
}

export class Reconnector {
  private readonly lost = new Map<string, Lost>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly opts: ReconnectOptions,
    private readonly deps: ReconnectDeps,
  ) {}

  start(): void {
    if (this.timer || this.opts.firstMs === 0) return;
    this.timer = setInterval(() => this.tick(), Math.min(this.opts.firstMs, 1000));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.lost.clear();
  }

  /** A handshaken peer's last connection closed, and not by our decision. */
  onLost(peerId: string): void {
    if (this.opts.firstMs === 0) return;
    const now = this.deps.clock();
    const known = this.lost.get(peerId);
    if (known) {
      // lost again: dialled on its current backoff, which a reconnection did not reset
      if (!known.dialling) known.next = Math.max(known.next, now + this.wait(known.backoff));
      return;
    }
    if (this.lost.size >= this.opts.maxPeers) {
      const oldest = this.lost.keys().next().value;
      if (oldest !== undefined) this.lost.delete(oldest);
    }
    this.lost.set(peerId, {
      since: now,
      next: now + this.wait(this.opts.firstMs),
      backoff: this.opts.firstMs,
      dialling: false,
    });
  }

  /** We hung up on the peer, banned it or were told to disconnect it: not dialled again. */
  forget(peerId: string): void {
    this.lost.delete(peerId);
  }

  /** Peers remembered (getnetworkinfo, tests). */
  get size(): number {
    return this.lost.size;
  }

  /** One look (the timer calls it; tests call it with their own clock). Returns the dials started. */
  tick(): number {
    const { deps, opts } = this;
    const now = deps.clock();
    let started = 0;
    for (const [peerId, p] of this.lost) {
      if (now - p.since > opts.forgetMs || deps.banned(peerId)) {
        this.lost.delete(peerId);
        continue;
      }
      if (p.dialling || now < p.next || deps.connectedTo(peerId)) continue;
      if (deps.connections() >= opts.belowConnections) break;
      p.dialling = true;
      p.backoff = Math.min(2 * p.backoff, opts.maxMs);
      started++;
      deps
        .dial(peerId)
        .then(
          () => deps.log.debug({ peerId }, 'lost peer reconnected'),
          (err: unknown) =>
            deps.log.debug({ peerId, retryInMs: p.backoff, err: String(err) }, 'lost peer dial failed'),
        )
        .finally(() => {
          p.dialling = false;
          p.next = deps.clock() + this.wait(p.backoff);
        });
    }
    return started;
  }

  private wait(ms: number): number {
    return Math.round(ms * (1 + this.deps.random() / 2));
  }
}
