/**
 * The Chain service: stores blocks in the chain database, keeps the header index and the best
 * chain (greatest cumulative weight = work scaled by verified improvement; a tie goes to the tip
 * every node picks, consensus tieWinner), connects / disconnects / reorganizes with full
 * consensus validation, and keeps the tip model in memory. Typed events: 'block', 'disconnect',
 * 'tip'.
 */
import {
  type Block,
  type BlockWithIds,
  blockWithIds,
  type Coin,
  checkBlockSanity,
  equalBytes,
  type GrowthWindow,
  genesisBlock,
  type Hash,
  headerHash,
  type ImprovementResult,
  type NetworkParams,
  type OutPoint,
  toHex,
  type UndoData,
  VerdictError,
  type VerdictReason,
} from '../../consensus/index.js';
import { type ChainEntry, DB_VERSION, DbError } from '../db/index.js';
import type { Logger } from '../logger.js';
import { ChainCore } from './core.js';
import { EarlyRelay } from './earlyRelay.js';
import { ChainError } from './errors.js';
import { TypedEmitter } from './events.js';
import { genesisEntry } from './genesis.js';
import { headerContext } from './headerContext.js';
import { ModelStore } from './models.js';
import { Mutex } from './mutex.js';
import { type ChainOptions, resolveChainOptions } from './options.js';
import { OrphanPool } from './orphans.js';
import type { ChainDeps, ChainEvents, NextBlockContext, ProcessResult, VerifyReport } from './types.js';
import { type UtxoStats, utxoStatsOf } from './utxoStats.js';
import { verifyStoredChain } from './verify.js';

export class Chain<M = unknown> {
  readonly params: NetworkParams;
  readonly options: ChainOptions;
  private readonly deps: ChainDeps<M>;
  private readonly log: Logger;
  private readonly emitter: TypedEmitter<ChainEvents>;
  private core: ChainCore<M>;
  private readonly orphans: OrphanPool;
  private readonly lock = new Mutex();
  private started = false;
  private readonly earlyRelay: EarlyRelay;
  /** processBlock / processBlocks calls not finished (running or waiting for the lock). */
  private inFlight = 0;

  constructor(opts: Partial<ChainOptions>, deps: ChainDeps<M>) {
    this.options = resolveChainOptions(opts);
    this.deps = deps;
    this.params = deps.params;
    this.log = deps.logger.child({ module: 'chain' });
    this.emitter = new TypedEmitter<ChainEvents>((event, err) =>
      this.log.error({ event, err }, 'chain event listener failed'),
    );
    this.core = this.newCore();
    this.orphans = new OrphanPool(this.options);
    this.earlyRelay = new EarlyRelay(this.params, deps.evaluator.maxLevels.length > 0);
  }

  private newCore(): ChainCore<M> {
    const { deps } = this;
    return new ChainCore(
      deps,
      new ModelStore(deps.db, deps.evaluator, this.options.modelCacheSize),
      this.emitter,
      this.log,
    );
  }

  // ---- events ----

  on<K extends keyof ChainEvents & string>(event: K, listener: (payload: ChainEvents[K]) => unknown): this {
    this.emitter.on(event, listener);
    return this;
  }

  once<K extends keyof ChainEvents & string>(event: K, listener: (payload: ChainEvents[K]) => unknown): this {
    this.emitter.once(event, listener);
    return this;
  }

  off<K extends keyof ChainEvents & string>(event: K, listener: (payload: ChainEvents[K]) => unknown): this {
    this.emitter.off(event, listener);
    return this;
  }

  // ---- lifecycle ----

