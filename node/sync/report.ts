/**
 * The chain's progress in the log: one DEBUG line per block, and at INFO at most one line a
 * minute while following the network (blocks and verified improvements since the last line),
 * throttled catch-up lines with percent and ETA while in initial block download, and one line
 * when it ends. A node mining a block every few seconds would otherwise fill its log with
 * per-block INFO lines.
 */
import type { Logger } from '../logger.js';
import { formatEta, formatPercent } from './format.js';
import type { ChainLogOptions } from './options.js';
import { CHAIN_LOG_DEFAULTS } from './options.js';
import type { SyncState } from './state.js';
import type { Clock, SyncReporter, SyncStatus } from './types.js';

/** Catch-up progress as INFO lines, at most one per `syncIntervalMs`. */
export class LogSyncReporter implements SyncReporter {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: Pick<ChainLogOptions, 'syncIntervalMs'>,
    private readonly deps: { readonly logger: Logger; readonly clock: Clock },
  ) {}

  progress(s: SyncStatus): void {
    const now = this.deps.clock.now();
    if (now - this.last < this.opts.syncIntervalMs) return;
    this.last = now;
    this.deps.logger.info(
      {
        height: s.height,
        headers: s.headers,
        blocksPerSecond: Math.round(s.blocksPerSecond),
        eta: formatEta(s.etaSeconds),
      },
      `syncing ${formatPercent(s.verificationProgress)}`,
    );
  }

  done(s: SyncStatus): void {
    this.deps.logger.info({ height: s.height }, 'initial block download done');
  }
}

export interface ChainLogDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly state: Pick<SyncState, 'status'>;
  /** Shows catch-up progress; default a LogSyncReporter on `logger`. */
  readonly reporter?: SyncReporter;
}

export interface TipEvent {
  readonly height: number;
  readonly hash: string;
  readonly improvementPpm: number;
}

export class ChainLog {
  private readonly opts: ChainLogOptions;
  private readonly reporter: SyncReporter;
  private lastLine: number;
  private blocks = 0;
  private improvements = 0;
  private ibd: boolean | null = null;

  constructor(
    opts: Partial<ChainLogOptions>,
    private readonly deps: ChainLogDeps,
  ) {
    this.opts = { ...CHAIN_LOG_DEFAULTS, ...opts };
    this.reporter = deps.reporter ?? new LogSyncReporter(this.opts, deps);
    this.lastLine = deps.clock.now();
  }

  /** A new best tip. */
  tip(t: TipEvent): void {
    const update = t.improvementPpm > 0 ? { improvementPpm: t.improvementPpm } : {};
    this.deps.logger.debug({ height: t.height, hash: t.hash, ...update }, 'new tip');
    this.blocks++;
    if (t.improvementPpm > 0) this.improvements++;
    const s = this.deps.state.status();
    if (this.checkDone(s) || s.initialBlockDownload) return;
    const now = this.deps.clock.now();
    if (now - this.lastLine < this.opts.intervalMs) return;
    this.deps.logger.info(
      { height: t.height, hash: t.hash, blocks: this.blocks, improvements: this.improvements },
      `chain at height ${t.height}: ${this.blocks} new block(s) in ${Math.round((now - this.lastLine) / 1000)} s`,
    );
    this.lastLine = now;
    this.blocks = 0;
    this.improvements = 0;
  }

  /** A catch-up step from a peer: the status has been updated with it. */
  syncStep(): void {
    const s = this.deps.state.status();
    if (!this.checkDone(s) && s.initialBlockDownload) this.reporter.progress(s);
  }

  /** Reports the end of initial block download once; true when it just ended. */
  private checkDone(s: SyncStatus): boolean {
    const was = this.ibd;
    this.ibd = s.initialBlockDownload;
    if (was !== true || s.initialBlockDownload) return false;
    this.reporter.done(s);
    this.lastLine = this.deps.clock.now();
    this.blocks = 0;
    this.improvements = 0;
    return true;
  }
}
