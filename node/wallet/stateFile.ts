/**
 * `<datadir>/wallet-state.bin`: read once at start, then rewritten atomically (temp file + fsync +
 * rename, writeFileAtomic) a short delay after changes — many changes in a burst (a reorg, a
 * catch-up) make one write — and at once when asked (a new address, a payment, stop).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../wallet/index.js';
import type { Logger } from '../logger.js';
import { WalletServiceError } from './errors.js';

export class StateFile {
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    private readonly delayMs: number,
    private readonly log: Logger,
    /** The bytes to write (null: nothing to save). */
    private readonly snapshot: () => Uint8Array | null,
  ) {}

  /** The saved bytes; undefined when there is no file yet. */
  async read(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new WalletServiceError({
        code: 'WALLET_STATE_IO',
        op: 'read',
        path: this.path,
        reason: errText(e),
      });
    }
  }

  /** Saves after the delay (a write already scheduled covers this change too). */
  scheduleSave(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.saveNow().catch((e: unknown) => {
        this.log.error({ err: e }, 'saving the wallet state failed; retrying');
        this.scheduleSave();
      });
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes the current snapshot, after any write already under way. */
  saveNow(): Promise<void> {
    const bytes = this.snapshot();
    if (!bytes) return this.queue;
    const write = this.queue.then(async () => {
      try {
        await writeFileAtomic(this.path, bytes, { overwrite: true });
      } catch (e) {
        throw new WalletServiceError({
          code: 'WALLET_STATE_IO',
          op: 'write',
          path: this.path,
          reason: errText(e),
        });
      }
    });
    this.queue = write.catch(() => undefined);
    return write;
  }

  /** Cancels the scheduled write and refuses new ones; `saveNow` still works (the final save). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  reopen(): void {
    this.closed = false;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
