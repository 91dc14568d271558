/**
 * The stalling attacker: a small libp2p client (TCP, Noise, Yamux, identify) speaking qenex's
 * request protocols with p2p's codecs. It answers the status handshake with a chain far heavier
 * than the victim's (the victim's own tip weight times `weightFactor`, a made-up tip hash), so
 * the victim asks it for headers, and it never answers the headers request: it reads it and
 * holds the stream open. It serves nothing else. Its connections leave from its own loopback
 * address through the DelayNet like everyone's. While running it redials its target whenever it
 * is not connected (a persistent attacker), counting what happens.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { identify } from '@libp2p/identify';
import type { Libp2p, Stream } from '@libp2p/interface';
import { type TCPSocketOptions, tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { fromHex, type NetworkParams } from '../../consensus/index.js';
import {
  decodeHeadersRequest,
  decodeStatus,
  encodeStatusResponse,
  PROTOCOL_VERSION,
  requestProtocol,
} from '../../p2p/index.js';

export interface StallerOptions {
  readonly params: NetworkParams;
  /** Loopback address its connections leave from. */
  readonly ip: string;
  /** Claimed weight = the victim's announced weight × this. Default 1000. */
  readonly weightFactor?: bigint;
  /** Claimed height = the victim's announced height + this. Default 1000. */
  readonly heightLead?: number;
  /** Redial interval while disconnected. Default 2000 ms. */
  readonly redialMs?: number;
}

export interface StallerStats {
  readonly dials: number;
  readonly dialFailures: number;
  readonly connections: number;
  readonly disconnects: number;
  readonly statusRequests: number;
  readonly headersRequests: number;
  /** Headers streams still held open, unanswered. */
  readonly headersHeld: number;
}

export class Staller {
  private host: Libp2p | null = null;
  private readonly held = new Set<Stream>();
  private readonly counts = {
    dials: 0,
    dialFailures: 0,
    connections: 0,
    disconnects: 0,
    statusRequests: 0,
    headersRequests: 0,
  };
  private redial: ReturnType<typeof setInterval> | null = null;
  private target: string | null = null;

  constructor(private readonly opts: StallerOptions) {}

  get peerId(): string | null {
    return this.host?.peerId.toString() ?? null;
  }

  stats(): StallerStats {
    return { ...this.counts, headersHeld: this.held.size };
  }

  /** Connected to the target now? */
  connected(): boolean {
    const host = this.host;
    const target = this.target;
    if (!host || !target) return false;
    const id = multiaddr(target)
      .getComponents()
      .find((c) => c.name === 'p2p')?.value;
    return host.getConnections().some((c) => c.remotePeer.toString() === id);
  }

  async start(): Promise<void> {
    const { params, ip } = this.opts;
    // @libp2p/tcp hands dialOpts to net.connect as they are (its type names only a few of them).
    const dialOpts: TCPSocketOptions & { localAddress: string } = { localAddress: ip };
    const host = await createLibp2p({
      addresses: { listen: [] },
      transports: [tcp({ dialOpts })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    });
    host.addEventListener('connection:open', () => this.counts.connections++);
    host.addEventListener('connection:close', () => this.counts.disconnects++);
    const genesis = fromHex(params.genesis.hash);
    const factor = this.opts.weightFactor ?? 1000n;
    const lead = this.opts.heightLead ?? 1000;
    await host.handle(requestProtocol(params.name, 'status'), async (stream) => {
      this.counts.statusRequests++;
      const lp = lpStream(stream);
      const theirs = decodeStatus((await lp.read()).subarray());
      const weight = (theirs.weight > 0n ? theirs.weight : 1n) * factor;
      await lp.write(
        encodeStatusResponse({
          version: PROTOCOL_VERSION,
          magic: params.magic,
          genesis,
          bestHash: new Uint8Array(32).fill(0xee),
          bestHeight: theirs.bestHeight + lead,
          weight,
        }),
      );
      await stream.close();
    });
    await host.handle(requestProtocol(params.name, 'headers'), async (stream) => {
      const lp = lpStream(stream);
      decodeHeadersRequest((await lp.read()).subarray());
      this.counts.headersRequests++;
      // Never answered: held until the victim gives up on it (or we stop).
      this.held.add(stream);
      stream.addEventListener('close', () => this.held.delete(stream));
    });
    this.host = host;
  }

  /** Dials `addr` now and whenever the connection is gone, until stop(). */
  attack(addr: string): void {
    this.target = addr;
    const tryDial = () => {
      const host = this.host;
      if (!host || this.connected()) return;
      this.counts.dials++;
      host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) }).catch(() => {
        this.counts.dialFailures++;
      });
    };
    tryDial();
    this.redial = setInterval(tryDial, this.opts.redialMs ?? 2000);
  }

  async stop(): Promise<void> {
    if (this.redial) clearInterval(this.redial);
    this.redial = null;
    for (const s of this.held) s.abort(new Error('staller stopped'));
    this.held.clear();
    await this.host?.stop();
    this.host = null;
  }
}
