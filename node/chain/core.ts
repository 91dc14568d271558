/**
 * The chain state machine: store a received block, connect / disconnect the tip, mark invalid
 * subtrees, and activate the heaviest chain (reorg). Every state change is ONE batch on the chain
 * database; the in-memory index and tip model are updated only after the batch is written, so a
 * crash at any point leaves a consistent database (at worst not on its best chain yet, which
 * `activateBestChain` fixes on the next start). Callers serialize access (Chain's mutex).
 */

import { performance } from 'node:perf_hooks';
import {
  type Block,
  type BlockWithIds,
  blockWeight,
  blockWithIds,
  type Coin,
  type CoinSource,
  CoinView,
  checkHeaderContext,
  equalBytes,
  type GrowthWindow,
  growthWindowOf,
  type ImprovementJob,
  type ImprovementResult,
  isLevelCheckHeight,
  type LevelState,
  levelStateAfter,
  type OutPoint,
  outpointKey,
  outpointMapKey,
  toHex,
  UtxoInvariantError,
  undoBlockOnView,
  VerdictError,
  type VerdictReason,
  validateBlockTransition,
  verifyImprovementJob,
  workFromBits,
} from '../../consensus/index.js';
import type { ChainBatch, ChainEntry } from '../db/index.js';
import type { Logger } from '../logger.js';
import { BlockIndex } from './blockIndex.js';
import { EarlyCoinRead, earlyCoinReadOf, readCoins, spentOutpoints } from './coins.js';
import { ChainError } from './errors.js';
import type { TypedEmitter } from './events.js';
import { headerContext } from './headerContext.js';
import type { ModelStore } from './models.js';
import type { ChainDeps, ChainEvents } from './types.js';

function corrupt(detail: string): ChainError {
  return new ChainError({ code: 'CHAIN_CORRUPT', detail });
}

export class ChainCore<M> {
  readonly index = new BlockIndex();
  /** Model after the best tip (always in memory). */
  tipModel!: M;
  /**
   * Blocks received in the current call (each passed checkBlockSanity before storeNew), so
   * connecting them needs no re-read, re-hash or second sanity check.
   */
  readonly recent = new Map<string, BlockWithIds>();
  /**
   * The store batch of a new block that extends the tip, not written yet: the next write (its
   * connect, normally) carries it, so a block costs one LevelDB write instead of two; the caller
   * writes what is left with flushPending() before it returns. Every write in here takes it first
   * (batch()), so the order of the changes on disk is unchanged, only some of them are merged into
   * one atomic batch.
   */
  private pending: ChainBatch | null = null;

  /**
   * Deferred writes (a run of blocks imported at once, Chain.processBlocks): every change of the
   * run goes into one batch, written by flushDeferred() as one atomic LevelDB write, instead of
   * one write per block. `coins` holds the coin changes of that batch, so that the run's later
   * blocks see the coins its earlier ones created and spent before they are on disk. The memory
   * state (index, tip) runs ahead of the disk until the flush; a crash before it leaves the disk
   * at the state before the run, which is consistent. A disconnect reads undo data from disk, so
   * it flushes first; so does a block with a model update (its checkpoint must be readable).
   */
  private deferred: {
    batch: ChainBatch;
    coins: Map<string, { op: OutPoint; coin: Coin | null }>;
    /** The tip on disk (what `visibleTip` shows until the batch is written). */
    written: ChainEntry;
    /** Events of the batch's changes, emitted once it is written. */
    events: Array<() => void>;
  } | null = null;
  /** A deferred write failed: the memory state is ahead of the disk, nothing more may be written. */
  private writeFailed: unknown = null;

  /**
   * Model updates verified in the current call (by storeNew, or by this node's miner: handed to
   * Chain.processBlock with its block): storeNew and connectTip do not score them again.
   */
  readonly verified = new Map<string, ImprovementResult<M>>();

  /** The coin read startCoinRead began for a block of the current call (at most one). */
  readonly early = new EarlyCoinRead();

  constructor(
    private readonly deps: ChainDeps<M>,
    readonly models: ModelStore<M>,
    private readonly events: TypedEmitter<ChainEvents>,
    private readonly log: Logger,
  ) {}

  /** A batch for a write: the deferred batch while deferring, else the pending store batch or a new one. */
  private batch(): ChainBatch {
    this.assertWritable();
    if (this.deferred) return this.deferred.batch;
    const b = this.pending ?? this.deps.db.batch();
    this.pending = null;
    return b;
  }

  /** Writes `batch` now, or leaves it to flushDeferred() when it is the deferred batch. */
  private async commit(batch: ChainBatch): Promise<void> {
    if (this.deferred?.batch === batch) return;
    await batch.write();
  }

