import type { NetworkParams } from '../../consensus/index.js';
import { decodeAddress } from '../../wallet/index.js';
import { MinerError } from './errors.js';
import { MAX_JOB_NONCES } from './powWorker.js';

export interface MinerOptions {
  /** Address paid by mined blocks (bech32 with the network's prefix). */
  address: string;
  /** Proof-of-work worker threads. Default 1. */
  threads?: number;
  /**
   * Least time between two blocks this miner finds, ms. Default: 1000 on devnet (its target is
   * trivial; this keeps a devnet from racing through heights), 0 elsewhere.
   */
  minIntervalMs?: number;
  /** Rebuild the template when the pool changed and the template is at least this old, ms. Default 5000. */
  templateRefreshMs?: number;
  /**
   * Rebuild a template that carries no model update when new deltas were pooled (a proposal may
   * now be possible) and the template is at least this old, ms. Default 1000: the proposer
   * pre-checks each new pool state once (a few scorings), so this bounds that work to one per
   * second, while a block found without the update would waste a whole round of training.
   */
  updateRefreshMs?: number;
  /** Nonces each thread tries per template before the time is bumped and the template rebuilt. Default 2^32. */
  noncesPerJob?: number;
  /** Block size to fill up to; default params.maxBlockSize. */
  maxBlockSize?: number;
}

export interface ResolvedMinerOptions {
  readonly address: string;
  readonly pubKeyHash: Uint8Array;
  readonly threads: number;
  readonly minIntervalMs: number;
  readonly templateRefreshMs: number;
  readonly updateRefreshMs: number;
  readonly noncesPerJob: number;
  readonly maxBlockSize: number;
}

export const DEVNET_MIN_INTERVAL_MS = 1000;
export const DEFAULT_TEMPLATE_REFRESH_MS = 5000;
export const DEFAULT_UPDATE_REFRESH_MS = 1000;

/** Decodes a mining address for `params`' network; throws MinerError MINER_BAD_ADDRESS. */
export function minerPubKeyHash(address: string, params: NetworkParams): Uint8Array {
  try {
    return decodeAddress(address, params);
  } catch (err) {
    throw new MinerError({
      code: 'MINER_BAD_ADDRESS',
      address: String(address),
      detail: err instanceof Error ? err.message : String(err),
    });
  }
}

export function resolveMinerOptions(opts: MinerOptions, params: NetworkParams): ResolvedMinerOptions {
  const r: ResolvedMinerOptions = {
    address: opts.address,
    pubKeyHash: minerPubKeyHash(opts.address, params),
    threads: opts.threads ?? 1,
    minIntervalMs: opts.minIntervalMs ?? (params.name === 'devnet' ? DEVNET_MIN_INTERVAL_MS : 0),
    templateRefreshMs: opts.templateRefreshMs ?? DEFAULT_TEMPLATE_REFRESH_MS,
    updateRefreshMs: opts.updateRefreshMs ?? DEFAULT_UPDATE_REFRESH_MS,
    noncesPerJob: opts.noncesPerJob ?? MAX_JOB_NONCES,
    maxBlockSize: opts.maxBlockSize ?? params.maxBlockSize,
  };
  requireInt('threads', r.threads, 1, 1024);
  requireInt('minIntervalMs', r.minIntervalMs, 0, 86_400_000);
  requireInt('templateRefreshMs', r.templateRefreshMs, 0, 86_400_000);
  requireInt('updateRefreshMs', r.updateRefreshMs, 0, 86_400_000);
  requireInt('noncesPerJob', r.noncesPerJob, 1, MAX_JOB_NONCES);
  requireInt('maxBlockSize', r.maxBlockSize, 1, params.maxBlockSize);
  return Object.freeze(r);
}

function requireInt(option: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new MinerError({
      code: 'MINER_BAD_OPTIONS',
      option,
      detail: `${value} is not an integer in [${min}, ${max}]`,
    });
  }
}
