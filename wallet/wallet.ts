/**
 * The wallet: one BIP44 account of a BIP39 mnemonic, its encrypted keystore, and a ledger that
 * follows the chain as the node feeds it. See ledger.ts for the chain-following rules, state.ts
 * for persistence, options.ts for fee-rate units (base units per 1000 bytes).
 *
 * Locking: a wallet opened without its passphrase (or after `lock()`) holds only the account's
 * public key: it follows the chain, hands out addresses and reports balances, but `send` throws
 * WALLET_LOCKED until `unlock(passphrase)`.
 *
 * Coins chosen by `send` are reserved in memory until the node reports the transaction
 * (`addMempoolTx`) or gives up on it (`unlockCoins`); reservations do not survive a restart.
 */
import { randomBytes } from 'node:crypto';
import {
  type BlockWithIds,
  type NetworkParams,
  outpointKey,
  type Transaction,
  type TxOutput,
  type TxWithId,
  toHex,
  withId,
} from '../consensus/index.js';
import { decodeAddress } from './address.js';
import { AddressBook, checkLabel } from './addressBook.js';
import { type SignedInputs, signInputs } from './builder.js';
import type { FeeRateEstimator } from './chainClient.js';
import { WalletError } from './errors.js';
import { AccountKeys, CHANGE, checkMnemonic, generateMnemonic, mnemonicToSeed, RECEIVE } from './hd/index.js';
import { balanceOf, coinView, transactionView } from './history.js';
import { changeKeystorePassphrase, createKeystoreFile, readKeystoreFile } from './keystore/index.js';
import { Ledger } from './ledger.js';
import { type ResolvedWalletOptions, resolveWalletOptions, type WalletOptions } from './options.js';
import { checkPaymentOutputs, preparePayment, resolveFeeRate } from './payment.js';
import { decodeState, encodeState } from './state.js';
import type {
  AddressInfo,
  Balance,
  BuiltTransaction,
  ChainTip,
  CreateWalletOptions,
  ListUnspentOptions,
  OpenWalletOptions,
  SendRequest,
  WalletCoin,
  WalletDeps,
  WalletTransaction,
} from './types.js';
import { signerOf } from './unlock.js';

interface Init {
  readonly publicKeys: AccountKeys;
  readonly signer: AccountKeys | null;
  readonly path: string | null;
  readonly state?: Uint8Array | undefined;
  readonly birthday?: ChainTip | undefined;
}

function defaultRandom(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function checkConf(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new WalletError({ code: 'OPTIONS_INVALID', option: name, reason: `${v} is not a natural number` });
  }
}

export class Wallet {
  readonly params: NetworkParams;
  readonly options: ResolvedWalletOptions;
  private readonly publicKeys: AccountKeys;
  private signer: AccountKeys | null;
  private readonly path: string | null;
  private readonly book: AddressBook;
  private readonly ledger: Ledger;
  private readonly random: (n: number) => Uint8Array;
  private readonly estimate: FeeRateEstimator | undefined;
  /** Outpoint key → txid of the unbroadcast send reserving it. */
  private readonly locks = new Map<string, string>();

  private constructor(options: ResolvedWalletOptions, deps: WalletDeps, init: Init) {
    this.params = deps.params;
    this.options = options;
    this.random = deps.random ?? defaultRandom;
    this.estimate = deps.estimateFeeRate;
    this.publicKeys = init.publicKeys;
    this.signer = init.signer;
    this.path = init.path;
    if (init.state) {
      const s = decodeState(init.state);
      if (s.network !== this.params.name) {
        throw new WalletError({ code: 'STATE_MISMATCH', reason: `state is for network ${s.network}` });
      }
      if (s.xpub !== this.publicKeys.xpub)
        throw new WalletError({ code: 'STATE_MISMATCH', reason: 'different xpub' });
      this.book = new AddressBook(this.publicKeys, options.gapLimit, s.next);
      for (const [i, l] of s.labels) this.book.setLabel(i, l);
      this.ledger = new Ledger(this.book, this.params, s.tip);
      for (const r of s.records) this.ledger.insert(r);
    } else {
      this.book = new AddressBook(this.publicKeys, options.gapLimit);
      this.ledger = new Ledger(this.book, this.params, init.birthday ?? null);
    }
  }

