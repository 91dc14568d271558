/**
 * Token buckets per (peer, channel): a request protocol or a gossip topic. A bucket holds at most
 * `burst` tokens and refills `perSecond` tokens per second from the injected clock (ms). The map of
 * buckets is bounded; a peer's buckets are dropped when it disconnects.
 */

export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket capacity (largest burst). */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.updated = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updated);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perSecond) / 1000);
    this.updated = now;
  }

  /** Takes `cost` tokens if available; returns whether it did. */
  take(cost: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Takes `cost` tokens whatever is left (a cost known only afterwards): the bucket may go below 0. */
  charge(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= cost;
  }

  /** Whether the bucket holds any token (a charge since has been paid back). */
  inCredit(now: number): boolean {
    this.refill(now);
    return this.tokens > 0;
  }

  get available(): number {
    return this.tokens;
  }
}

export class PeerRateLimiter<C extends string> {
  private readonly buckets = new Map<string, Map<C, TokenBucket>>();

  constructor(
    private readonly limits: Readonly<Record<C, RateLimit>>,
    private readonly deps: { readonly clock: () => number },
    private readonly maxPeers = 10_000,
  ) {}

  /** Charges `cost` to the peer's bucket for `channel`; false means over the limit. */
  take(peerId: string, channel: C, cost = 1): boolean {
    const now = this.deps.clock();
    return this.bucket(peerId, channel, now).take(cost, now);
  }

  /** Charges `cost` after the fact (e.g. bytes served); the bucket may go below 0. */
  charge(peerId: string, channel: C, cost: number): void {
    const now = this.deps.clock();
    this.bucket(peerId, channel, now).charge(cost, now);
  }

  /** Whether the peer's bucket for `channel` is not in debt. */
  inCredit(peerId: string, channel: C): boolean {
    const now = this.deps.clock();
    return this.bucket(peerId, channel, now).inCredit(now);
  }

  private bucket(peerId: string, channel: C, now: number): TokenBucket {
    let peer = this.buckets.get(peerId);
    if (!peer) {
      if (this.buckets.size >= this.maxPeers) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      peer = new Map();
      this.buckets.set(peerId, peer);
    }
    let bucket = peer.get(channel);
    if (!bucket) {
      bucket = new TokenBucket(this.limits[channel], now);
      peer.set(channel, bucket);
    }
    return bucket;
  }

  forget(peerId: string): void {
    this.buckets.delete(peerId);
  }

  get trackedPeers(): number {
    return this.buckets.size;
  }
}
