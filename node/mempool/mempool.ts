/**
 * The transaction pool: unconfirmed transactions valid on top of the best chain, ordered by fee
 * rate and bounded in bytes.
 *
 * Acceptance (`accept`), in order, cheapest first: no coinbase, context-free consensus rules
 * (checkTx), not already pooled, no input already spent by a pooled transaction (no replacement),
 * inputs from the chain's UTXO set or from pooled transactions (chains of unconfirmed transactions),
 * ancestor/descendant limits, contextual consensus rules at height tip+1 (checkTxInputs: maturity,
 * amounts, keys, lock time), fee rate, then signatures through the injected SigVerifier.
 *
 * Accepts and re-adds (accept, addBackFromBlock, orphan retries) run in one serial queue, so the
 * asynchronous UTXO lookups and signature checks of one transaction never interleave with another.
 * removeForBlock removes synchronously; an accept that awaited across it starts over (epoch). The
 * reads (`has`, `get`, `selectForBlock`, ...) are synchronous.
 */
import { EventEmitter } from 'node:events';
import {
  type BlockWithIds,
  checkTxInputs,
  type InputsResult,
  outpointKey,
  type Transaction,
  type TxWithId,
  toHex,
  withId,
} from '../../consensus/index.js';
import type { Logger } from '../logger.js';
import { MempoolError, policyError } from './errors.js';
import { cmpRate, type PoolEntry, TxGraph } from './graph.js';
import { type MempoolOptions, type ResolvedMempoolOptions, resolveMempoolOptions } from './options.js';
import { Orphanage } from './orphans.js';
import { selectPackages } from './select.js';
import type {
  AcceptResult,
  BlockSelection,
  MempoolDeps,
  MempoolEntry,
  MempoolEvents,
  MempoolInfo,
  RemovalReason,
} from './types.js';
import { checkChainLimits, checkStandalone, consensus, isConfirmed, lookupInputs } from './validate.js';

interface AcceptMode {
  /** Re-adding a disconnected block's transaction: no orphaning, no early 'mempool full'. */
  readonly reorg: boolean;
  /** Validation only (testmempoolaccept): nothing is added, orphaned or announced. */
  readonly test?: boolean;
}

export class Mempool extends EventEmitter<MempoolEvents> {
  readonly options: ResolvedMempoolOptions;
  private readonly deps: MempoolDeps;
  private readonly log: Logger;
  private readonly graph = new TxGraph();
  private readonly orphans: Orphanage;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private rev = 0;
  /** Fee rate (units/byte) a new transaction must reach after evictions; 0 when not raised. */
  private evictionFloor = 0n;
  /** Bumped by every block connected: an accept that awaited across one starts over. */
  private epoch = 0;
  /** The entry being accepted: if the trim evicts it at once, it was never announced. */
  private adding: PoolEntry | undefined;

  constructor(opts: MempoolOptions, deps: MempoolDeps) {
    super();
    this.options = resolveMempoolOptions(opts);
    this.deps = deps;
    this.log = deps.logger.child({ module: 'mempool' });
    this.orphans = new Orphanage(this.options.maxOrphans, this.options.maxOrphanTxSize);
  }

  async start(): Promise<void> {
    // Nothing to load: the pool starts empty (it is not persisted across restarts).
  }

  /** Waits for queued work (accepts in flight, block updates) to finish. */
  async stop(): Promise<void> {
    await this.queue.catch(() => {});
  }

  // ---- reads ----

  get size(): number {
    return this.graph.size;
  }

  get bytes(): number {
    return this.graph.bytes;
  }

  /** Increases on every change of the pool's contents (miners compare it to refresh templates). */
  get revision(): number {
    return this.rev;
  }

  get orphanCount(): number {
    return this.orphans.size;
  }

  has(txid: Uint8Array | string): boolean {
    return this.graph.get(idOf(txid)) !== undefined;
  }

