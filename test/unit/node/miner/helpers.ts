import { existsSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * OS threads of this process (Linux /proc), or undefined where that is not available. Awaits an
 * async fs call first so libuv's thread pool (started lazily) is already counted.
 */
export async function osThreads(): Promise<number | undefined> {
  await stat('.');
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined;
}

/** Resolves when `cond` holds, polling every 5 ms; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
