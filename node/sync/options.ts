export interface SyncStateOptions {
  /** A tip older than this keeps the node in initial block download (Bitcoin Core's -maxtipage). */
  readonly maxTipAgeSeconds: number;
  /** A catch-up rate older than this is stale: the ETA is unknown until the next step. */
  readonly rateMaxAgeMs: number;
}

export const SYNC_STATE_DEFAULTS: SyncStateOptions = Object.freeze({
  maxTipAgeSeconds: 24 * 60 * 60,
  rateMaxAgeMs: 30_000,
});

export interface ChainLogOptions {
  /** Most frequent chain progress line at INFO (per-block lines are DEBUG). */
  readonly intervalMs: number;
  /** Most frequent catch-up line at INFO while syncing (when the log is the reporter). */
  readonly syncIntervalMs: number;
}

export const CHAIN_LOG_DEFAULTS: ChainLogOptions = Object.freeze({
  intervalMs: 60_000,
  syncIntervalMs: 10_000,
});