  get(txid: Uint8Array | string): MempoolEntry | undefined {
    const e = this.graph.get(idOf(txid));
    return e ? snapshot(e) : undefined;
  }

  txids(): string[] {
    return [...this.graph.values()].map((e) => e.id);
  }

  entries(): MempoolEntry[] {
    return [...this.graph.values()].map(snapshot);
  }

  /** The fee rate a new transaction needs now (units/byte). */
  minFeeRate(): bigint {
    // bigint: Math.max does not apply.
    const { minFeeRate } = this.options;
    if (this.evictionFloor > minFeeRate) return this.evictionFloor;
    return minFeeRate;
  }

  info(): MempoolInfo {
    return {
      size: this.graph.size,
      bytes: this.graph.bytes,
      usage: this.graph.bytes,
      maxmempool: this.options.maxSizeBytes,
      mempoolminfee: this.minFeeRate(),
      minrelaytxfee: this.options.minFeeRate,
      orphans: this.orphans.size,
    };
  }

  /** Transactions for a block of at most `maxBytes` of transactions, parents before children. */
  selectForBlock(maxBytes: number): BlockSelection {
    return selectPackages(this.graph, maxBytes);
  }

  // ---- changes ----

  /** Validates `tx` and adds it to the pool; throws MempoolError with the reject reason. */
  accept(tx: Transaction): Promise<AcceptResult> {
    const t = withId(tx);
    return this.serial(async () => {
      const res = await this.acceptOne(t, { reorg: false });
      await this.acceptOrphansOf([res.txid]);
      return res;
    });
  }

  /**
   * Runs every check `accept` runs, in the same queue, without adding `tx` (Bitcoin Core's
   * test_accept): resolves with what `accept` would return, or throws the same MempoolError. A
   * transaction with missing inputs is not kept as an orphan. The one check left out is the trim
   * of a full pool after adding (checkRoom's early 'mempool full' still applies).
   */
  testAccept(tx: Transaction): Promise<AcceptResult> {
    const t = withId(tx);
    return this.serial(() => this.acceptOne(t, { reorg: false, test: true }));
  }

  /**
   * A block was connected: drops the transactions it confirmed (their pooled descendants stay, now
   * spending confirmed outputs) and, with their descendants, those spending an outpoint the block
   * spent (conflicts). The removal is done synchronously, before this returns, so a template built
   * right after the chain's 'block' event never holds confirmed transactions; an accept in flight
   * notices the change and re-validates. The promise resolves once orphans waiting for the block's
   * transactions have been retried.
   */
  removeForBlock(block: BlockWithIds): Promise<void> {
    this.epoch++;
    // Nothing pooled (initial sync's usual case): nothing the block confirms or conflicts with,
    // and no orphan waits for its transactions; skip hashing every txid and outpoint to a key.
    if (this.graph.size === 0 && this.orphans.size === 0) {
      this.evictionFloor = 0n;
      return this.serial(() => this.acceptOrphansOf([]));
    }
    const spent = new Set<string>();
    const confirmed: string[] = [];
    for (const t of block.txs) {
      const id = toHex(t.txid);
      confirmed.push(id);
      this.orphans.remove(id);
      const e = this.graph.get(id);
      if (e) this.removeSet(new Set([e]), 'block');
      for (const i of t.tx.inputs) {
        spent.add(outpointKey(i.prevout.txid, i.prevout.index));
        const s = this.graph.spender(i.prevout);
        if (s) this.removeSet(this.graph.withDescendants(s), 'conflict');
      }
    }
    this.orphans.removeSpending(spent);
    if (this.graph.bytes <= this.options.maxSizeBytes / 2) this.evictionFloor = 0n;
    return this.serial(() => this.acceptOrphansOf(confirmed));
  }

