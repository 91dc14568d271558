/**
 * Fee estimation in the spirit of Bitcoin Core's estimatesmartfee, from what the node can see:
 *
 * - History. A block that was full (a smallest transaction would not have fit) confirmed nothing
 *   below the lowest fee rate it included; a block that was not full confirmed whatever the relay
 *   minimum let in. For a target of n blocks, over the last `windows` windows of n consecutive
 *   best-chain blocks, a fee rate paying at least the lowest such floor in a window would have
 *   confirmed within it; the estimate is the rate that did so in `percent`% of the windows (by
 *   default 85% of 12 windows economical, 95% of 48 conservative).
 * - Demand now. When the pool holds more than n blocks' worth of bytes, a transaction must pay
 *   more than the lowest rate among those a miner would take first to be in the next n blocks.
 * - Floor: the pool's current minimum fee rate.
 *
 * The estimate is the highest of the three. Without enough history (fewer than n + windows - 1
 * blocks after genesis) or without a single confirmed transaction in it, there is no estimate
 * (estimatesmartfee then answers "Insufficient data or no feerate found", as Bitcoin Core does).
 * Fee rates are base units per 1000 bytes; a block's statistics are computed once (its
 * transactions' fees come from its undo data) and cached by hash.
 */
import { blockWithIds, HEADER_SIZE, toHex } from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';
import { FeeEstimatorError } from './errors.js';
import {
  type FeeEstimatorOptions,
  MIN_TX_SIZE,
  type ResolvedFeeEstimatorOptions,
  resolveFeeEstimatorOptions,
} from './options.js';
import type { BlockFeeStats, FeeEstimate, FeeEstimateMode, FeeEstimatorDeps } from './types.js';

/** Reads of the window before giving up on a chain that keeps reorganizing under it. */
const MAX_ATTEMPTS = 3;

export class FeeEstimator {
  readonly options: ResolvedFeeEstimatorOptions;
  private readonly deps: FeeEstimatorDeps;
  private readonly cache = new Map<string, BlockFeeStats>();

  constructor(opts: FeeEstimatorOptions, deps: FeeEstimatorDeps) {
    this.options = resolveFeeEstimatorOptions(opts);
    this.deps = deps;
  }

  /**
   * The fee rate for confirmation within `target` blocks (1 or more), or null when there is too
   * little data. Throws FeeEstimatorError when reorganizations keep changing the blocks it reads.
   */
  async estimate(target: number, mode: FeeEstimateMode): Promise<FeeEstimate> {
    const { windows, percent } = this.options.modes[mode];
    const span = target + windows - 1;
    let floors: bigint[] | null | undefined;
    for (let attempt = 0; floors === undefined; attempt++) {
      if (attempt === MAX_ATTEMPTS)
        throw new FeeEstimatorError({ code: 'FEE_CHAIN_CHANGING', attempts: attempt });
      floors = await this.floors(span);
    }
    if (floors === null) return { feeRate: null, blocks: target };
    const windowFloors: bigint[] = [];
    for (let w = 0; w < windows; w++) windowFloors.push(minOf(floors.slice(w, w + target)));
    windowFloors.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let rate = windowFloors[Math.ceil((windows * percent) / 100) - 1]!;
    const demand = this.demand(target);
    if (demand > rate) rate = demand;
    const floor = this.deps.mempool.minFeeRate() * 1000n;
    if (floor > rate) rate = floor;
    return { feeRate: rate, blocks: target };
  }

  /**
   * Per block of the last `span` best-chain blocks, oldest first, the lowest rate that got in: its
   * lowest rate when full, else 0. null: too short a chain, or not one transaction in those blocks;
   * undefined: one of them left the best chain while being read.
   */
  private async floors(span: number): Promise<bigint[] | null | undefined> {
    const { chain } = this.deps;
    const tip = chain.tip;
    if (tip.height < span) return null;
    const entries: ChainEntry[] = [];
    for (let h = tip.height - span + 1; h <= tip.height; h++) entries.push(chain.getEntryByHeight(h)!);
    const floors: bigint[] = [];
    let txs = 0;
    for (const e of entries) {
      const s = await this.blockStats(e);
      if (!s) return undefined;
      txs += s.txs;
      floors.push(s.full && s.minRate !== null ? s.minRate : 0n);
    }
    return txs === 0 ? null : floors;
  }

  /** Just above the lowest rate among what fills the next `target` blocks; 0 when the pool fits in them. */
  private demand(target: number): bigint {
    const { chain, mempool } = this.deps;
    const capacity = target * (chain.params.maxBlockSize - HEADER_SIZE);
    if (mempool.bytes <= capacity) return 0n;
    const rates: bigint[] = [];
    for (const t of mempool.selectForBlock(capacity).txs) {
      const e = mempool.get(t.txid);
      if (e) rates.push(rateOf(e.fee, e.size));
    }
    return rates.length === 0 ? 0n : minOf(rates) + 1n;
  }

  /** A best-chain block's fee statistics; undefined when its undo data is gone (disconnected meanwhile). */
  private async blockStats(e: ChainEntry): Promise<BlockFeeStats | undefined> {
    const key = toHex(e.hash);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { chain } = this.deps;
    const [block, undo] = await Promise.all([chain.getBlock(e.hash), chain.getUndo(e.hash)]);
    if (!block || !undo) return undefined;
    const b = blockWithIds(block);
    let k = 0;
    let minRate: bigint | null = null;
    for (const t of b.txs.slice(1)) {
      let fee = 0n;
      for (let i = 0; i < t.tx.inputs.length; i++) fee += undo.spent[k++]!.value;
      for (const o of t.tx.outputs) fee -= o.value;
      const r = rateOf(fee, t.size);
      if (minRate === null || r < minRate) minRate = r;
    }
    const stats: BlockFeeStats = {
      txs: b.txs.length - 1,
      full: e.size + MIN_TX_SIZE > chain.params.maxBlockSize,
      minRate,
    };
    this.cache.set(key, stats);
    if (this.cache.size > this.options.cachedBlocks) this.cache.delete(this.cache.keys().next().value!);
    return stats;
  }
}

function rateOf(fee: bigint, size: number): bigint {
  return (fee * 1000n) / BigInt(size);
}

function minOf(xs: readonly bigint[]): bigint {
  let m = xs[0]!;
  for (const x of xs) if (x < m) m = x;
  return m;
}
