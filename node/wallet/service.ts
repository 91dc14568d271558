/**
 * The node's wallet: loads `<datadir>/wallet.json` (locked unless a passphrase is configured),
 * restores its chain-following state from `<datadir>/wallet-state.bin`, catches up with the chain,
 * then follows it through the chain's and the mempool's events. The state is rewritten atomically
 * (temp file + fsync + rename) shortly after every change and on stop.
 *
 * Following the chain: a 'block' event is applied at once when it extends the wallet's tip, a
 * 'disconnect' event undone at once when it takes back the wallet's tip; anything else (the wallet
 * is behind, or an event arrives while a catch-up runs) starts a catch-up (`syncWallet`), repeated
 * until no event arrived meanwhile. The listeners are attached before the first catch-up, so no
 * block can slip between the catch-up and the subscription.
 *
 * Unconfirmed wallet transactions: the mempool is not persisted, and a reorganization may leave
 * out a transaction it disconnected. After start and after every disconnect the service hands
 * each unconfirmed wallet transaction the mempool does not hold back to `mempool.accept` (queued
 * behind the node's own re-adds); the wallet forgets those the mempool refuses.
 */
import { stat } from 'node:fs/promises';
import { toHex } from '../../consensus/index.js';
import {
  type BuiltTransaction,
  type ChainClient,
  type SendRequest,
  type SyncResult,
  syncWallet,
  Wallet,
  WalletError,
} from '../../wallet/index.js';
import type { ChainBlockEvent } from '../chain/index.js';
import type { Logger } from '../logger.js';
import type { MempoolRemovedEvent, MempoolTxEvent } from '../mempool/index.js';
import { WalletServiceError } from './errors.js';
import {
  MAX_UNLOCK_SECONDS,
  type ResolvedWalletServiceOptions,
  resolveWalletServiceOptions,
  type WalletServiceOptions,
} from './options.js';
import { RelockTimer } from './relock.js';
import { resubmitPending } from './resubmit.js';
import { StateFile } from './stateFile.js';
import type { UnlockStatus, WalletServiceDeps } from './types.js';

/** Catch-up attempts in a row that may fail because the chain moved under them. */
const MAX_SYNC_RETRIES = 10;

export class WalletService {
  readonly options: ResolvedWalletServiceOptions;
  private readonly deps: WalletServiceDeps;
  private readonly log: Logger;
  private readonly now: () => number;
  private walletValue: Wallet | null = null;
  private started = false;
  private stopping = false;
  private readonly unsubscribe: Array<() => void> = [];
  // catch-up
  private syncing: Promise<void> | null = null;
  private behind = false;
  private startSync: SyncResult | null = null;
  private readonly state: StateFile;
  private readonly relock: RelockTimer;
  // resubmitting unconfirmed transactions
  private resubmitQueued = false;
  private resubmitRun: Promise<void> = Promise.resolve();

  constructor(opts: WalletServiceOptions, deps: WalletServiceDeps) {
    this.options = resolveWalletServiceOptions(opts);
    this.deps = deps;
    this.log = deps.logger.child({ module: 'wallet' });
    this.now = deps.now ?? Date.now;
    this.state = new StateFile(this.options.statePath, this.options.saveDelayMs, this.log, () =>
      this.walletValue ? this.walletValue.serializeState() : null,
    );
    this.relock = new RelockTimer(this.now, () => {
      const w = this.walletValue;
      if (w && !w.locked) w.lock();
      this.log.debug('wallet locked again (walletpassphrase timeout)');
    });
  }

  /** The loaded wallet; null when the node runs without one (or before `start`). */
  get wallet(): Wallet | null {
    return this.walletValue;
  }

  /** Blocks undone and applied by the catch-up `start` ran (null before start or without wallet). */
  get startupSync(): SyncResult | null {
    return this.startSync;
  }

  /** True while a catch-up with the chain is running. */
  get scanning(): boolean {
    return this.syncing !== null;
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    if (this.started) return;
    this.stopping = false;
    this.startSync = null;
    const { walletPath, passphrase } = this.options;
    if (await isMissing(walletPath)) {
      this.log.info({ path: walletPath }, 'no wallet file: running without a wallet');
      this.started = true;
      return;
    }
    this.state.reopen();
    const state = await this.state.read();
    let wallet: Wallet;
    try {
      wallet = await this.open(passphrase, state);
    } catch (e) {
      if (!(state && e instanceof WalletError && (e.code === 'STATE_INVALID' || e.code === 'STATE_MISMATCH')))
        throw e;
      this.log.warn({ err: e.message }, 'saved wallet state unusable: rescanning the chain');
      wallet = await this.open(passphrase, undefined);
    }
    this.walletValue = wallet;
    this.subscribe();
    try {
      await this.catchUp();
    } catch (e) {
      for (const u of this.unsubscribe.splice(0)) u();
      this.walletValue = null;
      throw e;
    }
    this.started = true;
    await this.state.saveNow();
    this.scheduleResubmit();
    const tip = wallet.tip;
    this.log.info(
      {
        height: tip?.height ?? -1,
        locked: wallet.locked,
        undone: this.startupSync?.disconnected ?? 0,
        applied: this.startupSync?.connected ?? 0,
      },
      'wallet loaded',
    );
  }