  /** Writes the pending store batch, if any (after processing a block, whatever happened). */
  async flushPending(): Promise<void> {
    const b = this.pending;
    this.pending = null;
    if (b) await b.write();
  }

  private assertWritable(): void {
    if (this.writeFailed !== null)
      throw corrupt(`a deferred write failed earlier: ${String(this.writeFailed)}`);
  }

  /**
   * The best tip as others may see it: while a deferred batch is unwritten, the tip on disk, so
   * that no caller sees a tip whose coins are not on disk yet (its events wait as well).
   */
  get visibleTip(): ChainEntry {
    return this.deferred?.written ?? this.index.tip;
  }

  /** Emits a chain event now, or once the deferred batch holding its change is written. */
  private emit<K extends keyof ChainEvents & string>(event: K, payload: ChainEvents[K]): void {
    if (this.deferred) this.deferred.events.push(() => this.events.emit(event, payload));
    else this.events.emit(event, payload);
  }

  private newDeferred(): NonNullable<ChainCore<M>['deferred']> {
    return { batch: this.deps.db.batch(), coins: new Map(), written: this.index.tip, events: [] };
  }

  /** From now on, writes go into one deferred batch (see `deferred`) until flushDeferred(false). */
  beginDeferred(): void {
    this.assertWritable();
    if (this.pending) throw corrupt('deferring writes with a store batch pending');
    this.deferred ??= this.newDeferred();
  }

  /** Writes the deferred batch, then emits its events; stops deferring unless `keep`. */
  async flushDeferred(keep: boolean): Promise<void> {
    const d = this.deferred;
    if (!d) return;
    // `deferred` stays set until the write has landed: meanwhile visibleTip is still the tip on
    // disk (a caller polling the tip must not see the run's end before its coins are written)
    try {
      if (d.batch.length > 0) await d.batch.write();
    } catch (err) {
      this.writeFailed = err;
      this.deferred = null;
      throw err;
    }
    this.deferred = null;
    for (const emit of d.events) emit();
    if (keep) this.deferred = this.newDeferred();
  }

  /**
   * Checks a sane block against its (stored, not invalid) parent: header context and proof of
   * improvement (measured against the parent's model checkpoint), then stores it as unvalidated
   * with its fork-choice weight. An 'invalid' verdict is recorded in the index and rethrown.
   */
  async storeNew(b: BlockWithIds, parent: ChainEntry): Promise<ChainEntry> {
    await this.flushPending();
    const { params, evaluator } = this.deps;
    const header = b.block.header;
    let improvementPpm = 0;
    let gainPpm: readonly number[] = [];
    let grew = false;
    let model: M | null = null;
    try {
      checkHeaderContext(
        header,
        headerContext(this.index, parent, this.deps.clock(), this.deps.params),
        params,
      );
      if (b.block.update) {
        const parentModel = await this.models.get(parent.modelHash);
        const job: ImprovementJob<M> = {
          parent: parentModel,
          parentModelHash: parent.modelHash,
          update: b.block.update,
          headerModelHash: header.modelHash,
          blockHash: b.hash,
          levels: parent.levels.levels,
          growth: this.growthWindow(parent),
        };
        // verified already by this node's miner (Chain.processBlock's `improvement`), or now
        const imp =
          this.verified.get(toHex(b.hash)) ??
          (this.deps.improvement
            ? await this.deps.improvement.verify(job)
            : verifyImprovementJob(evaluator, job, params));
        improvementPpm = imp.improvementPpm;
        model = imp.model;
        this.verified.set(toHex(b.hash), imp);
        gainPpm = imp.gainPpm;
        grew = b.block.update.grow !== null;
      } else if (!equalBytes(header.modelHash, parent.modelHash)) {
        throw new VerdictError('bad-model-hash', 'block without an update must keep the parent model hash');
      }
    } catch (e) {
      if (e instanceof VerdictError && e.level === 'invalid') await this.storeInvalid(b, parent, e.reason);
      throw e;
    }
    const work = workFromBits(header.bits);
    const levels = await this.levelsAfter(parent, b.hash, header.modelHash, model);
    const entry: ChainEntry = {
      hash: b.hash,
      prevHash: header.prevHash,
      height: parent.height + 1,
      time: header.time,
      bits: header.bits,
      modelHash: header.modelHash,
      work,
      weight: parent.weight + blockWeight(work, improvementPpm, params),
      improvementPpm,
      issuedAfter: 0n,
      seq: this.index.takeSeq(),
      status: 'unvalidated',
      size: b.size,
      invalidReason: null,
      levels,
      gainPpm,
      grew,
      owed: [],
    };
    const batch = this.batch().putBlock(b.hash, b.bytes).putEntry(entry);
    if (model !== null) batch.putModel(header.modelHash, evaluator.encodeModel(model));
    // A child of the tip is about to be connected: its connect write carries this one.
    if (!this.deferred && equalBytes(parent.hash, this.index.tip.hash)) this.pending = batch;
    else await this.commit(batch);
    this.index.add(entry);
    if (model !== null) this.models.remember(header.modelHash, model);
    this.recent.set(toHex(b.hash), b);
    return entry;
  }

