/**
 * The block producer. `start()` runs a loop: build a template on the current tip, search nonces on
 * worker threads, hand a found block to the chain (`processBlock`, the same validation path as a
 * block from a peer), repeat. A search stops as soon as the tip changes (`onTip()`, called by the
 * composition root on the chain's 'tip' event), when the pool changed and the template is older
 * than `templateRefreshMs`, when it carries no model update, new deltas were pooled and it is older
 * than `updateRefreshMs`, or when its nonce range is exhausted (then the time is bumped).
 * `generate()` mines blocks one after the other inline, for RPC generatetoaddress on devnet. Both
 * grind nonces with grinder.ts (WASM SIMD when built, else node:crypto), in batches of a few ms.
 *
 * A found block can lose the race for the tip: another block on the same parent (the background
 * loop's, a peer's) was connected first and ours is kept as a side branch ('side'), or a
 * concurrent generatetoaddress call built the very same block and submitted it first
 * ('duplicate'). That is a normal race, not a failure: the loop logs it and builds on the new tip;
 * `generate` retries on the new tip up to GENERATE_RACE_RETRIES times per block, then reports
 * MINER_TIP_RACE with what it did mine.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import {
  encodeHeader,
  equalBytes,
  headerHash,
  type ImprovementResult,
  toHex,
} from '../../consensus/index.js';
import type { Logger } from '../logger.js';
import { MinerError } from './errors.js';
import { createGrinder, type Grinder, type PowEngine, searchInline } from './grinder.js';
import { HashRateMeter } from './hashRate.js';
import {
  type MinerOptions,
  minerPubKeyHash,
  type ResolvedMinerOptions,
  resolveMinerOptions,
} from './options.js';
import { targetBytes } from './pow.js';
import { MAX_JOB_NONCES, PowControl, type PowResult, PowWorker } from './powWorker.js';
import { buildTemplate, templateBlock } from './template.js';
import type { BlockTemplate, MinerDeps, MinerEvents, MinerStatus } from './types.js';

/** Window of the hash-rate measurement, ms. */
const RATE_WINDOW_MS = 10_000;
/** Pause after a failed iteration (worker crash, rejected block) before trying again, ms. */
const ERROR_BACKOFF_MS = 1000;
/** Default tries of `generate`, as Bitcoin Core's generatetoaddress maxtries. */
export const DEFAULT_GENERATE_MAX_TRIES = 1_000_000;
/**
 * Lost races in a row `generate` retries for one block. A block is found in milliseconds on
 * devnet while another miner finds one every second or so: losing this often in a row means the
 * tip moves faster than we can build on it, and the caller is better told than kept waiting.
 */
export const GENERATE_RACE_RETRIES = 10;

type SearchOutcome = { kind: 'found'; nonce: bigint } | { kind: 'aborted' } | { kind: 'exhausted' };

export class Miner extends EventEmitter<MinerEvents> {
  readonly options: ResolvedMinerOptions;
  private readonly deps: MinerDeps;
  private readonly log: Logger;
  private readonly control = new PowControl();
  private workers: PowWorker[] = [];
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private blocksFound = 0;
  private lastBlockHash: string | null = null;
  private lastFoundAt = Number.NEGATIVE_INFINITY;
  /**
   * The template being searched: when built (monotonic ms), the pool revision it saw and, when it
   * carries no model update, the update source's revision (else null).
   */
  private current: { builtAt: number; revision: number; updates: number | null } | undefined;
  private readonly rate = new HashRateMeter({ windowMs: RATE_WINDOW_MS });
  /** generate()'s grinder, made at its first call. */
  private inlineGrinder: Grinder | undefined;