  /** Detaches from the chain and mempool, forgets the keys, writes the state one last time. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    for (const u of this.unsubscribe.splice(0)) u();
    this.relock.clear();
    await this.syncing?.catch(() => undefined);
    await this.resubmitRun;
    this.state.close();
    const wallet = this.walletValue;
    if (wallet) {
      await this.state
        .saveNow()
        .catch((e: unknown) => this.log.error({ err: e }, 'saving the wallet state failed'));
      if (!wallet.locked) wallet.lock();
    }
    this.walletValue = null;
    this.started = false;
  }

  private open(passphrase: string | undefined, state: Uint8Array | undefined): Promise<Wallet> {
    return Wallet.open(
      {
        ...this.options.wallet,
        path: this.options.walletPath,
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(state ? { state } : {}),
      },
      { params: this.deps.params, estimateFeeRate: () => this.deps.mempool.minFeeRate() * 1000n },
    );
  }

  // ---- operations the RPC uses ----

  /** The loaded wallet, or WALLET_NOT_LOADED. */
  requireWallet(): Wallet {
    const w = this.walletValue;
    if (!w) throw new WalletServiceError({ code: 'WALLET_NOT_LOADED', path: this.options.walletPath });
    return w;
  }

  /** A fresh receive address; the state (with the address index) is written before it is returned. */
  async getNewAddress(label?: string): Promise<string> {
    const address = this.requireWallet().getNewAddress(label);
    await this.state.saveNow();
    return address;
  }

  /**
   * Builds and signs a payment; unless `dryRun`, submits it to the mempool (the wallet records it
   * on acceptance, releases its coins on refusal and the refusal is rethrown) and writes the state.
   */
  async send(req: SendRequest): Promise<BuiltTransaction> {
    const wallet = this.requireWallet();
    const built = await wallet.send(req);
    if (req.dryRun) return built;
    try {
      await this.deps.mempool.accept(built.tx);
    } catch (e) {
      wallet.unlockCoins(built.txid);
      throw e;
    }
    wallet.addMempoolTx(built.tx);
    await this.state.saveNow();
    return built;
  }

