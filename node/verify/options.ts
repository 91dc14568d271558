import { availableParallelism } from 'node:os';
import { VerifyError } from './errors.js';

export interface VerifyPoolOptions {
  /** Worker threads to run. Default: os.availableParallelism(). */
  threads?: number;
  /**
   * Fewest checks worth sending to one worker. A batch of fewer than 2 × this is verified inline
   * on the calling thread; larger batches are split into at most `threads` chunks of at least
   * this many checks. Default: 64.
   */
  minBatchPerThread?: number;
}

/** No dependencies yet; kept for the `new X(opts, deps)` shape. */
export type VerifyPoolDeps = Record<string, never>;

export interface ResolvedVerifyPoolOptions {
  readonly threads: number;
  readonly minBatchPerThread: number;
}

export const DEFAULT_MIN_BATCH_PER_THREAD = 64;

export function resolveVerifyPoolOptions(opts: VerifyPoolOptions): ResolvedVerifyPoolOptions {
  const threads = opts.threads ?? availableParallelism();
  const minBatchPerThread = opts.minBatchPerThread ?? DEFAULT_MIN_BATCH_PER_THREAD;
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new VerifyError({ code: 'VERIFY_BAD_OPTIONS', option: 'threads', value: threads });
  }
  if (!Number.isSafeInteger(minBatchPerThread) || minBatchPerThread < 1) {
    throw new VerifyError({
      code: 'VERIFY_BAD_OPTIONS',
      option: 'minBatchPerThread',
      value: minBatchPerThread,
    });
  }
  return { threads, minBatchPerThread };
}