  /**
   * Opens the database if needed; on a fresh database writes genesis, otherwise loads the index,
   * the best-chain pointer and the tip model; then activates the best stored chain (completes a
   * reorg interrupted by a crash).
   */
  async start(): Promise<void> {
    if (this.started) return;
    const { db, params, evaluator } = this.deps;
    const initialHash = evaluator.modelHash(evaluator.initialModel());
    if (!equalBytes(initialHash, params.genesis.modelHash)) {
      throw new ChainError({
        code: 'CHAIN_GENESIS_MISMATCH',
        detail: `evaluator's initial model hashes to ${toHex(initialHash)}, ${params.name} genesis commits to ${toHex(params.genesis.modelHash)}`,
      });
    }
    const genesis = genesisBlock(params);
    if (toHex(genesis.hash) !== params.genesis.hash) {
      throw new ChainError({
        code: 'CHAIN_GENESIS_MISMATCH',
        detail: `genesis block hashes to ${toHex(genesis.hash)}, params say ${params.genesis.hash}`,
      });
    }
    await db.open();
    await this.lock.run(async () => {
      this.core = this.newCore(); // a fresh in-memory index on every start (restart after stop)
      const version = await db.getVersion();
      if (!version) {
        if (!(await db.isEmpty()))
          throw new ChainError({ code: 'CHAIN_CORRUPT', detail: 'database has data but no version' });
        await this.writeGenesis(genesis);
      } else if (version.version !== DB_VERSION) {
        throw new DbError({ code: 'DB_VERSION', found: version.version, expected: DB_VERSION });
      } else if (version.magic !== params.magic) {
        throw new DbError({
          code: 'DB_WRONG_NETWORK',
          foundMagic: version.magic,
          expectedMagic: params.magic,
        });
      }
      const state = await db.getChainState();
      if (!state) throw new ChainError({ code: 'CHAIN_CORRUPT', detail: 'no best-chain pointer' });
      const entries: ChainEntry[] = [];
      for await (const e of db.entries()) entries.push(e);
      this.core.index.load(entries, state.tipHash);
      const g = this.core.index.atHeight(0);
      if (!g || !equalBytes(g.hash, genesis.hash)) {
        throw new ChainError({
          code: 'CHAIN_GENESIS_MISMATCH',
          detail: 'stored chain has another genesis block',
        });
      }
      const tip = this.core.index.tip;
      const atTip = await db.getHashByHeight(tip.height);
      if (!atTip || !equalBytes(atTip, tip.hash) || state.height !== tip.height) {
        throw new ChainError({
          code: 'CHAIN_CORRUPT',
          detail: 'height index disagrees with the best-chain pointer',
        });
      }
      this.core.tipModel = await this.core.models.get(tip.modelHash);
      const disconnected = await this.activate();
      this.started = true;
      const now = this.core.index.tip;
      this.log.info(
        {
          height: now.height,
          hash: toHex(now.hash),
          entries: entries.length,
          recovered: !equalBytes(now.hash, tip.hash),
          disconnected,
        },
        'chain loaded',
      );
    });
  }

  /** Waits for the operation in progress and stops accepting blocks. Does not close the database. */
  async stop(): Promise<void> {
    await this.lock.run(async () => {
      this.started = false;
      this.orphans.clear();
    });
  }

  private async writeGenesis(genesis: BlockWithIds): Promise<void> {
    const { db, params, evaluator } = this.deps;
    const entry = genesisEntry(genesis, params, evaluator.maxLevels.length);
    // The genesis coinbase is not added to the UTXO set: issuance starts at height 1.
    await db
      .batch()
      .putVersion({ version: DB_VERSION, magic: params.magic })
      .putBlock(genesis.hash, genesis.bytes)
      .putEntry(entry)
      .putHeight(0, genesis.hash)
      .putChainState({ tipHash: genesis.hash, height: 0, issued: 0n, weight: entry.weight })
      .putModel(entry.modelHash, evaluator.encodeModel(evaluator.initialModel()))
      .write();
    this.log.info({ network: params.name, hash: toHex(genesis.hash) }, 'genesis written');
  }

  private ensureStarted(): void {
    if (!this.started) throw new ChainError({ code: 'CHAIN_NOT_STARTED' });
  }

  // ---- blocks ----

  /**
   * Validates and stores a block, then moves the best chain if it is now heavier. Throws the
   * consensus VerdictError for an invalid block (recorded in the index when its PoW is valid, so
   * it and its descendants are rejected at once next time). Orphans waiting for this block are
   * processed afterwards. `improvement`: this node's own verification of the block's model update
   * (its miner's check of the found block, made with the block's parent as the tip), which is then
   * not repeated: each update block is scored once per node.
   */
  async processBlock(
    block: Block,
    source?: string,
    opts?: { readonly improvement?: ImprovementResult<M> },
  ): Promise<ProcessResult> {
    this.ensureStarted();
    this.inFlight++;
    try {
      return await this.lock.run(() => this.processLocked(block, source, opts));
    } finally {
      this.inFlight--;
    }
  }