  /**
   * Decrypts the keys (WRONG_PASSPHRASE if wrong) and locks them again after `timeoutSeconds`
   * (capped at 100,000,000 s as in Bitcoin Core; 0 locks again at once). A later call replaces
   * the deadline.
   */
  async unlock(passphrase: string, timeoutSeconds: number): Promise<void> {
    const wallet = this.requireWallet();
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
      throw new WalletServiceError({
        code: 'WALLET_SERVICE_OPTIONS',
        option: 'timeout',
        reason: 'must be a number of seconds >= 0',
      });
    }
    await wallet.unlock(passphrase);
    this.relock.arm(this.now() + Math.min(timeoutSeconds, MAX_UNLOCK_SECONDS) * 1000);
  }

  /** Forgets the private keys now. */
  lock(): void {
    const wallet = this.requireWallet();
    this.relock.clear();
    if (!wallet.locked) wallet.lock();
  }

  unlockStatus(): UnlockStatus {
    const wallet = this.requireWallet();
    return wallet.locked
      ? { locked: true, unlockedUntil: null }
      : { locked: false, unlockedUntil: this.relock.deadline };
  }

  // ---- following the chain ----

  private subscribe(): void {
    const { chain, mempool } = this.deps;
    const onBlock = (e: ChainBlockEvent) => this.guard('block', () => this.onBlock(e));
    const onDisconnect = (e: ChainBlockEvent) => this.guard('disconnect', () => this.onDisconnect(e));
    const onTx = (e: MempoolTxEvent) => this.guard('tx', () => this.onMempoolTx(e));
    const onRemoved = (e: MempoolRemovedEvent) => this.guard('removed', () => this.onMempoolRemoved(e));
    chain.on('block', onBlock);
    chain.on('disconnect', onDisconnect);
    mempool.on('tx', onTx);
    mempool.on('removed', onRemoved);
    this.unsubscribe.push(
      () => chain.off('block', onBlock),
      () => chain.off('disconnect', onDisconnect),
      () => mempool.off('tx', onTx),
      () => mempool.off('removed', onRemoved),
    );
  }

  /** Event handlers never throw into the chain or the mempool: a failure is logged and re-synced. */
  private guard(event: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ event, err: e }, 'wallet event handling failed; resynchronizing');
      this.requestCatchUp();
    }
  }

  private onBlock({ block, entry }: ChainBlockEvent): void {
    const wallet = this.walletValue;
    if (!wallet || this.stopping) return;
    if (this.syncing) {
      this.behind = true;
      return;
    }
    const tip = wallet.tip;
    const extends_ =
      tip === null
        ? entry.height === 0
        : entry.height === tip.height + 1 && toHex(block.block.header.prevHash) === tip.hash;
    if (!extends_) {
      this.requestCatchUp();
      return;
    }
    const r = wallet.applyBlock(block, entry.height);
    if (r.relevant.length > 0 || r.conflicted.length > 0) {
      this.log.debug(
        { height: entry.height, relevant: r.relevant, conflicted: r.conflicted },
        'wallet block',
      );
    }
    this.state.scheduleSave();
  }

  private onDisconnect({ block, entry }: ChainBlockEvent): void {
    const wallet = this.walletValue;
    if (!wallet || this.stopping) return;
    if (this.syncing) {
      this.behind = true;
      return;
    }
    if (wallet.tip?.hash !== toHex(block.hash)) {
      this.requestCatchUp();
      return;
    }
    const r = wallet.undoBlock(block, entry.height);
    if (r.unconfirmed.length > 0 || r.removed.length > 0) {
      this.log.info(
        { height: entry.height, unconfirmed: r.unconfirmed, removed: r.removed },
        'wallet block undone',
      );
    }
    this.state.scheduleSave();
    this.scheduleResubmit();
  }

  private onMempoolTx(e: MempoolTxEvent): void {
    const wallet = this.walletValue;
    if (!wallet || this.stopping) return;
    if (wallet.addMempoolTx(e.tx)) this.state.scheduleSave();
  }

  private onMempoolRemoved(e: MempoolRemovedEvent): void {
    const wallet = this.walletValue;
    if (!wallet || this.stopping || e.reason === 'block') return;
    const dropped = wallet.removeMempoolTx(e.txid);
    if (dropped.length > 0) {
      this.log.info({ txid: e.txid, reason: e.reason, dropped }, 'unconfirmed wallet transactions dropped');
      this.state.scheduleSave();
    }
  }

  private requestCatchUp(): void {
    if (this.stopping || !this.walletValue) return;
    this.catchUp().catch((e: unknown) => this.log.error({ err: e }, 'wallet catch-up failed'));
  }

  /** Runs `syncWallet` until the wallet is at the chain's tip with no event missed meanwhile. */
  private catchUp(): Promise<void> {
    if (this.syncing) {
      this.behind = true;
      return this.syncing;
    }
    const wallet = this.walletValue;
    if (!wallet) return Promise.resolve();
    const { chain, params } = this.deps;
    const client: ChainClient = {
      params,
      tipHeight: () => chain.tip.height,
      getBlockHash: (h) => chain.getEntryByHeight(h)?.hash,
      getBlock: (hash) => chain.getBlock(hash),
    };
    const run = async () => {
      let failures = 0;
      let connected = 0;
      let disconnected = 0;
      do {
        this.behind = false;
        try {
          const r = await syncWallet(wallet, client);
          connected += r.connected;
          disconnected += r.disconnected;
        } catch (e) {
          const moved =
            e instanceof WalletError &&
            (e.code === 'BLOCK_NOT_CONNECTING' || e.code === 'CHAIN_BLOCK_MISSING');
          if (!moved || ++failures >= MAX_SYNC_RETRIES) throw e;
          this.behind = true;
        }
      } while (this.behind && !this.stopping);
      if (this.startSync === null) this.startSync = { connected, disconnected };
      if (connected + disconnected > 0) this.state.scheduleSave();
      if (disconnected > 0) this.scheduleResubmit();
    };
    const p = run().finally(() => {
      this.syncing = null;
    });
    this.syncing = p;
    return p;
  }

  // ---- unconfirmed transactions ----

  private scheduleResubmit(): void {
    if (this.resubmitQueued || this.stopping) return;
    this.resubmitQueued = true;
    setImmediate(() => {
      this.resubmitQueued = false;
      if (this.stopping) return;
      this.resubmitRun = this.resubmitRun
        .then(async () => {
          const w = this.walletValue;
          if (!w) return;
          const dropped = await resubmitPending(w, this.deps.mempool, this.log, () => this.stopping);
          if (dropped.length > 0) this.state.scheduleSave();
        })
        .catch((e: unknown) => this.log.error({ err: e }, 'resubmitting wallet transactions failed'));
    });
  }
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await stat(path);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
