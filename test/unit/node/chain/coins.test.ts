import { strict as assert } from 'node:assert';
import {
  type BlockWithIds,
  type Coin,
  type CoinSource,
  type OutPoint,
  outpointMapKey,
  VerdictError,
} from '../../../../consensus/index.js';
import { EarlyCoinRead, readCoins, spentOutpoints } from '../../../../node/chain/coins.js';
import { ChainDb } from '../../../../node/db/index.js';
import { blocksAbove, buildBase, CLOCK, feed, forkAt, openChain } from './helpers.js';

const coin = (value: bigint): Coin => ({ value, pubKeyHash: new Uint8Array(20), height: 1, coinbase: false });
const op = (n: number, index = 0): OutPoint => ({ txid: new Uint8Array(32).fill(n), index });
const EMPTY: CoinSource = { getCoin: () => undefined };

describe('node/chain coin reads', () => {
  it('reads the coins a block spends from outside it, the unwritten changes before the database', async () => {
    const db = new ChainDb({ backend: 'memory' });
    await db.open();
    await db.batch().putCoin(op(1), coin(1n)).putCoin(op(2), coin(2n)).write();
    const unwritten = new Map([
      [outpointMapKey(op(2).txid, 0), { op: op(2), coin: null }],
      [outpointMapKey(op(3).txid, 0), { op: op(3), coin: coin(3n) }],
    ]);
    const source = await readCoins(db, unwritten, [op(1), op(2), op(3), op(4)]);
    assert.deepEqual(
      [op(1), op(2), op(3), op(4)].map((o) => source.getCoin(o)?.value),
      [1n, undefined, 3n, undefined],
    );
    await db.close();
  });

  it('leaves out the outpoints an earlier transaction of the block creates', async () => {
    const base = await buildBase(6);
    const b = base.entries[5]!.block; // spends the coinbase of height 1
    assert.equal(b.txs.length, 2);
    assert.deepEqual(spentOutpoints(b), [b.txs[1]!.tx.inputs[0]!.prevout]);
    // a third transaction spending the second's output: still only the second's input is read
    const t = b.txs[1]!;
    const child = { ...t, tx: { ...t.tx, inputs: [{ prevout: { txid: t.txid, index: 0 } }] } };
    const chained: BlockWithIds = { ...b, txs: [...b.txs, child] };
    assert.deepEqual(spentOutpoints(chained), [t.tx.inputs[0]!.prevout]);
  });

  it('hands an early read only to its block, on the tip it started on, with no write since', () => {
    const h1 = new Uint8Array(32).fill(1);
    const h2 = new Uint8Array(32).fill(2);
    const tip = new Uint8Array(32).fill(9);
    const read = Promise.resolve(EMPTY);
    const early = new EarlyCoinRead();
    early.start(h1, tip, 5, read);
    assert.equal(early.take(h1, tip, 5), read);
    assert.equal(early.take(h1, tip, 5), undefined, 'taken once');
    early.start(h1, tip, 5, read);
    assert.equal(early.take(h2, tip, 5), undefined, 'another block');
    early.start(h1, tip, 5, read);
    assert.equal(early.take(h1, new Uint8Array(32), 5), undefined, 'another tip');
    early.start(h1, tip, 5, read);
    assert.equal(early.take(h1, tip, 6), undefined, 'a write since');
    early.start(h1, tip, 5, read);
    early.clear();
    assert.equal(early.take(h1, tip, 5), undefined, 'cleared');
  });

  it('drops a failed early read nobody takes without an unhandled rejection; a taken one rethrows', async () => {
    const h = new Uint8Array(32).fill(1);
    const tip = new Uint8Array(32);
    const early = new EarlyCoinRead();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      early.start(h, tip, 0, Promise.reject(new Error('io')));
      early.clear();
      early.start(h, tip, 0, Promise.reject(new Error('io 2')));
      await assert.rejects(early.take(h, tip, 0)!, /io 2/);
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reads a block on the tip once: its connect takes the read started beside its checks', async () => {
    const base = await buildBase(8);
    const { chain, db } = await openChain();
    let reads = 0;
    const getCoins = db.getCoins.bind(db);
    db.getCoins = (ops) => {
      reads++;
      return getCoins(ops);
    };
    await feed(chain, blocksAbove(base, 0));
    assert.equal(chain.tip.height, 8);
    assert.equal(reads, 8);
    await chain.stop();
  });

  it('reads nothing early for a block whose header fails its checks (its read costs a block of work)', async () => {
    const base = await buildBase(6);
    const { chain, db } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 5));
    let reads = 0;
    const getCoins = db.getCoins.bind(db);
    db.getCoins = (ops) => {
      reads++;
      return getCoins(ops);
    };
    const tc = forkAt(base, 5);
    const easier = tc.buildBlock({ tamperHeader: (h) => ({ ...h, bits: h.bits + 1 }) });
    await assert.rejects(chain.processBlock(easier.block), (e: unknown) => e instanceof VerdictError);
    const future = tc.buildBlock({ tamperHeader: (h) => ({ ...h, time: CLOCK() + 3 * 3600 }) });
    await assert.rejects(chain.processBlock(future.block), (e: unknown) => e instanceof VerdictError);
    assert.equal(reads, 0);
    assert.equal(chain.tip.height, 5);
    await chain.stop();
  });
});