  /**
   * A block was disconnected (call after the chain has undone it, so its inputs are back in the
   * UTXO set): re-accepts its non-coinbase transactions, then drops pooled transactions the
   * disconnect made invalid (spending its coinbase or a transaction that did not come back, a
   * coinbase that is immature again, or a lock time no longer final). Invalid ones go quietly.
   */
  addBackFromBlock(block: BlockWithIds): Promise<void> {
    return this.serial(async () => {
      for (const t of block.txs) {
        if (t.tx.inputs.length === 0) continue;
        try {
          await this.acceptOne(t, { reorg: true });
        } catch (err) {
          this.log.debug(
            { txid: toHex(t.txid), err: describeErr(err) },
            'disconnected transaction not re-added',
          );
        }
      }
      for (const t of block.txs) {
        if (this.graph.get(toHex(t.txid))) continue;
        for (let index = 0; index < t.tx.outputs.length; index++) {
          const s = this.graph.spender({ txid: t.txid, index });
          if (s) this.removeSet(this.graph.withDescendants(s), 'reorg');
        }
      }
      const height = this.deps.chain.tipHeight() + 1;
      const { coinbaseMaturity } = this.deps.chain.params;
      for (const e of [...this.graph.values()]) {
        if (e.removed) continue;
        const immature = e.coinbaseHeight >= 0 && height - e.coinbaseHeight < coinbaseMaturity;
        const lockTime = e.t.tx.lockTime;
        if (immature || (lockTime !== 0 && lockTime >= height))
          this.removeSet(this.graph.withDescendants(e), 'reorg');
      }
    });
  }

  // ---- internals ----

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async acceptOne(t: TxWithId, mode: AcceptMode): Promise<AcceptResult> {
    for (;;) {
      const epoch = this.epoch;
      const res = await this.tryAccept(t, mode, () => epoch === this.epoch);
      if (res) return res;
    }
  }

  /**
   * One validation pass; returns undefined (nothing changed) if `current()` turns false across an
   * await, i.e. a block was connected meanwhile and the UTXO reads may be stale.
   */
  private async tryAccept(
    t: TxWithId,
    mode: AcceptMode,
    current: () => boolean,
  ): Promise<AcceptResult | undefined> {
    const { chain, verifier } = this.deps;
    const { params } = chain;
    const opts = this.options;
    const id = toHex(t.txid);
    checkStandalone(t, this.graph, params);

    const height = chain.tipHeight() + 1;
    const { coins, missing, coinbaseHeight } = await lookupInputs(t, this.graph, chain, height);
    if (!current()) return undefined;
    if (missing.length > 0) {
      const known = await isConfirmed(t, chain);
      if (!current()) return undefined;
      if (known) throw policyError('txn-already-known');
      const orphan = !mode.reorg && !mode.test && this.orphans.add(t, missing);
      throw new MempoolError({
        code: 'MEMPOOL_MISSING_INPUTS',
        reason: 'missing-inputs',
        level: 'context',
        parents: missing,
        orphan,
      });
    }
    const ancestors = checkChainLimits(t, this.graph, opts);

    const res: InputsResult = consensus(() =>
      checkTxInputs(
        t,
        { getCoin: (op) => coins.get(outpointKey(op.txid, op.index)) },
        height,
        params,
        'context',
      ),
    );
    const { fee } = res;
    const size = t.size;
    if (fee < opts.minFeeRate * BigInt(size)) {
      throw policyError('min relay fee not met', `${fee} < ${opts.minFeeRate * BigInt(size)}`);
    }
    if (!mode.reorg) this.checkRoom(fee, size, ancestors.size);

    const bad = await verifier.verifyBatch(res.sigChecks);
    if (!current()) return undefined;
    if (bad >= 0) {
      throw new MempoolError(
        { code: 'MEMPOOL_TX_INVALID', reason: 'bad-txns-sig', level: 'invalid' },
        `bad-txns-sig: signature of input ${bad} is invalid`,
      );
    }
    if (mode.test) return { txid: id, wtxid: toHex(t.wtxid), fee, size, feeRate: fee / BigInt(size) };

    const e = this.graph.add({
      t,
      id,
      wid: toHex(t.wtxid),
      fee,
      size,
      seq: this.seq++,
      time: this.deps.clock?.now() ?? Date.now(),
      height: height - 1,
      coinbaseHeight,
    });
    this.rev++;
    this.orphans.remove(id);
    this.adding = e;
    try {
      this.trim();
    } finally {
      this.adding = undefined;
    }
    if (e.removed)
      throw policyError('mempool full', 'evicted at once: its fee rate is too low for a full pool');
    const result: AcceptResult = { txid: id, wtxid: e.wid, fee, size, feeRate: fee / BigInt(size) };
    this.announce('tx', { ...result, tx: t });
    return result;
  }

