/**
 * Unconfirmed wallet transactions the mempool does not hold (after a restart: the mempool is not
 * persisted; after a reorganization: the mempool may have refused a disconnected one) are offered
 * to `mempool.accept` again, oldest first, so parents go before children; the wallet forgets those
 * the mempool refuses (with their unconfirmed descendants). Waiting orphans and transactions the
 * mempool already holds are left alone; unexpected (non-verdict) failures are rethrown.
 */
import { VerdictError } from '../../consensus/index.js';
import type { Wallet } from '../../wallet/index.js';
import type { Logger } from '../logger.js';
import { MempoolError } from '../mempool/index.js';
import type { WalletServiceMempool } from './types.js';

/** Returns the txids the wallet dropped. */
export async function resubmitPending(
  wallet: Wallet,
  mempool: Pick<WalletServiceMempool, 'accept' | 'has'>,
  log: Logger,
  stopped: () => boolean,
): Promise<string[]> {
  const dropped: string[] = [];
  const pending = wallet
    .listTransactions({ count: Number.MAX_SAFE_INTEGER })
    .filter((t) => t.height === null);
  for (const t of pending) {
    if (stopped()) break;
    if (mempool.has(t.txid) || wallet.getTransaction(t.txid)?.height !== null) continue;
    try {
      await mempool.accept(t.tx);
      wallet.addMempoolTx(t.tx);
    } catch (e) {
      if (e instanceof MempoolError) {
        const r = e.reason;
        if (r === 'txn-already-in-mempool' || r === 'txn-already-known') continue;
        if (e.type.code === 'MEMPOOL_MISSING_INPUTS' && e.type.orphan) continue;
      } else if (!(e instanceof VerdictError)) {
        throw e;
      }
      const gone = wallet.removeMempoolTx(t.txid);
      if (gone.length > 0)
        log.info({ txid: t.txid, reason: e.message, dropped: gone }, 'mempool refused wallet transaction');
      dropped.push(...gone);
    }
  }
  return dropped;
}