  /**
   * The capacity-growth window up to `parent` (consensus poi/growth.ts): the last
   * growthStallBlocks blocks, their per-domain gains summed, and how many of them came after the
   * last growth block (or genesis).
   */
  growthWindow(parent: ChainEntry): GrowthWindow {
    const index = this.index;
    function* back(): Generator<ChainEntry> {
      for (let e = parent; e.height > 0; e = index.parentOf(e)) yield e;
    }
    return growthWindowOf(back(), this.deps.evaluator.domains, this.deps.params);
  }

  /** Level state after a child of `parent` (consensus poi/levels.ts). */
  private async levelsAfter(
    parent: ChainEntry,
    hash: Uint8Array,
    modelHash: Uint8Array,
    model: M | null,
  ): Promise<LevelState> {
    const { params, evaluator } = this.deps;
    const height = parent.height + 1;
    const m = isLevelCheckHeight(height, params) ? (model ?? (await this.models.get(modelHash))) : null;
    return levelStateAfter(evaluator, parent.levels, height, hash, () => m as M, params);
  }

  /** Records a block (whose PoW is valid) as invalid without storing its bytes. */
  async storeInvalid(b: BlockWithIds, parent: ChainEntry, reason: VerdictReason): Promise<void> {
    const header = b.block.header;
    const work = workFromBits(header.bits);
    const entry: ChainEntry = {
      hash: b.hash,
      prevHash: header.prevHash,
      height: parent.height + 1,
      time: header.time,
      bits: header.bits,
      modelHash: header.modelHash,
      work,
      weight: parent.weight + work,
      improvementPpm: 0,
      issuedAfter: 0n,
      seq: this.index.takeSeq(),
      status: 'invalid',
      size: b.size,
      invalidReason: reason,
      levels: parent.levels,
      gainPpm: [],
      grew: false,
      owed: [],
    };
    await this.commit(this.batch().putEntry(entry));
    this.index.add(entry);
  }

  /** Marks `e` and all its descendants invalid (one batch) and drops their block bytes. */
  async markInvalid(e: ChainEntry, reason: VerdictReason): Promise<void> {
    const all = [e, ...this.index.descendants(e)].filter((x) => x.status !== 'invalid');
    if (all.some((x) => x.status === 'valid-connected')) throw corrupt('marking a best-chain block invalid');
    const updated = all.map((x): ChainEntry => ({ ...x, status: 'invalid', invalidReason: reason }));
    const batch = this.batch();
    for (const x of updated) batch.putEntry(x).delBlock(x.hash);
    await this.commit(batch);
    for (const x of updated) this.index.update(x);
    this.log.warn(
      { hash: toHex(e.hash), height: e.height, reason, descendants: all.length - 1 },
      'block marked invalid',
    );
  }

  /**
   * The block of `e`, and whether it passed checkBlockSanity in this process (a block stored by
   * the current processBlock call, held in `recent`; one read back from the database did not).
   */
  private async loadBlock(e: ChainEntry): Promise<{ b: BlockWithIds; sane: boolean }> {
    const hex = toHex(e.hash);
    const hit = this.recent.get(hex);
    if (hit) return { b: hit, sane: true };
    const block = await this.deps.db.getBlock(e.hash);
    if (!block) throw corrupt(`block bytes of ${hex} missing`);
    const b = blockWithIds(block);
    if (!equalBytes(b.hash, e.hash)) throw corrupt(`stored block ${hex} hashes to ${toHex(b.hash)}`);
    return { b, sane: false };
  }

  /**
   * Starts reading the coins `block` spends when it may be worth it (earlyCoinReadOf): the
   * database reads them while this thread hashes and checks the block, and its connect takes them
   * (EarlyCoinRead says when it may).
   */
  startCoinRead(block: Block): void {
    const tip = this.index.tip;
    const read = earlyCoinReadOf(block, this.index, this.deps.clock(), this.deps.params);
    if (read) this.early.start(read.hash, tip.hash, this.deps.db.writeStats().writes, this.source(read.ops));
  }