  constructor(opts: MinerOptions, deps: MinerDeps) {
    super();
    this.options = resolveMinerOptions(opts, deps.params);
    this.deps = deps;
    this.log = deps.logger.child({ module: 'miner' });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The proof-of-work threads' grinder (they all choose alike), or null when stopped. */
  private get engine(): PowEngine | null {
    return this.workers[0]?.engine ?? null;
  }

  /** Live worker threads (0 when stopped). */
  get workerCount(): number {
    return this.workers.filter((w) => w.running).length;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const workers: PowWorker[] = [];
    for (let i = 0; i < this.options.threads; i++)
      workers.push(new PowWorker({}, { control: this.control, onHashes: (n) => this.onHashes(n) }));
    try {
      await Promise.all(workers.map((w) => w.start()));
    } catch (err) {
      await Promise.all(workers.map((w) => w.stop()));
      throw err;
    }
    this.workers = workers;
    this.running = true;
    this.rate.reset(performance.now());
    this.log.info(
      { address: this.options.address, threads: this.options.threads, engine: this.engine },
      'miner started',
    );
    this.loopDone = this.loop();
  }

  /** Stops the search and waits for the loop to end; terminates every worker thread. */
  async stop(): Promise<void> {
    if (!this.running && !this.loopDone) return;
    this.running = false;
    this.control.interrupt();
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop()));
    this.rate.reset(performance.now());
    this.log.info('miner stopped');
  }

  /** A new best block: abandon the current search and rebuild on the new tip. */
  onTip(): void {
    this.control.interrupt();
  }

  status(): MinerStatus {
    return {
      mining: this.running,
      hashrate: this.running ? this.rate.rate(performance.now()) : 0,
      engine: this.running ? this.engine : null,
      blocksFound: this.blocksFound,
      lastBlockHash: this.lastBlockHash,
      address: this.options.address,
      threads: this.options.threads,
    };
  }

  /**
   * Mines `n` blocks paying `address` (default: the miner's) one after the other on the calling
   * thread, each through chain.processBlock. Stops early, like Bitcoin Core's generatetoaddress,
   * when `maxTries` nonces have been tried in total. Returns the block hashes (hex).
   * A block that loses the race for the tip is mined again on the new tip; after
   * GENERATE_RACE_RETRIES lost races in a row, throws MINER_TIP_RACE (with the blocks mined so far).
   * Throws MINER_BLOCK_REJECTED if the chain refuses a mined block otherwise.
   */
  async generate(n: number, address?: string, maxTries = DEFAULT_GENERATE_MAX_TRIES): Promise<string[]> {
    const { chain, mempool, params } = this.deps;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new MinerError({
        code: 'MINER_BAD_OPTIONS',
        option: 'nblocks',
        detail: `${n} is not a natural number`,
      });
    }
    if (!Number.isSafeInteger(maxTries) || maxTries < 1) {
      throw new MinerError({
        code: 'MINER_BAD_OPTIONS',
        option: 'maxtries',
        detail: `${maxTries} is not a positive integer`,
      });
    }
    const pkh = address === undefined ? this.options.pubKeyHash : minerPubKeyHash(address, params);
    this.inlineGrinder ??= createGrinder();
    const grinder = this.inlineGrinder;
    const hashes: string[] = [];
    let tries = maxTries;
    let bump: { prev: string; minTime: number } | undefined;
    let lost = 0;
    while (hashes.length < n && tries > 0) {
      const ctx = chain.nextBlockContext(this.nowSeconds());
      const prev = toHex(ctx.prevHash);
      const minTime = bump?.prev === prev ? bump.minTime : 0;
      // A pooled model update goes in as in the background loop (its claim re-checked per hash).
      const proposal = (await this.deps.updates?.proposalNow(ctx, { immediate: true })) ?? undefined;
      const tpl = buildTemplate(
        ctx,
        mempool,
        pkh,
        params,
        { maxBlockSize: this.options.maxBlockSize, minTime },
        proposal,
      );
      const header = encodeHeader(tpl.header);
      const target = targetBytes(tpl.header.bits);
      let found: bigint | null = null;
      let improvement: ImprovementResult<unknown> | undefined;
      let stale = false;
      for (let start = 0n; found === null && tries > 0; ) {
        const r = await searchInline(grinder, header, target, start, Math.min(tries, MAX_JOB_NONCES));
        tries -= r.tries;
        if (r.nonce === null) break;
        if (!tpl.update || !this.deps.updates) {
          found = r.nonce;
          break;
        }
        if (!this.isTip(tpl)) {
          stale = true; // the update was for the old tip's model: build on the new one
          break;
        }
        const block = templateBlock(tpl, r.nonce);
        const verified = await this.deps.updates.verifyFound(block, headerHash(block.header));
        if (verified) {
          found = r.nonce;
          improvement = verified;
        } else {
          // below the threshold or the claim on this hash: consensus would reject it, search on
          start = r.nonce + 1n;
        }
      }
      if (stale) continue;
      if (found === null) {
        bump = { prev, minTime: tpl.header.time + 1 };
        continue;
      }
      const { hash, won, status } = await this.submit(tpl, found, 'generate', improvement);
      if (won) {
        hashes.push(hash);
        lost = 0;
        continue;
      }
      lost++;
      if (lost > GENERATE_RACE_RETRIES) {
        throw new MinerError({
          code: 'MINER_TIP_RACE',
          hash,
          height: tpl.height,
          attempts: lost,
          mined: hashes,
        });
      }
      this.log.info(
        { height: tpl.height, hash, status, attempt: lost },
        'generated block lost the race for the tip; mining on the new tip',
      );
    }
    return hashes;
  }

  // ---- internals ----

  private async loop(): Promise<void> {
    const { chain, mempool, params } = this.deps;
    let bump: { prev: string; minTime: number } | undefined;
    while (this.running) {
      try {
        const wait = this.lastFoundAt + this.options.minIntervalMs - performance.now();
        if (wait > 0) await this.sleep(wait);
        if (!this.running) break;
        // Read the generation before the tip: a tip change after this point aborts the search.
        const gen = this.control.generation;
        const ctx = chain.nextBlockContext(this.nowSeconds());
        const prev = toHex(ctx.prevHash);
        const minTime = bump?.prev === prev ? bump.minTime : 0;
        const ahead = minTime - (ctx.now + Math.floor(params.maxFutureDrift / 2));
        if (ahead > 0) {
          // Nonce ranges used up faster than the clock moves: wait rather than drift into the future.
          await this.sleep(ahead * 1000);
          continue;
        }
        const proposal = this.deps.updates?.proposal(ctx) ?? undefined;
        const tpl = buildTemplate(
          ctx,
          mempool,
          this.options.pubKeyHash,
          params,
          { maxBlockSize: this.options.maxBlockSize, minTime },
          proposal,
        );
        this.current = {
          builtAt: performance.now(),
          revision: mempool.revision,
          updates: proposal || !this.deps.updates ? null : this.deps.updates.revision(),
        };
        this.announce('template', tpl);
        const outcome = await this.search(tpl, gen);
        this.current = undefined;
        if (!this.running) break;
        if (outcome.kind === 'exhausted') bump = { prev, minTime: tpl.header.time + 1 };
        else if (outcome.kind === 'found') {
          let improvement: ImprovementResult<unknown> | undefined;
          if (tpl.update && this.deps.updates && this.isTip(tpl)) {
            const block = templateBlock(tpl, outcome.nonce);
            const verified = await this.deps.updates.verifyFound(block, headerHash(block.header));
            if (!verified) {
              // Consensus measures the improvement on this block's own hash: below threshold, so
              // the block would be invalid. Search on (a later time gives fresh hashes).
              this.log.debug({ height: tpl.height }, 'model update below threshold on the found hash');
              bump = { prev, minTime: tpl.header.time + 1 };
              continue;
            }
            improvement = verified;
          }
          if (!this.isTip(tpl)) {
            this.log.debug({ height: tpl.height }, 'found block is stale (tip moved); discarded');
            continue;
          }
          const { hash, won, status } = await this.submit(tpl, outcome.nonce, 'miner', improvement);
          if (!won) {
            // Another miner's block at the same height arrived first: a normal race, not a failure.
            this.log.info({ height: tpl.height, hash, status }, 'mined block lost the race for the tip');
          }
        }
      } catch (err) {
        this.current = undefined;
        if (!this.running) break;
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'mining iteration failed');
        await this.sleep(ERROR_BACKOFF_MS);
        await this.restartDeadWorkers();
      }
    }
  }

  /** Runs the template on every worker, each over its own nonce range. */
  private async search(tpl: BlockTemplate, gen: number): Promise<SearchOutcome> {
    const header = encodeHeader(tpl.header);
    const target = targetBytes(tpl.header.bits);
    const jobs = this.workers.map((w, i) =>
      w
        .search({ header, target, nonceStart: BigInt(i) << 32n, count: this.options.noncesPerJob, gen })
        .then((r: PowResult) => {
          // One thread won, or used up its range: stop the others too.
          if (r.kind !== 'aborted') this.control.interrupt();
          return r;
        })
        .catch((err: unknown) => {
          this.control.interrupt();
          throw err;
        }),
    );
    const settled = await Promise.allSettled(jobs);
    let exhausted = false;
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      if (s.value.kind === 'found') return { kind: 'found', nonce: s.value.nonce };
      if (s.value.kind === 'exhausted') exhausted = true;
    }
    return exhausted ? { kind: 'exhausted' } : { kind: 'aborted' };
  }

  /**
   * Hands the block to the chain. `won`: this call made it the tip ('connected', 'reorganized');
   * not won: it lost the race for the tip ('side': a competing block on the same parent came
   * first; 'duplicate': the identical block was submitted first). Throws MINER_BLOCK_REJECTED for
   * any other outcome (the chain's VerdictError as it is).
   */
  /** Whether `tpl`'s parent is still the best tip. */
  private isTip(tpl: BlockTemplate): boolean {
    return equalBytes(this.deps.chain.nextBlockContext(this.nowSeconds()).prevHash, tpl.header.prevHash);
  }

  /** `improvement`: verifyFound's result for the block (the chain does not score it again). */
  private async submit(
    tpl: BlockTemplate,
    nonce: bigint,
    source: string,
    improvement?: ImprovementResult<unknown>,
  ): Promise<{ readonly hash: string; readonly won: boolean; readonly status: string }> {
    const { chain } = this.deps;
    const block = templateBlock(tpl, nonce);
    const hex = toHex(headerHash(block.header));
    const res = await chain.processBlock(block, source, improvement ? { improvement } : undefined);
    if (res.status === 'side' || res.status === 'duplicate')
      return { hash: hex, won: false, status: res.status };
    // 'connected'/'reorganized': ours became the tip (even if another block has followed it since).
    if (res.status !== 'connected' && res.status !== 'reorganized') {
      throw new MinerError({ code: 'MINER_BLOCK_REJECTED', hash: hex, status: res.status });
    }
    this.blocksFound++;
    this.lastBlockHash = hex;
    this.lastFoundAt = performance.now();
    // per block: DEBUG (the node's chain line at INFO counts blocks once a minute)
    this.log.debug(
      {
        height: tpl.height,
        hash: hex,
        txs: tpl.txs.length,
        fees: tpl.fees.toString(),
        source,
        ...(tpl.update
          ? { claimedPpm: tpl.update.claimedPpm, contributors: tpl.update.contributions.length }
          : {}),
      },
      'mined a block',
    );
    this.announce('block', { hash: hex, height: tpl.height, source });
    return { hash: hex, won: true, status: res.status };
  }

  /** Emits an event; a throwing listener is logged, never allowed to break the loop. */
  private announce<K extends keyof MinerEvents>(name: K, ...args: MinerEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: MinerEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error(
        { event: name, err: err instanceof Error ? err.message : String(err) },
        'miner event listener threw',
      );
    }
  }

  private onHashes(n: number): void {
    const now = performance.now();
    this.rate.add(n, now);
    const cur = this.current;
    if (!cur) return;
    const age = now - cur.builtAt;
    const stale =
      (this.deps.mempool.revision !== cur.revision && age >= this.options.templateRefreshMs) ||
      (cur.updates !== null &&
        age >= this.options.updateRefreshMs &&
        this.deps.updates?.revision() !== cur.updates);
    if (stale) {
      this.current = undefined;
      this.control.interrupt();
    }
  }

  private async restartDeadWorkers(): Promise<void> {
    for (const w of this.workers) {
      if (w.running || !this.running) continue;
      try {
        await w.start();
      } catch (err) {
        this.log.error(
          { err: err instanceof Error ? err.message : String(err) },
          'could not restart a worker',
        );
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }
}