  private async processLocked(
    block: Block,
    source: string | undefined,
    opts: { readonly improvement?: ImprovementResult<M> } | undefined,
  ): Promise<ProcessResult> {
    this.ensureStarted();
    try {
      // trusted as this node's own work, when it commits to the model the header names
      const own = opts?.improvement;
      if (own && block.update && equalBytes(own.modelHash, block.header.modelHash)) {
        this.core.verified.set(toHex(headerHash(block.header)), own);
      }
      const outcome = await this.acceptWithOrphans(block, source);
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    } finally {
      this.endCall();
      if (this.earlyRelay.size > 0) this.earlyRelay.handled(toHex(headerHash(block.header)));
    }
  }

  /**
   * processBlock for a run of blocks (initial sync hands over each batch it downloads), in order,
   * with every change of the run written as one atomic LevelDB batch at its end instead of one
   * write per block (ChainCore's deferred writes). Stops at the first block that throws (the run
   * before it is written, then its error is thrown) and after the first orphan (the results end
   * with it). Its blocks become the tip one by one in memory (events as processBlock's); on disk
   * the tip moves to the run's end in one step, so a crash during the run leaves the database at
   * the tip before it.
   */
  async processBlocks(blocks: readonly Block[], source?: string): Promise<ProcessResult[]> {
    this.ensureStarted();
    this.inFlight++;
    try {
      return await this.lock.run(() => this.processRunLocked(blocks, source));
    } finally {
      this.inFlight--;
    }
  }

  private async processRunLocked(
    blocks: readonly Block[],
    source: string | undefined,
  ): Promise<ProcessResult[]> {
    this.ensureStarted();
    const results: ProcessResult[] = [];
    this.core.beginDeferred();
    let failure: { error: unknown } | null = null;
    try {
      for (const block of blocks) {
        const outcome = await this.acceptWithOrphans(block, source);
        if ('error' in outcome) {
          failure = outcome;
          break;
        }
        results.push(outcome.result);
        // the rest of the run descends from the orphan: orphans too, not worth the pool's room
        if (outcome.result.status === 'orphan') break;
      }
    } finally {
      try {
        await this.core.flushDeferred(false);
      } finally {
        this.endCall();
      }
    }
    if (failure) throw failure.error;
    return results;
  }

  /** Accepts one block, then the orphans that were waiting for it; a thrown error is returned. */
  private async acceptWithOrphans(
    block: Block,
    source: string | undefined,
  ): Promise<{ result: ProcessResult } | { error: unknown }> {
    this.core.startCoinRead(block); // the database reads its coins while this thread hashes and checks it
    const b = blockWithIds(block);
    let outcome: { result: ProcessResult } | { error: unknown };
    try {
      outcome = { result: await this.accept(b, source) };
    } catch (error) {
      outcome = { error };
    }
    if (this.core.index.get(b.hash)) await this.processOrphans(b.hash);
    return outcome;
  }

  /** What one call keeps only for its own duration (its blocks and their verified updates). */
  private endCall(): void {
    this.core.recent.clear();
    this.core.verified.clear();
    this.core.early.clear();
  }

