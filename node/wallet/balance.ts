/**
 * Bitcoin Core's balance rules on top of the wallet's coins. A transaction is trusted when it is
 * confirmed, or when it is unconfirmed, in the mempool, spends only the wallet's own coins and
 * all its parents are trusted (CachedTxIsTrusted): the wallet's own change can be counted before
 * it confirms, a payment from someone else cannot.
 */
import type { Wallet } from '../../wallet/index.js';

export interface WalletBalances {
  /** Mature coins of trusted transactions with at least `minConf` confirmations. */
  readonly trusted: bigint;
  /** Coins of unconfirmed transactions that are not trusted (someone else's payments). */
  readonly untrustedPending: bigint;
  /** Coinbase outputs not spendable yet. */
  readonly immature: bigint;
}

export class TrustOracle {
  private readonly memo = new Map<string, boolean>();

  constructor(
    private readonly wallet: Wallet,
    /** Is the transaction in the node's mempool? */
    private readonly inMempool: (txid: string) => boolean,
  ) {}

  isTrusted(txid: string): boolean {
    const known = this.memo.get(txid);
    if (known !== undefined) return known;
    const t = this.wallet.getTransaction(txid);
    if (!t) return false;
    if (t.confirmations >= 1) return true;
    if (t.coinbase || !this.inMempool(txid) || t.inputs.some((i) => !i.ours)) {
      this.memo.set(txid, false);
      return false;
    }
    this.memo.set(txid, false); // guards against a cycle while the parents are looked at
    const ok = t.inputs.every((i) => this.isTrusted(i.txid));
    this.memo.set(txid, ok);
    return ok;
  }
}

/** Core's GetBalance(min_depth): what getbalance and getbalances report. */
export function walletBalances(wallet: Wallet, trust: TrustOracle, minConf: number): WalletBalances {
  let trusted = 0n;
  let untrustedPending = 0n;
  let immature = 0n;
  for (const c of wallet.listUnspent({ minConf: 0, includeImmature: true })) {
    if (c.coinbase && !c.mature) immature += c.value;
    else if (trust.isTrusted(c.txid)) {
      if (c.confirmations >= minConf) trusted += c.value;
    } else if (c.confirmations === 0) untrustedPending += c.value;
  }
  return { trusted, untrustedPending, immature };
}
