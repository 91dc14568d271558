/**
 * The netsim's wide-area network: a delaying TCP proxy in front of every node (this kernel has no
 * `tc netem`). Node i listens privately on (ip_i, privatePort_i) and announces (ip_i, publicPort_i),
 * where this proxy listens; every peer connection therefore crosses exactly one proxy, which:
 *
 *  - delays every chunk in both directions by a one-way latency drawn per chunk from
 *    base ± jitter (uniform), releasing chunks in order (release times are monotonic per
 *    direction, so a late draw holds back the chunks behind it, as a TCP stream would);
 *  - charges one round trip before the connection reaches the target (TCP's handshake);
 *  - knows who dials: each node makes its outbound connections from its own loopback address
 *    (`--p2p-dial-from`), and the proxy connects onward from that same address, so the target
 *    sees the dialler's address as it would on a real network;
 *  - applies a link policy (partitions): a connection the policy forbids is refused (reset) and
 *    links it newly forbids are cut.
 *
 * Backpressure: a direction holding more than `maxQueuedBytes` (queued here plus unsent in the
 * socket) pauses its reader until it drains below half of that.
 */
import { createServer, type Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkLatency {
  /** Mean one-way delay, ms. */
  readonly baseMs: number;
  /** Each chunk's one-way delay is drawn uniformly from baseMs ± jitterMs. */
  readonly jitterMs: number;
}

export interface DelayNetOptions {
  readonly latency: LinkLatency;
  /** Per direction of a link; default 8 MiB. */
  readonly maxQueuedBytes?: number;
}

export interface DelayNetDeps {
  /** Uniform [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

/** A node behind the proxy. */
export interface Endpoint {
  readonly id: string;
  /** The node's own loopback address: where it listens and dials from. */
  readonly ip: string;
  /** Where the node listens (reached only through the proxy). */
  readonly privatePort: number;
  /** Where the proxy listens for it (the address the node announces). */
  readonly publicPort: number;
}

/** May a connection from `from` (null: an address no endpoint owns) reach `to`? */
export type LinkPolicy = (from: string | null, to: string) => boolean;

export interface DelayNetStats {
  readonly openLinks: number;
  readonly linksOpened: number;
  readonly linksRefused: number;
  readonly linksCut: number;
  readonly bytesForwarded: number;
  /** Largest lag of a release behind its scheduled time (this process's event loop), ms. */
  readonly maxReleaseLagMs: number;
}

interface Link {
  readonly from: string | null;
  readonly to: string;
  readonly client: Socket;
  upstream: Socket | null;
}

/** What a direction of a link needs from the network it belongs to. */
interface DirectionContext {
  /** One one-way delay draw, ms. */
  delay(): number;
  /** Bytes a direction may hold before it pauses its reader. */
  readonly queueLimit: number;
  /** Accounting: `bytes` released `lagMs` after their release time. */
  forwarded(bytes: number, lagMs: number): void;
}

const allowAll: LinkPolicy = () => true;

export class DelayNet {
  private readonly maxQueuedBytes: number;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly servers = new Map<string, Server>();
  /** Each endpoint as it is now, by id (its node may move to another private port). */
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly owners = new Map<string, string>();
  private readonly links = new Set<Link>();
  private policy: LinkPolicy = allowAll;
  private readonly counters = {
    linksOpened: 0,
    linksRefused: 0,
    linksCut: 0,
    bytesForwarded: 0,
    maxReleaseLagMs: 0,
  };
  private readonly direction: DirectionContext;

  constructor(
    private readonly opts: DelayNetOptions,
    deps: DelayNetDeps = {},
  ) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.random = deps.random ?? Math.random;
    this.log = deps.log ?? (() => {});
    const counters = this.counters;
    this.direction = {
      delay: () => this.sampleDelay(),
      queueLimit: this.maxQueuedBytes,
      forwarded(bytes, lagMs) {
        counters.bytesForwarded += bytes;
        if (lagMs > counters.maxReleaseLagMs) counters.maxReleaseLagMs = lagMs;
      },
    };
  }

  /** One one-way delay draw, ms. */
  sampleDelay(): number {
    const { baseMs, jitterMs } = this.opts.latency;
    return Math.max(0, baseMs + (2 * this.random() - 1) * jitterMs);
  }

  /** Names the owner of a source address (endpoints own theirs; an extra peer such as an attacker registers here). */
  registerSource(ip: string, id: string): void {
    this.owners.set(ip, id);
  }

  /** Starts proxying `ep.publicPort` to the endpoint. */
  async addEndpoint(ep: Endpoint): Promise<void> {
    this.registerSource(ep.ip, ep.id);
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) =>
      this.accept(this.endpoints.get(ep.id) ?? ep, client),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ep.publicPort, ep.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log(`proxy for ${ep.id}: ${err.message}`));
    this.servers.set(ep.id, server);
    this.endpoints.set(ep.id, ep);
  }

  /** The node behind endpoint `id` listens on another port now (it was started again on fresh ports): new links go there. */
  setPrivatePort(id: string, privatePort: number): void {
    const ep = this.endpoints.get(id);
    if (!ep) throw new RangeError(`no endpoint ${id}`);
    this.endpoints.set(id, { ...ep, privatePort });
  }

  /** Replaces the link policy; open links it forbids are cut at once. */
  setPolicy(policy: LinkPolicy): void {
    this.policy = policy;
    for (const link of this.links) {
      if (!policy(link.from, link.to)) {
        this.counters.linksCut++;
        this.drop(link);
      }
    }
  }

  /** Allows every link again. */
  heal(): void {
    this.setPolicy(allowAll);
  }

  /** Open links, as [from, to] pairs (from: null for an unknown address). */
  openLinks(): Array<readonly [string | null, string]> {
    return [...this.links].map((l) => [l.from, l.to] as const);
  }

  stats(): DelayNetStats {
    return { openLinks: this.links.size, ...this.counters };
  }

  async close(): Promise<void> {
    for (const link of this.links) this.drop(link);
    await Promise.all(
      [...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    this.servers.clear();
  }

  private accept(ep: Endpoint, client: Socket): void {
    const ip = normaliseIp(client.remoteAddress ?? '');
    const from = this.owners.get(ip) ?? null;
    if (!this.policy(from, ep.id)) {
      this.counters.linksRefused++;
      client.resetAndDestroy();
      return;
    }
    this.counters.linksOpened++;
    const link: Link = { from, to: ep.id, client, upstream: null };
    this.links.add(link);
    const broken = () => this.drop(link);
    // A socket that closed cleanly has passed its end on (half-close); once whatever is still
    // in flight towards the other side is out, the link goes.
    const closed = () => setTimeout(broken, this.opts.latency.baseMs + this.opts.latency.jitterMs + 100);
    client.on('error', broken);
    client.on('close', closed);
    // TCP's handshake: the target accepts when the dialler's ACK arrives, a round trip and a
    // half after the SYN left, and the dialler's first bytes arrive with that ACK.
    const connectAt = performance.now() + this.sampleDelay() + this.sampleDelay() + this.sampleDelay();
    const toTarget = new DelayedDirection(client, () => link.upstream, connectAt, this.direction, broken);
    setTimeout(
      () => {
        if (!this.links.has(link)) return;
        const upstream = new Socket({ allowHalfOpen: true });
        link.upstream = upstream;
        upstream.on('error', broken);
        upstream.on('close', closed);
        upstream.once('connect', () => {
          upstream.setNoDelay(true);
          new DelayedDirection(upstream, () => client, 0, this.direction, broken);
          toTarget.targetReady();
        });
        upstream.connect({
          host: ep.ip,
          port: ep.privatePort,
          ...(from === null ? {} : { localAddress: ip }),
        });
      },
      Math.max(0, connectAt - performance.now()),
    );
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.resetAndDestroy();
    link.upstream?.resetAndDestroy();
  }
}

/** '::ffff:127.0.1.3' → '127.0.1.3'. */
function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

interface Pending {
  readonly at: number;
  /** null: the reader ended (half-close), to be passed on in order. */
  readonly chunk: Buffer | null;
}

/**
 * One direction of a link: chunks read from `source` are written to the target at their release
 * time, in order. The target may not exist yet (the upstream socket connects after a round trip).
 */
class DelayedDirection {
  private readonly queue: Pending[] = [];
  private head = 0;
  private queuedBytes = 0;
  private lastAt: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ready: boolean;

  constructor(
    private readonly source: Socket,
    private readonly target: () => Socket | null,
    notBefore: number,
    private readonly net: DirectionContext,
    private readonly onBroken: () => void,
  ) {
    this.lastAt = notBefore;
    this.ready = target() !== null;
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => this.push(null));
  }

  targetReady(): void {
    this.ready = true;
    const t = this.target();
    t?.on('drain', () => this.maybeResume());
    this.arm();
  }

  private push(chunk: Buffer | null): void {
    const at = Math.max(performance.now() + this.net.delay(), this.lastAt);
    this.lastAt = at;
    this.queue.push({ at, chunk });
    if (chunk) {
      this.queuedBytes += chunk.length;
      if (this.backlog() > this.net.queueLimit) this.source.pause();
    }
    this.arm();
  }

  private backlog(): number {
    return this.queuedBytes + (this.target()?.writableLength ?? 0);
  }

  private arm(): void {
    if (this.timer || !this.ready || this.head >= this.queue.length) return;
    const wait = Math.max(0, this.queue[this.head]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.release();
    }, wait);
  }

  private release(): void {
    const target = this.target();
    if (!target || target.destroyed) {
      this.onBroken();
      return;
    }
    const now = performance.now();
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now) {
      const { at, chunk } = this.queue[this.head]!;
      this.head++;
      if (chunk === null) {
        target.end();
        continue;
      }
      this.queuedBytes -= chunk.length;
      this.net.forwarded(chunk.length, now - at);
      target.write(chunk);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.maybeResume();
    this.arm();
  }

  private maybeResume(): void {
    if (this.source.isPaused() && this.backlog() <= this.net.queueLimit / 2) this.source.resume();
  }
}
