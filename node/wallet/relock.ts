/** walletpassphrase's timeout: locks the wallet again at a deadline (re-armed past setTimeout's limit). */

/** setTimeout's limit (2^31 − 1 ms). */
const MAX_TIMER_MS = 0x7fff_ffff;

export class RelockTimer {
  private timer: NodeJS.Timeout | null = null;
  private at: number | null = null;

  constructor(
    /** Wall clock, ms. */
    private readonly now: () => number,
    private readonly onExpire: () => void,
  ) {}

  /** Unix ms of the pending relock, or null. */
  get deadline(): number | null {
    return this.at;
  }

  /** Replaces any pending deadline; a deadline already past expires at once. */
  arm(deadline: number): void {
    this.clear();
    this.at = deadline;
    this.wait();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.at = null;
  }

  private wait(): void {
    if (this.at === null) return;
    const ms = this.at - this.now();
    if (ms <= 0) {
      this.clear();
      this.onExpire();
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.wait();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