  /** A coin view over the coins `b` spends from before it (prefetched: the check itself is sync). */
  private async prefetchView(b: BlockWithIds): Promise<CoinView> {
    const early = this.early.take(b.hash, this.index.tip.hash, this.deps.db.writeStats().writes);
    return new CoinView(await (early ?? this.source(spentOutpoints(b))));
  }

  /** The coins `ops` name, as of the tip: the deferred batch's changes, else the database. */
  private source(ops: OutPoint[]): Promise<CoinSource> {
    return readCoins(this.deps.db, this.deferred?.coins, ops);
  }

  private writeCoins(batch: ChainBatch, view: CoinView): void {
    const unwritten = this.deferred?.batch === batch ? this.deferred.coins : undefined;
    for (const { op, coin } of view.entries()) {
      if (coin) batch.putCoin(op, coin);
      else batch.delCoin(op);
      unwritten?.set(outpointMapKey(op.txid, op.index), { op, coin });
    }
  }

  /** Fully validates the block of `e` (a child of the tip) and connects it. Throws VerdictError. */
  async connectTip(e: ChainEntry): Promise<ChainEntry> {
    const { params, evaluator, verifier } = this.deps;
    const parent = this.index.tip;
    if (!equalBytes(e.prevHash, parent.hash)) throw corrupt('connectTip: block does not extend the tip');
    const started = performance.now();
    const { b, sane } = await this.loadBlock(e);
    const view = await this.prefetchView(b);
    const tipModel = this.tipModel;
    const known = this.verified.get(toHex(e.hash));
    const validating = performance.now();
    const res = await validateBlockTransition(
      b,
      {
        height: parent.height,
        modelHash: parent.modelHash,
        model: () => tipModel,
        issued: parent.issuedAfter,
        levels: parent.levels.levels,
        // only an update that is not verified yet reads the window (a walk of growthStallBlocks
        // entries: most of a small block's connect when done for every block)
        growth: b.block.update && !known ? this.growthWindow(parent) : null,
        owed: parent.owed,
      },
      headerContext(this.index, parent, this.deps.clock(), this.deps.params),
      view,
      { params, evaluator, verifier },
      { ...(known ? { improvement: known } : {}), sane },
    );
    const validateMs = performance.now() - validating;
    const ppm = res.improvement?.improvementPpm ?? 0;
    if (ppm !== e.improvementPpm)
      throw corrupt(`improvement of ${toHex(e.hash)} re-measured ${ppm} != ${e.improvementPpm}`);
    const connected: ChainEntry = {
      ...e,
      status: 'valid-connected',
      issuedAfter: res.connect.issuedAfter,
      owed: res.connect.owedNext,
    };
    const batch = this.batch();
    this.writeCoins(batch, view);
    batch
      .putUndo(e.hash, res.connect.undo)
      .putEntry(connected)
      .putHeight(e.height, e.hash)
      .putChainState({ tipHash: e.hash, height: e.height, issued: connected.issuedAfter, weight: e.weight });
    if (res.improvement) batch.putModel(e.modelHash, evaluator.encodeModel(res.improvement.model));
    await this.commit(batch);
    // a model checkpoint must be readable from disk once it is the tip's (model sync, restarts)
    if (res.improvement && this.deferred) await this.flushDeferred(true);
    this.index.update(connected);
    this.index.pushMain(connected);
    if (res.improvement) {
      this.tipModel = res.improvement.model;
      this.models.remember(e.modelHash, res.improvement.model);
    }
    this.log.debug({ height: e.height, hash: toHex(e.hash), txs: b.txs.length }, 'block connected');
    const timing = { validateMs, connectMs: performance.now() - started };
    this.emit('block', { block: b, entry: connected, timing });
    return connected;
  }

