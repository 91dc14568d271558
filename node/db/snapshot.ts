import { type Coin, outpointKey } from '../../consensus/index.js';
import type { ChainDb } from './chainDb.js';

/**
 * The stored UTXO set as `[outpointKey, coin]` pairs sorted by key: the same shape and order as
 * consensus `MemoryUtxoSet.snapshot()`, so the two compare with deepStrictEqual.
 */
export async function utxoSnapshotFromDb(db: ChainDb): Promise<Array<[string, Coin]>> {
  const out: Array<[string, Coin]> = [];
  for await (const { op, coin } of db.coins()) out.push([outpointKey(op.txid, op.index), coin]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
