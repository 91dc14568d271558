/**
 * Statistics of the stored UTXO set (Bitcoin Core's gettxoutsetinfo), from one scan of the 'c'
 * records in key order (txid, then output index).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Coin, encodeCoin, equalBytes, type OutPoint, PKH_SIZE } from '../../consensus/index.js';

/** Bitcoin Core's bogosize of one coin: txid 32, index 4, height and coinbase flag 4, amount 8, lock length 2, lock. */
const BOGOSIZE_PER_COIN = 32 + 4 + 4 + 8 + 2 + PKH_SIZE;

export interface UtxoStats {
  /** Unspent outputs. */
  readonly txouts: number;
  /** Transactions with at least one unspent output. */
  readonly transactions: number;
  /** Bitcoin Core's database-independent size metric (BOGOSIZE_PER_COIN per coin). */
  readonly bogosize: number;
  /** Sum of the coins' values, base units. */
  readonly totalAmount: bigint;
  /**
   * sha256d over every coin in key order, each as txid (32) | output index (u32 big-endian) |
   * encodeCoin(coin) (value, public-key hash, height, coinbase flag); null when not asked for.
   */
  readonly hashSerialized: Uint8Array | null;
}

/** Folds a key-ordered scan of the UTXO set into its statistics. */
export async function utxoStatsOf(
  coins: AsyncIterable<{ readonly op: OutPoint; readonly coin: Coin }>,
  opts: { readonly hash: boolean },
): Promise<UtxoStats> {
  const hasher = opts.hash ? sha256.create() : null;
  const index = new Uint8Array(4);
  const view = new DataView(index.buffer);
  let txouts = 0;
  let transactions = 0;
  let totalAmount = 0n;
  let lastTxid: Uint8Array | null = null;
  for await (const { op, coin } of coins) {
    txouts++;
    totalAmount += coin.value;
    if (lastTxid === null || !equalBytes(lastTxid, op.txid)) transactions++;
    lastTxid = op.txid;
    if (hasher) {
      view.setUint32(0, op.index, false);
      hasher.update(op.txid).update(index).update(encodeCoin(coin));
    }
  }
  return {
    txouts,
    transactions,
    bogosize: txouts * BOGOSIZE_PER_COIN,
    totalAmount,
    hashSerialized: hasher ? sha256(hasher.digest()) : null,
  };
}
