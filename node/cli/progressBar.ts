/**
 * `qenex node` in a terminal: initial block download shows as one redrawn progress line on stderr
 * (percent, blocks, rate, ETA) instead of log lines. Log lines written to the same terminal go
 * through `wrap()`, which takes the bar down before each line and puts it back after, so the two
 * never garble each other.
 */
import type { DestinationStream } from 'pino';
import { formatEta, formatPercent, type SyncReporter, type SyncStatus } from '../sync/index.js';

/** A terminal (process.stderr) or a test double. */
export interface BarTerminal {
  write(text: string): void;
  readonly columns?: number;
}

const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 24;

/** The bar's text for a status, e.g. `syncing [#########---------------]  37.5%  1200/3200 blocks  45 blk/s  ETA 0:44`. */
export function renderBar(s: SyncStatus): string {
  const filled = Math.round(Math.min(1, Math.max(0, s.verificationProgress)) * BAR_WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
  const rate = s.blocksPerSecond > 0 ? `  ${Math.round(s.blocksPerSecond)} blk/s` : '';
  return `syncing [${bar}] ${formatPercent(s.verificationProgress).padStart(6)}  ${s.height}/${s.headers} blocks${rate}  ETA ${formatEta(s.etaSeconds)}`;
}

export class ProgressBar implements SyncReporter {
  private shown: string | null = null;

  constructor(private readonly term: BarTerminal) {}

  progress(s: SyncStatus): void {
    const width = this.term.columns ?? 80;
    this.shown = renderBar(s).slice(0, Math.max(10, width - 1));
    this.term.write(`${CLEAR_LINE}${this.shown}`);
  }

  done(s: SyncStatus): void {
    if (this.shown !== null) this.term.write(`${CLEAR_LINE}`);
    this.shown = null;
    this.term.write(`initial block download done at height ${s.height}\n`);
  }

  /** A log destination on the same terminal: every line is written with the bar taken down. */
  wrap(out: DestinationStream): DestinationStream {
    return {
      write: (line: string) => {
        if (this.shown === null) return out.write(line);
        this.term.write(CLEAR_LINE);
        out.write(line);
        this.term.write(this.shown);
      },
    };
  }
}