  /** A new wallet (generated or restored mnemonic), with a keystore file when `path` is given. */
  static async create(
    opts: CreateWalletOptions,
    deps: WalletDeps,
  ): Promise<{ wallet: Wallet; mnemonic: string }> {
    const o = resolveWalletOptions(opts);
    const random = deps.random ?? defaultRandom;
    const words = opts.words ?? 24;
    const mnemonic =
      opts.mnemonic !== undefined
        ? checkMnemonic(opts.mnemonic)
        : generateMnemonic(words, random(words === 12 ? 16 : 32));
    const bip39Passphrase = opts.bip39Passphrase ?? '';
    const seed = await mnemonicToSeed(mnemonic, bip39Passphrase);
    const signer = AccountKeys.fromSeed(seed, deps.params, o.account);
    seed.fill(0);
    if (opts.path !== undefined) {
      if (opts.state)
        throw new WalletError({ code: 'OPTIONS_INVALID', option: 'state', reason: 'new keystore' });
      await createKeystoreFile(
        opts.path,
        { mnemonic, bip39Passphrase },
        opts.passphrase as string,
        { network: deps.params.name, account: o.account, xpub: signer.xpub },
        { scryptLogN: o.scryptLogN, random },
      );
    }
    const wallet = new Wallet(o, deps, {
      publicKeys: signer.publicOnly(),
      signer,
      path: opts.path ?? null,
      state: opts.state,
      birthday: opts.birthday,
    });
    return { wallet, mnemonic };
  }

  /** Opens a keystore wallet; locked unless `passphrase` is given (WRONG_PASSPHRASE if wrong). */
  static async open(opts: OpenWalletOptions, deps: WalletDeps): Promise<Wallet> {
    const o = resolveWalletOptions(opts);
    const file = await readKeystoreFile(opts.path);
    if (file.network !== deps.params.name) {
      throw new WalletError({ code: 'NETWORK_MISMATCH', expected: deps.params.name, got: file.network });
    }
    const publicKeys = AccountKeys.fromXpub(file.xpub, deps.params);
    const signer = opts.passphrase === undefined ? null : await signerOf(file, opts.passphrase, deps.params);
    return new Wallet({ ...o, account: file.account }, deps, {
      publicKeys,
      signer,
      path: opts.path,
      state: opts.state,
    });
  }

  /** A watch-only wallet of an account xpub (no keystore, cannot send). */
  static watchOnly(
    xpub: string,
    opts: WalletOptions & { state?: Uint8Array; birthday?: ChainTip },
    deps: WalletDeps,
  ): Wallet {
    const publicKeys = AccountKeys.fromXpub(xpub, deps.params);
    const o = resolveWalletOptions({ ...opts, account: publicKeys.accountIndex });
    return new Wallet(o, deps, {
      publicKeys,
      signer: null,
      path: null,
      state: opts.state,
      birthday: opts.birthday,
    });
  }

  // ---- keys and keystore ----

  get locked(): boolean {
    return this.signer === null;
  }

  get keystorePath(): string | null {
    return this.path;
  }

  /** Decrypts the keystore and keeps the account's private key in memory until `lock()`. */
  async unlock(passphrase: string): Promise<void> {
    if (this.path === null)
      throw new WalletError({ code: 'OPTIONS_INVALID', option: 'path', reason: 'no keystore' });
    const file = await readKeystoreFile(this.path);
    const signer = await signerOf(file, passphrase, this.params);
    if (signer.xpub !== this.publicKeys.xpub) {
      signer.wipe();
      throw new WalletError({ code: 'KEYSTORE_CORRUPT', reason: 'keystore now holds another wallet' });
    }
    this.signer?.wipe();
    this.signer = signer;
  }

  /** Forgets the private key (keystore wallets only: an in-memory wallet could not unlock again). */
  lock(): void {
    if (this.path === null)
      throw new WalletError({ code: 'OPTIONS_INVALID', option: 'path', reason: 'no keystore' });
    this.signer?.wipe();
    this.signer = null;
  }

