/**
 * The miner's local hash rate: hashes the proof-of-work threads report as they work, over a
 * sliding window. Measured, not derived from the difficulty or the block rate, so it shows what
 * this machine does (and drops while the miner waits, e.g. for minIntervalMs). Time is passed in:
 * monotonic milliseconds (performance.now()).
 */
export interface HashRateOptions {
  /** Width of the window, ms. */
  readonly windowMs: number;
}

export class HashRateMeter {
  private readonly windowMs: number;
  /** Reports inside the window, oldest first. */
  private samples: { readonly t: number; readonly n: number }[] = [];
  private since = 0;

  constructor(opts: HashRateOptions) {
    this.windowMs = opts.windowMs;
  }

  /** Forgets every report; the rate is measured from `now` on. */
  reset(now: number): void {
    this.samples = [];
    this.since = now;
  }

  /** `n` hashes done since the last report. */
  add(n: number, now: number): void {
    this.samples.push({ t: now, n });
    this.prune(now);
  }

  /**
   * Hashes per second over the window ending at `now`, or since reset() when that is more recent
   * (a rate measured over a shorter time than it covers would read low); 0 before anything is
   * reported.
   */
  rate(now: number): number {
    this.prune(now);
    let total = 0;
    for (const s of this.samples) total += s.n;
    const span = Math.min(this.windowMs, now - this.since);
    // not rounded: a devnet miner that finds its block in a few hashes a second does a few a second
    return span > 0 ? (total * 1000) / span : 0;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.t < now - this.windowMs) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
