/** Where the node stands in catching up with the network. */
export interface SyncStatus {
  /**
   * Bitcoin Core's initial block download: true while the tip is older than the maximum tip age or
   * a peer with a heavier chain announced a greater height; once false it stays false.
   */
  readonly initialBlockDownload: boolean;
  /** Estimated share of the chain verified, 0..1 (1 once out of initial block download). */
  readonly verificationProgress: number;
  /** Height of our tip. */
  readonly height: number;
  /** The best height known: the greatest a peer with a heavier chain announced, else our own. */
  readonly headers: number;
  /** Blocks per second of the current catch-up; 0 when not catching up. */
  readonly blocksPerSecond: number;
  /** Seconds to reach `headers` at that rate; null when unknown or caught up. */
  readonly etaSeconds: number | null;
}

/** The tip the sync state reads (a chain entry). */
export interface SyncTip {
  readonly height: number;
  /** Block time, unix seconds. */
  readonly time: number;
  readonly weight: bigint;
}

/** One step of a catch-up from a peer (p2p's `sync:progress`). */
export interface SyncStep {
  readonly height: number;
  readonly targetHeight: number;
  readonly blocksPerSecond: number;
}

/**
 * Who shows catch-up progress: the node's log (default: throttled lines with percent and ETA), or
 * the CLI's progress bar when `qenex node` runs in a terminal.
 */
export interface SyncReporter {
  progress(status: SyncStatus): void;
  /** Initial block download is over (called once). */
  done(status: SyncStatus): void;
}

/** Wall clock in milliseconds. */
export interface Clock {
  now(): number;
}