  private async accept(b: BlockWithIds, source: string | undefined): Promise<ProcessResult> {
    const { index } = this.core;
    const hex = toHex(b.hash);
    const known = index.get(b.hash);
    if (known) {
      if (known.status === 'invalid') {
        throw new VerdictError(reasonOf(known), `block ${hex} is known to be invalid`);
      }
      return { status: 'duplicate', hash: b.hash, height: known.height };
    }
    if (this.orphans.has(hex)) return { status: 'duplicate', hash: b.hash };
    // Context-free checks first: nothing is stored for a block that fails them.
    checkBlockSanity(b, this.params);
    const parent = index.get(b.block.header.prevHash);
    if (!parent) {
      const evicted = this.orphans.add(b, source, this.deps.clock());
      this.log.debug(
        { hash: hex, source, orphans: this.orphans.size, evicted: evicted.length },
        'orphan block',
      );
      return { status: 'orphan', hash: b.hash };
    }
    if (parent.status === 'invalid') {
      const reason = reasonOf(parent);
      await this.core.storeInvalid(b, parent, reason);
      throw new VerdictError(reason, `block ${hex} descends from invalid block ${toHex(parent.hash)}`);
    }
    const entry = await this.core.storeNew(b, parent);
    let disconnected: number;
    try {
      // A tie in weight may win too (the tie-break does not favour the tip).
      disconnected = entry.weight >= index.tip.weight ? await this.activate() : 0;
    } finally {
      // The block's store write rides on its connect; when nothing was written, it goes alone.
      await this.core.flushPending();
    }
    const now = index.get(b.hash)!;
    if (now.status === 'invalid') {
      throw new VerdictError(reasonOf(now), `block ${hex} is invalid or descends from an invalid block`);
    }
    if (now.status === 'valid-connected') {
      return { status: disconnected > 0 ? 'reorganized' : 'connected', hash: b.hash, height: now.height };
    }
    this.log.debug({ hash: hex, height: now.height, source }, 'side-branch block stored');
    return { status: 'side', hash: b.hash, height: now.height };
  }

  /**
   * Activates the best stored chain. A block of it that cannot be judged yet (a 'context' verdict,
   * e.g. too far in the future after the clock went back) leaves the current chain in place; the
   * next activation (next better block, or restart) tries again.
   */
  private async activate(): Promise<number> {
    try {
      return await this.core.activateBestChain();
    } catch (e) {
      if (!(e instanceof VerdictError)) throw e;
      this.log.warn({ reason: e.reason, err: e }, 'best chain not activated yet');
      return 0;
    }
  }

  /** Processes the orphans that were waiting for `parent` (and theirs, recursively). */
  private async processOrphans(parent: Hash): Promise<void> {
    const queue = [toHex(parent)];
    while (queue.length > 0) {
      for (const o of this.orphans.takeChildren(queue.shift()!)) {
        try {
          const r = await this.accept(o.block, o.source);
          this.log.debug({ hash: toHex(o.block.hash), status: r.status }, 'orphan processed');
        } catch (err) {
          this.log.info({ hash: toHex(o.block.hash), source: o.source, err }, 'orphan block rejected');
        }
        if (this.core.index.get(o.block.hash)) queue.push(toHex(o.block.hash));
      }
    }
  }

  // ---- reads ----

  /**
   * The best tip. While processBlocks has a run not yet on disk, the tip before the run: a caller
   * that reads the database after seeing the tip finds its coins there (the run's events wait too).
   */
  get tip(): ChainEntry {
    this.ensureStarted();
    return this.core.visibleTip;
  }

  tipHeight(): number {
    return this.tip.height;
  }

  getEntry(hash: Hash): ChainEntry | undefined {
    return this.core.index.get(hash);
  }

  /** Entry of the best chain at `height`. */
  getEntryByHeight(height: number): ChainEntry | undefined {
    return this.core.index.atHeight(height);
  }

  /**
   * The last best-chain block that `hash` descends from (the block itself when it is on the best
   * chain), for any stored entry, invalid ones included; undefined when `hash` is not stored.
   */
  forkPoint(hash: Hash): ChainEntry | undefined {
    const e = this.core.index.get(hash);
    return e && this.core.index.forkPoint(e);
  }

  isOnBestChain(hash: Hash): boolean {
    const e = this.core.index.get(hash);
    return e !== undefined && this.core.index.isMain(e);
  }

  /** A stored block (any branch, not invalid ones). */
  async getBlock(hash: Hash): Promise<Block | undefined> {
    // a block of a run processBlocks is importing may not be on disk yet (nor deleted, if invalid)
    const recent = this.core.recent.get(toHex(hash));
    if (recent && this.core.index.get(hash)?.status !== 'invalid') return recent.block;
    return this.deps.db.getBlock(hash);
  }

  /** Unspent coin of the best chain's UTXO set. */
  async getCoin(op: OutPoint): Promise<Coin | undefined> {
    return this.deps.db.getCoin(op);
  }

