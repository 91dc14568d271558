import { MempoolError } from './errors.js';

export interface MempoolOptions {
  /** Budget of the pool in bytes of serialized transactions. */
  maxSizeBytes: number;
  /**
   * Lowest fee rate accepted, in base units per byte (exact: `fee >= minFeeRate * size`).
   * Note: the node config's `mempool.minFeeRate` is per 1000 bytes; the composition root divides.
   */
  minFeeRate: bigint;
  /** Transactions with missing inputs kept until their parents arrive. Default 100; 0 disables. */
  maxOrphans?: number;
  /** Largest transaction kept as an orphan, bytes. Default 100,000 (Bitcoin Core's limit). */
  maxOrphanTxSize?: number;
  /** Most in-pool ancestors (itself included) a transaction may have. Default 25 (Bitcoin Core). */
  maxAncestors?: number;
  /** Most in-pool descendants (itself included) any transaction may get. Default 25 (Bitcoin Core). */
  maxDescendants?: number;
}

export interface ResolvedMempoolOptions {
  readonly maxSizeBytes: number;
  readonly minFeeRate: bigint;
  readonly maxOrphans: number;
  readonly maxOrphanTxSize: number;
  readonly maxAncestors: number;
  readonly maxDescendants: number;
}

export const DEFAULT_MAX_ORPHANS = 100;
export const DEFAULT_MAX_ORPHAN_TX_SIZE = 100_000;
export const DEFAULT_MAX_ANCESTORS = 25;
export const DEFAULT_MAX_DESCENDANTS = 25;

export function resolveMempoolOptions(opts: MempoolOptions): ResolvedMempoolOptions {
  const r: ResolvedMempoolOptions = {
    maxSizeBytes: opts.maxSizeBytes,
    minFeeRate: opts.minFeeRate,
    maxOrphans: opts.maxOrphans ?? DEFAULT_MAX_ORPHANS,
    maxOrphanTxSize: opts.maxOrphanTxSize ?? DEFAULT_MAX_ORPHAN_TX_SIZE,
    maxAncestors: opts.maxAncestors ?? DEFAULT_MAX_ANCESTORS,
    maxDescendants: opts.maxDescendants ?? DEFAULT_MAX_DESCENDANTS,
  };
  requireInt('maxSizeBytes', r.maxSizeBytes, 1);
  requireInt('maxOrphans', r.maxOrphans, 0);
  requireInt('maxOrphanTxSize', r.maxOrphanTxSize, 0);
  requireInt('maxAncestors', r.maxAncestors, 1);
  requireInt('maxDescendants', r.maxDescendants, 1);
  if (typeof r.minFeeRate !== 'bigint' || r.minFeeRate < 0n) {
    throw new MempoolError({
      code: 'MEMPOOL_BAD_OPTIONS',
      option: 'minFeeRate',
      detail: 'must be a bigint >= 0',
    });
  }
  return Object.freeze(r);
}

function requireInt(option: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new MempoolError({
      code: 'MEMPOOL_BAD_OPTIONS',
      option,
      detail: `${value} is not an integer >= ${min}`,
    });
  }
}
