/**
 * The node's initial-block-download state, derived as Bitcoin Core's IsInitialBlockDownload: the
 * node is catching up while its tip is older than a maximum age or behind the height a sync
 * session is downloading (p2p's `sync:progress`: a branch whose headers proved it can outweigh
 * ours), and never goes back once caught up (a latch, so that a stale period on a quiet network
 * cannot flip it back). A peer's announced height alone counts for nothing: a staller claiming a
 * height it never proves with headers must not hold a fresh node in initial download.
 */
import type { SyncStateOptions } from './options.js';
import { SYNC_STATE_DEFAULTS } from './options.js';
import type { Clock, SyncStatus, SyncStep, SyncTip } from './types.js';

export interface SyncStateDeps {
  tip(): SyncTip;
  /** The network's target seconds between blocks (to estimate progress from the tip's age). */
  readonly targetSpacing: number;
  readonly clock: Clock;
}

export class SyncState {
  private readonly opts: SyncStateOptions;
  private caughtUp = false;
  private lastStep: { step: SyncStep; at: number } | null = null;

  constructor(
    opts: Partial<SyncStateOptions>,
    private readonly deps: SyncStateDeps,
  ) {
    this.opts = { ...SYNC_STATE_DEFAULTS, ...opts };
  }

  /** Records a catch-up step (p2p's `sync:progress`), for the rate and the ETA. */
  observe(step: SyncStep): void {
    this.lastStep = { step, at: this.deps.clock.now() };
  }

  status(): SyncStatus {
    const tip = this.deps.tip();
    const now = this.deps.clock.now();
    let headers = tip.height;
    const fresh = this.lastStep !== null && now - this.lastStep.at <= this.opts.rateMaxAgeMs;
    if (fresh && this.lastStep!.step.targetHeight > headers) headers = this.lastStep!.step.targetHeight;
    const ageSeconds = Math.max(0, now / 1000 - tip.time);
    if (!this.caughtUp && ageSeconds <= this.opts.maxTipAgeSeconds && headers <= tip.height) {
      this.caughtUp = true;
    }
    const ibd = !this.caughtUp;
    const blocksPerSecond = fresh && ibd ? this.lastStep!.step.blocksPerSecond : 0;
    return {
      initialBlockDownload: ibd,
      verificationProgress: ibd ? this.progress(tip, headers, ageSeconds) : 1,
      height: tip.height,
      headers,
      blocksPerSecond,
      etaSeconds:
        headers > tip.height && blocksPerSecond > 0 ? (headers - tip.height) / blocksPerSecond : null,
    };
  }

  /**
   * Behind a known height: the share of its blocks we have. Else (no peer knows more, the tip is
   * just old): the share of the blocks the tip's age implies at the target spacing.
   */
  private progress(tip: SyncTip, headers: number, ageSeconds: number): number {
    if (headers > tip.height) return tip.height / headers;
    const expected = tip.height + ageSeconds / this.deps.targetSpacing;
    return expected > 0 ? Math.min(1, tip.height / expected) : 0;
  }
}