  /** Rejects early, before signature checks, a transaction a full pool would evict at once. */
  private checkRoom(fee: bigint, size: number, ancestorCount: number): void {
    const opts = this.options;
    if (fee < this.evictionFloor * BigInt(size)) {
      throw policyError('mempool full', `fee rate below ${this.evictionFloor} after recent evictions`);
    }
    if (this.graph.bytes + size <= opts.maxSizeBytes) return;
    if (size > opts.maxSizeBytes)
      throw policyError('mempool full', `${size} bytes > pool size ${opts.maxSizeBytes}`);
    const low = this.graph.lowest();
    // With pooled ancestors the package may lift them (CPFP): decided by the trim after adding.
    if (low && ancestorCount === 0 && cmpRate(fee, size, low.fee, low.size) <= 0) {
      throw policyError('mempool full', 'fee rate not above the lowest in a full pool');
    }
  }

  /** Evicts the lowest descendant-score packages until the pool fits its budget. */
  private trim(): void {
    while (this.graph.bytes > this.options.maxSizeBytes) {
      const low = this.graph.lowest();
      if (!low) break;
      const floor = low.fee / BigInt(low.size) + 1n;
      if (floor > this.evictionFloor) this.evictionFloor = floor;
      this.removeSet(this.graph.withDescendants(low.e), 'evicted');
    }
  }

  private removeSet(set: ReadonlySet<PoolEntry>, reason: RemovalReason): void {
    if (set.size === 0) return;
    this.graph.remove(set);
    this.rev++;
    for (const e of set) {
      this.log.debug({ txid: e.id, reason }, 'removed from mempool');
      if (e !== this.adding) this.announce('removed', { txid: e.id, reason });
    }
  }

  /** Emits an event; a throwing listener is logged, never allowed to break the pool's state. */
  private announce<K extends keyof MempoolEvents>(name: K, ...args: MempoolEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: MempoolEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error({ event: name, err: describeErr(err) }, 'mempool event listener threw');
    }
  }

  /** Accepts orphans whose parents just became available, and theirs in turn. */
  private async acceptOrphansOf(parentIds: readonly string[]): Promise<void> {
    const queue = [...parentIds];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const t of this.orphans.takeChildren(id)) {
        try {
          const res = await this.acceptOne(t, { reorg: false });
          queue.push(res.txid);
        } catch (err) {
          this.log.debug({ txid: toHex(t.txid), err: describeErr(err) }, 'orphan not accepted');
        }
      }
    }
  }
}

function idOf(txid: Uint8Array | string): string {
  return typeof txid === 'string' ? txid.toLowerCase() : toHex(txid);
}

function describeErr(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function snapshot(e: PoolEntry): MempoolEntry {
  return {
    tx: e.t,
    txid: e.id,
    wtxid: e.wid,
    fee: e.fee,
    size: e.size,
    feeRate: e.fee / BigInt(e.size),
    time: e.time,
    height: e.height,
    ancestorCount: e.ancCount,
    ancestorSize: e.ancSize,
    ancestorFees: e.ancFee,
    descendantCount: e.descCount,
    descendantSize: e.descSize,
    descendantFees: e.descFee,
    depends: [...e.parents].map((p) => p.id),
    spentBy: [...e.children].map((c) => c.id),
  };
}