  /** Re-encrypts the keystore under a new passphrase (atomically; nothing changes on WRONG_PASSPHRASE). */
  async changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    if (this.path === null)
      throw new WalletError({ code: 'OPTIONS_INVALID', option: 'path', reason: 'no keystore' });
    await changeKeystorePassphrase(this.path, oldPassphrase, newPassphrase, {
      scryptLogN: this.options.scryptLogN,
      random: this.random,
    });
  }

  /** The account's extended public key (m/44'/coin'/account'): xpub on main, tpub elsewhere. */
  exportXpub(): string {
    return this.publicKeys.xpub;
  }

  // ---- addresses ----

  /** A fresh receive address (optionally labelled). */
  getNewAddress(label?: string): string {
    if (label !== undefined) checkLabel(label);
    const index = this.book.issue(RECEIVE);
    if (label !== undefined) this.book.setLabel(index, label);
    return this.book.address(RECEIVE, index);
  }

  /** Sets (or, with '', clears) the label of one of the wallet's receive addresses. */
  setLabel(address: string, label: string): void {
    const info = this.getAddressInfo(address);
    if (!info || info.chain !== RECEIVE) {
      throw new WalletError({ code: 'ADDRESS_INVALID', reason: 'not a receive address of this wallet' });
    }
    this.book.setLabel(info.index, label);
  }

  /** Details of one of the wallet's watched addresses; undefined if it is not the wallet's. */
  getAddressInfo(address: string): AddressInfo | undefined {
    const k = this.book.lookup(decodeAddress(address, this.params));
    if (!k) return undefined;
    const label = this.book.label(k.chain, k.index);
    return {
      address,
      chain: k.chain,
      index: k.index,
      path: this.book.path(k.chain, k.index),
      pubkey: toHex(k.pubkey),
      ...(label !== undefined ? { label } : {}),
    };
  }

  isMine(address: string): boolean {
    return this.getAddressInfo(address) !== undefined;
  }

  // ---- following the chain ----

  /** The last block processed, or null (the next must then be height 0). */
  get tip(): ChainTip | null {
    return this.ledger.tip;
  }

  /** Processes the next best-chain block. Returns the wallet txids it contained and those it conflicted. */
  applyBlock(block: BlockWithIds, height: number): { relevant: string[]; conflicted: string[] } {
    const r = this.ledger.applyBlock(block, height);
    for (const t of block.txs) this.releaseInputs(t);
    return r;
  }

  /** Takes back the tip block (reorg): its wallet transactions become unconfirmed, its coinbase is dropped. */
  undoBlock(block: BlockWithIds, height: number): { unconfirmed: string[]; removed: string[] } {
    return this.ledger.undoBlock(block, height);
  }

  /** Reports a transaction the mempool accepted. True when it concerns the wallet. */
  addMempoolTx(tx: Transaction | TxWithId): boolean {
    const t = 'txid' in tx ? tx : withId(tx);
    const added = this.ledger.addPending(t);
    if (added) this.releaseInputs(t);
    return added;
  }

  /**
   * Reports that the mempool dropped a transaction (eviction, expiry, conflict) — not its
   * confirmation, which `applyBlock` handles. Drops it and its unconfirmed descendants; returns
   * their txids.
   */
  removeMempoolTx(txid: string | Uint8Array): string[] {
    return this.ledger.removePending(typeof txid === 'string' ? txid : toHex(txid));
  }

  /** Forgets every transaction and restarts from `tip` (null: genesis) for a rescan. */
  resetChainState(tip: ChainTip | null = null): void {
    this.ledger.reset(tip);
    this.locks.clear();
  }

  private releaseInputs(t: TxWithId): void {
    for (const i of t.tx.inputs) this.locks.delete(outpointKey(i.prevout.txid, i.prevout.index));
  }

  // ---- queries ----

  getBalance(opts: { minConf?: number } = {}): Balance {
    const minConf = opts.minConf ?? 1;
    checkConf('minConf', minConf);
    return balanceOf(this.ledger, minConf);
  }

  listUnspent(opts: ListUnspentOptions = {}): WalletCoin[] {
    const minConf = opts.minConf ?? 1;
    const maxConf = opts.maxConf ?? Number.MAX_SAFE_INTEGER;
    checkConf('minConf', minConf);
    checkConf('maxConf', maxConf);
    return this.ledger
      .unspent()
      .map((o) => coinView(o, this.ledger, this.book, this.locks.has(o.key)))
      .filter(
        (c) => c.confirmations >= minConf && c.confirmations <= maxConf && (opts.includeImmature || c.mature),
      )
      .sort(
        (a, b) =>
          b.confirmations - a.confirmations ||
          (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.index - b.index),
      );
  }

  /** The `count` most recent history entries after skipping the `skip` most recent, oldest first. */
  listTransactions(opts: { count?: number; skip?: number } = {}): WalletTransaction[] {
    const count = opts.count ?? 10;
    const skip = opts.skip ?? 0;
    checkConf('count', count);
    checkConf('skip', skip);
    const all = this.ledger.orderedRecords();
    const end = Math.max(0, all.length - skip);
    return all.slice(Math.max(0, end - count), end).map((r) => transactionView(r, this.ledger, this.params));
  }

  getTransaction(txid: string): WalletTransaction | undefined {
    const r = this.ledger.record(txid);
    return r ? transactionView(r, this.ledger, this.params) : undefined;
  }

  // ---- sending ----

  /**
   * Selects coins, builds and signs a payment to `req.outputs` with change (if any, and not dust)
   * to a new change address. Unless `dryRun`, the change address is used up and the inputs are
   * reserved; the node then submits `tx` to its mempool and calls `addMempoolTx(tx)` (or
   * `unlockCoins(txid)` if the mempool refused it).
   */
  async send(req: SendRequest): Promise<BuiltTransaction> {
    const outputs = checkPaymentOutputs(req.outputs, this.params);
    const minConf = req.minConf ?? 1;
    checkConf('minConf', minConf);
    const feeRate = await resolveFeeRate(req.feeRate, this.options, this.estimate);
    // From here on everything is synchronous: no other send can interleave.
    if (!this.signer) throw new WalletError({ code: 'WALLET_LOCKED' });
    const p = preparePayment(
      {
        params: this.params,
        options: this.options,
        ledger: this.ledger,
        book: this.book,
        signer: this.signer,
        locks: this.locks,
        random: this.random,
      },
      { outputs, feeRate, minConf, strategy: req.strategy ?? 'auto' },
    );
    if (!req.dryRun) {
      if (p.result.changeIndex >= 0) this.book.issue(CHANGE);
      for (const k of p.inputKeys) this.locks.set(k, p.result.txid);
    }
    return p.result;
  }

  /**
   * Signs every input of `tx` spending one of the wallet's addresses; other inputs keep their
   * witness. `spent[i]` is the output input i spends (all are needed: each signature commits to
   * every spent output). Reserves nothing and records nothing. Throws WALLET_LOCKED when locked.
   */
  signTransaction(tx: Transaction, spent: readonly TxOutput[]): SignedInputs {
    const signer = this.signer;
    if (!signer) throw new WalletError({ code: 'WALLET_LOCKED' });
    return signInputs({
      params: this.params,
      tx,
      spent,
      keyFor: (coin) => {
        const k = this.book.lookup(coin.pubKeyHash);
        return k && (() => signer.secretKey(k.chain, k.index));
      },
      random: this.random,
    });
  }

  /** Releases the coins reserved by a `send` whose transaction was never broadcast. */
  unlockCoins(txid: string): number {
    let n = 0;
    for (const [k, id] of this.locks) {
      if (id === txid) {
        this.locks.delete(k);
        n++;
      }
    }
    return n;
  }

  // ---- persistence ----

  /** The chain-following state (no keys), for the node to store and pass back to `open`. */
  serializeState(): Uint8Array {
    return encodeState({
      network: this.params.name,
      xpub: this.publicKeys.xpub,
      tip: this.ledger.tip,
      next: this.book.nextIndices(),
      labels: this.book.allLabels(),
      records: this.ledger.orderedRecords(),
    });
  }
}
