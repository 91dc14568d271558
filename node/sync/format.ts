/** How catch-up progress reads, in log lines and in the CLI's progress bar alike. */

/** `0:42`, `12:05`, `3:07:44`; `?` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** `37.5%`, never 100.0% before the end. */
export function formatPercent(share: number): string {
  const pct = Math.min(100, Math.max(0, share * 100));
  return `${(pct < 100 && pct > 99.9 ? 99.9 : pct).toFixed(1)}%`;
}