  /** The coins a stored block spent, in input order (undo data; best-chain blocks but genesis). */
  async getUndo(hash: Hash): Promise<UndoData | undefined> {
    return this.deps.db.getUndo(hash);
  }

  /**
   * The tips of every branch in the block index (entries nothing builds on, invalid ones included)
   * and, always, the best tip, even when an invalid block builds on it (as Bitcoin Core's
   * getchaintips).
   */
  chainTips(): ChainEntry[] {
    this.ensureStarted();
    const { index } = this.core;
    const tips = index.tips();
    if (!tips.some((e) => equalBytes(e.hash, index.tip.hash))) tips.push(index.tip);
    return tips;
  }

  /**
   * Statistics of the best chain's UTXO set, and the tip they are of. The database scan opens
   * under the chain lock, so it reads that tip's coins (a LevelDB iterator reads from the snapshot
   * taken when it opens, as Bitcoin Core's coins cursor does), then runs without holding up blocks.
   */
  async utxoStats(opts: { readonly hash: boolean }): Promise<{ tip: ChainEntry; stats: UtxoStats }> {
    this.ensureStarted();
    const coins = this.deps.db.coins();
    const { tip, first } = await this.lock.run(async () => ({ tip: this.tip, first: await coins.next() }));
    return { tip, stats: await utxoStatsOf(resume(first, coins), opts) };
  }

  /** The capacity-growth window up to the tip (consensus poi/growth.ts). */
  growthWindow(): GrowthWindow {
    this.ensureStarted();
    return this.core.growthWindow(this.core.index.tip);
  }

  /** The model after the best tip. */
  getTipModel(): M {
    this.ensureStarted();
    return this.core.tipModel;
  }

  /** A stored model checkpoint by model hash (any branch), or undefined. */
  async getModel(modelHash: Hash): Promise<M | undefined> {
    return this.core.models.find(modelHash);
  }

  get orphanCount(): number {
    return this.orphans.size;
  }

  /** True when `block` may be relayed before it is validated (p2p gossip; earlyRelay.ts). */
  relayBeforeValidation(block: Block): boolean {
    if (!this.started) return false;
    return this.earlyRelay.admit(block, {
      index: this.core.index,
      tip: this.tip,
      now: this.deps.clock(),
      busy: this.inFlight > 0,
      orphaned: (hex) => this.orphans.has(hex),
    });
  }

  /** Context for a block template on top of the best tip. */
  nextBlockContext(now: number): NextBlockContext {
    const tip = this.tip;
    const ctx = headerContext(this.core.index, tip, now, this.params);
    return {
      height: tip.height + 1,
      prevHash: tip.hash,
      bits: ctx.expectedBits,
      medianTimePast: ctx.medianTimePast,
      issued: tip.issuedAfter,
      modelHash: tip.modelHash,
      now,
      owed: tip.owed,
    };
  }

  /** Block locator of the best chain: the last 10 hashes, then exponentially sparser, then genesis. */
  getLocator(): Hash[] {
    const tip = this.tip;
    const out: Hash[] = [];
    let step = 1;
    for (let h = tip.height; h > 0; h -= step) {
      out.push(this.core.index.atHeight(h)!.hash);
      if (out.length >= 10) step *= 2;
    }
    out.push(this.core.index.atHeight(0)!.hash);
    return out;
  }

  /**
   * Re-validates the stored best chain from genesis with full consensus into a fresh in-memory
   * UTXO set and compares everything stored (index, undo data, coins, chain state, tip model).
   * Throws ChainError CHAIN_VERIFY_MISMATCH when they differ.
   */
  async verifyChain(): Promise<VerifyReport> {
    this.ensureStarted();
    return this.lock.run(() => verifyStoredChain(this.deps));
  }
}

/** The rest of an iteration whose first step was taken already; closes `rest` when done. */
async function* resume<T>(first: IteratorResult<T>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    for (let r = first; !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return(undefined);
  }
}

/** The stored reason of an invalid entry. */
function reasonOf(e: ChainEntry): VerdictReason {
  if (!e.invalidReason)
    throw new ChainError({
      code: 'CHAIN_CORRUPT',
      detail: `invalid entry ${toHex(e.hash)} without a reason`,
    });
  return e.invalidReason;
}
