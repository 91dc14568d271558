/**
 * Feeler connections: every `feelerMs` (jittered between half and one and a half of it) the node
 * dials one peer it knows (the libp2p peer store: peers met directly, through the DHT or through
 * identify) and is not connected to, whatever its number of connections.
 *
 * Discovery dials only while a node is short of peers (peers.ts), and only when a peer is first
 * discovered. So once every peer a node knows on the far side of a network split has failed to
 * answer, a node with enough peers on its own side never dials across again: in the netsim, after
 * a 3-minute partition healed, no link between the halves re-formed in 2 minutes (docs/netsim.md).
 * A feeler reaches across such a cut within one period once it heals, and the status exchange
 * that follows the handshake starts a sync to the heavier side. Bitcoin Core does the same for
 * the same reason (feeler connections, and a periodic extra block-relay-only connection).
 * Banned peers are not picked, and the connection gater refuses banned addresses; libp2p's
 * connection manager trims connections beyond `maxConnections`.
 */
import type { P2pLogger } from './types.js';

export interface FeelerOptions {
  /** Mean period between feelers; 0 disables them. */
  readonly feelerMs: number;
}

export interface FeelerDeps {
  /** Peers we know, with their ids as strings (we may or may not be connected to them). */
  readonly known: () => Promise<readonly string[]>;
  readonly connectedTo: (peerId: string) => boolean;
  readonly banned: (peerId: string) => boolean;
  readonly dial: (peerId: string) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly log: P2pLogger;
}

export class Feeler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(
    private readonly opts: FeelerOptions,
    private readonly deps: FeelerDeps,
  ) {}

  start(): void {
    if (this.running || this.opts.feelerMs === 0) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const wait = this.opts.feelerMs * (0.5 + this.deps.random());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => {
        if (this.running) this.schedule();
      });
    }, wait);
    this.timer.unref?.();
  }

  /** One feeler (the timer calls it; tests call it directly). Returns the peer dialled, if any. */
  async tick(): Promise<string | null> {
    const { deps } = this;
    const candidates = (await deps.known()).filter((p) => !deps.connectedTo(p) && !deps.banned(p));
    if (candidates.length === 0) return null;
    const peerId = candidates[Math.floor(deps.random() * candidates.length)]!;
    try {
      await deps.dial(peerId);
      deps.log.debug({ peerId }, 'feeler connected');
    } catch (err) {
      deps.log.debug({ peerId, err: String(err) }, 'feeler dial failed');
    }
    return peerId;
  }
}
