/**
 * Keeps dialling the bootstrap peers while the node is short of peers.
 *
 * libp2p's bootstrap discovery dials each listed peer once, at start. A seed that is not up yet,
 * restarting, or unreachable for a moment is then never tried again, and a node that had only the
 * seeds stays alone for good (netsim showed it: docs/netsim.md). So every `retryMs` the redialer
 * looks at each bootstrap peer we are not connected to and, while we have fewer than `targetPeers`
 * connections, dials it again, backing off per peer (doubling from `retryMs` up to `retryMaxMs`)
 * after each failed dial, so a dead seed costs one dial per `retryMaxMs`, not a steady stream. A
 * successful connection resets its peer's backoff. A banned peer or address is not dialled.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { DialerHost } from './types.js';

export interface BootstrapRedialOptions {
  /** Multiaddrs with /p2p/<id> (already checked by the host). */
  readonly list: readonly string[];
  /** Connections below which bootstrap peers are dialled again. */
  readonly targetPeers: number;
  /** How often to look, and the first backoff after a failed dial. */
  readonly retryMs: number;
  /** The longest backoff. */
  readonly retryMaxMs: number;
}

export interface BootstrapRedialDeps extends DialerHost {
  readonly dial: (addr: Multiaddr) => Promise<void>;
  /** The peer id or the address is banned. */
  readonly banned: (peerId: string, addr: Multiaddr) => boolean;
}

interface Seed {
  readonly addr: Multiaddr;
  readonly peerId: string;
  /** Clock ms before which it is not dialled again. */
  next: number;
  backoff: number;
  dialling: boolean;
}

export class BootstrapRedialer {
  private readonly seeds: Seed[];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly opts: BootstrapRedialOptions,
    private readonly deps: BootstrapRedialDeps,
  ) {
    this.seeds = opts.list.map((text) => {
      const addr = multiaddr(text);
      const peerId = addr.getComponents().findLast((c) => c.name === 'p2p')?.value ?? '';
      return { addr, peerId, next: 0, backoff: opts.retryMs, dialling: false };
    });
  }

  start(): void {
    if (this.timer || this.seeds.length === 0 || this.opts.targetPeers === 0) return;
    // The first look comes one period after start: libp2p's bootstrap discovery dials them at once.
    for (const s of this.seeds) s.next = this.deps.clock() + this.opts.retryMs;
    this.timer = setInterval(() => this.tick(), this.opts.retryMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look (the timer calls it; tests call it with their own clock). Returns the dials started. */
  tick(): number {
    const { deps, opts } = this;
    const now = deps.clock();
    let started = 0;
    for (const s of this.seeds) {
      if (deps.connectedTo(s.peerId)) {
        s.backoff = opts.retryMs;
        s.next = now;
        continue;
      }
      if (s.dialling || now < s.next || deps.connections() >= opts.targetPeers) continue;
      if (deps.banned(s.peerId, s.addr)) continue;
      s.dialling = true;
      started++;
      deps
        .dial(s.addr)
        .then(
          () => {
            s.backoff = opts.retryMs;
            s.next = deps.clock();
            deps.log.info({ peerId: s.peerId }, 'bootstrap peer reached on a retry');
          },
          (err: unknown) => {
            s.next = deps.clock() + s.backoff;
            deps.log.debug(
              { peerId: s.peerId, retryInMs: s.backoff, err: String(err) },
              'bootstrap peer dial failed',
            );
            s.backoff = Math.min(2 * s.backoff, opts.retryMaxMs);
          },
        )
        .finally(() => {
          s.dialling = false;
        });
    }
    return started;
  }
}
