/** Chain service options, every default in one place. */
import { ChainError } from './errors.js';

export interface ChainOptions {
  /** Orphan blocks (parent unknown) kept at most; the oldest is evicted first. */
  readonly maxOrphans: number;
  /** Total serialized bytes of orphan blocks kept at most. */
  readonly maxOrphanBytes: number;
  /** Orphans older than this (seconds, by the chain clock) are dropped. */
  readonly orphanExpirySeconds: number;
  /** Decoded model checkpoints kept in memory besides the tip model. */
  readonly modelCacheSize: number;
}

export const defaultChainOptions: ChainOptions = Object.freeze({
  maxOrphans: 100,
  maxOrphanBytes: 20_000_000,
  orphanExpirySeconds: 20 * 60,
  modelCacheSize: 8,
});

export function resolveChainOptions(opts: Partial<ChainOptions> = {}): ChainOptions {
  const o = { ...defaultChainOptions, ...opts };
  for (const key of ['maxOrphans', 'maxOrphanBytes', 'orphanExpirySeconds', 'modelCacheSize'] as const) {
    const v = o[key];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ChainError({
        code: 'CHAIN_BAD_OPTIONS',
        option: key,
        detail: `${v} is not a non-negative integer`,
      });
    }
  }
  return Object.freeze(o);
}