  /** Disconnects the best tip: restores the coins it spent from its undo data, moves the pointer back. */
  async disconnectTip(): Promise<ChainEntry> {
    const e = this.index.tip;
    if (e.height === 0) throw corrupt('cannot disconnect genesis');
    // its undo data and coins are read from disk
    if (this.deferred) await this.flushDeferred(true);
    const parent = this.index.parentOf(e);
    const { b } = await this.loadBlock(e);
    const undo = await this.deps.db.getUndo(e.hash);
    if (!undo) throw corrupt(`undo data of ${toHex(e.hash)} missing`);
    const created: OutPoint[] = [];
    const inBlockSpent = new Set<string>();
    for (const t of b.txs) {
      for (let index = 0; index < t.tx.outputs.length; index++) created.push({ txid: t.txid, index });
      for (const i of t.tx.inputs) inBlockSpent.add(outpointKey(i.prevout.txid, i.prevout.index));
    }
    const source = await this.source(created);
    for (const op of created) {
      if (!source.getCoin(op) && !inBlockSpent.has(outpointKey(op.txid, op.index))) {
        throw corrupt(
          `output ${outpointKey(op.txid, op.index)} of tip ${toHex(e.hash)} missing from the UTXO set`,
        );
      }
    }
    const view = new CoinView(source);
    try {
      undoBlockOnView(view, b, undo);
    } catch (err) {
      if (err instanceof UtxoInvariantError) throw corrupt(`undo data of ${toHex(e.hash)}: ${err.message}`);
      throw err;
    }
    // Load the parent's model before writing, so a missing checkpoint changes nothing.
    const parentModel = equalBytes(parent.modelHash, e.modelHash)
      ? this.tipModel
      : await this.models.get(parent.modelHash);
    const side: ChainEntry = { ...e, status: 'valid-side' };
    const batch = this.batch();
    this.writeCoins(batch, view);
    batch.delUndo(e.hash).putEntry(side).delHeight(e.height).putChainState({
      tipHash: parent.hash,
      height: parent.height,
      issued: parent.issuedAfter,
      weight: parent.weight,
    });
    await this.commit(batch);
    this.index.update(side);
    this.index.popMain();
    this.tipModel = parentModel;
    this.log.debug({ height: e.height, hash: toHex(e.hash) }, 'block disconnected');
    this.emit('disconnect', { block: b, entry: side });
    return side;
  }

  /**
   * Moves the best chain to the heaviest candidate, repeatedly, until the tip is the best
   * candidate. Returns how many blocks were disconnected. Emits 'tip' once if the tip changed.
   */
  async activateBestChain(): Promise<number> {
    const start = this.index.tip;
    let disconnected = 0;
    try {
      for (;;) {
        const best = this.index.bestCandidate();
        const tip = this.index.tip;
        if (equalBytes(best.hash, tip.hash) || best.weight < tip.weight) break;
        disconnected += await this.reorganize(best);
      }
    } finally {
      const tip = this.index.tip;
      if (!equalBytes(tip.hash, start.hash)) this.emit('tip', tip);
    }
    return disconnected;
  }

  /**
   * Disconnects to the fork point with `target`'s branch and connects that branch. If a block of
   * it is invalid, marks it (and its descendants) invalid and reconnects the old chain.
   */
  private async reorganize(target: ChainEntry): Promise<number> {
    const fork = this.index.forkPoint(target);
    const oldBranch = this.index.mainFrom(fork.height + 1);
    const newBranch = this.index.pathFrom(fork, target);
    let disconnected = await this.rewindTo(fork);
    for (const step of newBranch) {
      const e = this.index.get(step.hash)!;
      try {
        await this.connectTip(e);
      } catch (err) {
        if (!(err instanceof VerdictError)) throw err;
        if (err.level === 'invalid') await this.markInvalid(e, err.reason);
        this.log.warn(
          { hash: toHex(e.hash), height: e.height, reason: err.reason, restoring: oldBranch.length },
          'invalid block in the new branch, restoring the old chain',
        );
        disconnected += await this.restore(fork, oldBranch);
        if (err.level !== 'invalid') throw err; // not decidable now: stop, retry on a later activation
        return disconnected;
      }
    }
    if (oldBranch.length > 0) {
      this.emit('reorg', {
        forkHeight: fork.height,
        disconnected: oldBranch.length,
        connected: newBranch.length,
        tip: this.index.tip,
      });
      this.log.info(
        {
          fork: fork.height,
          disconnected: oldBranch.length,
          connected: newBranch.length,
          tip: toHex(target.hash),
        },
        'chain reorganized',
      );
    }
    return disconnected;
  }

  /** Back to `fork`, then reconnect `oldBranch`. */
  private async restore(fork: ChainEntry, oldBranch: readonly ChainEntry[]): Promise<number> {
    const disconnected = await this.rewindTo(fork);
    for (const old of oldBranch) {
      const e = this.index.get(old.hash)!;
      try {
        await this.connectTip(e);
      } catch (err) {
        if (!(err instanceof VerdictError) || err.level !== 'invalid') throw err;
        await this.markInvalid(e, err.reason);
        break;
      }
    }
    return disconnected;
  }

  /** Disconnects tip blocks until `fork` is the tip; returns how many. */
  private async rewindTo(fork: ChainEntry): Promise<number> {
    let disconnected = 0;
    while (!equalBytes(this.index.tip.hash, fork.hash)) {
      await this.disconnectTip();
      disconnected++;
    }
    return disconnected;
  }
}
