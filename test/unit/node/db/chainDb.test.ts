import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import {
  type Coin,
  encodeBlock,
  genesisBlock,
  MemoryUtxoSet,
  type OutPoint,
  sha256d,
  toHex,
} from '../../../../consensus/index.js';
import { ChainDb, type ChainDbOptions, DbError, utxoSnapshotFromDb } from '../../../../node/db/index.js';
import { buildBase, P } from '../chain/helpers.js';

function h(n: number): Uint8Array {
  return sha256d(Uint8Array.of(n));
}

const coin = (value: bigint, height: number): Coin => ({
  value,
  pubKeyHash: h(0).slice(0, 20),
  height,
  coinbase: height % 2 === 0,
});

describe('node/db ChainDb', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-db-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const backends: Array<[string, () => ChainDbOptions]> = [
    ['memory', () => ({ backend: 'memory' })],
    ['level', () => ({ backend: 'level', path: join(dir, `db-${Math.random().toString(36).slice(2)}`) })],
  ];

  for (const [name, opts] of backends) {
    describe(`${name} backend`, () => {
      it('writes a batch atomically and reads every record type back as plain Uint8Array', async () => {
        const db = new ChainDb(opts());
        await db.open();
        assert.ok(await db.isEmpty());
        const g = genesisBlock(P);
        const ops: OutPoint[] = [1, 2, 3].map((i) => ({ txid: h(i), index: i * 1000 }));
        const batch = db
          .batch()
          .putVersion({ version: 1, magic: P.magic })
          .putBlock(g.hash, encodeBlock(g.block))
          .putHeight(0, g.hash)
          .putChainState({ tipHash: g.hash, height: 0, issued: 0n, weight: 2n })
          .putModel(h(50), Uint8Array.of(1, 2, 3))
          .putUndo(g.hash, { spent: [coin(5n, 1)] });
        for (const [i, op] of ops.entries()) batch.putCoin(op, coin(BigInt(i + 1) * 1000n, i));
        batch.delCoin(ops[1]!);
        assert.equal(await db.getChainState(), undefined, 'nothing is visible before write()');
        await batch.write();
        await assert.rejects(batch.write(), (e: unknown) => e instanceof DbError);
        assert.deepEqual(await db.getVersion(), { version: 1, magic: P.magic });
        const block = await db.getBlock(g.hash);
        assert.deepEqual(block, g.block);
        assert.deepEqual(await db.getHeaders([g.hash, h(99), g.hash]), [
          g.block.header,
          undefined,
          g.block.header,
        ]);
        assert.deepEqual(await db.getHeaders([]), []);
        const hash = await db.getHashByHeight(0);
        assert.equal(hash?.constructor, Uint8Array);
        assert.equal(toHex(hash!), toHex(g.hash));
        assert.deepEqual(await db.getModel(h(50)), Uint8Array.of(1, 2, 3));
        assert.deepEqual(await db.getUndo(g.hash), { spent: [coin(5n, 1)] });
        assert.deepEqual(await db.getCoins(ops), [coin(1000n, 0), undefined, coin(3000n, 2)]);
        assert.equal(await db.getCoin(ops[1]!), undefined);
        const all: string[] = [];
        for await (const { op } of db.coins()) all.push(`${toHex(op.txid)}:${op.index}`);
        assert.equal(all.length, 2);
        assert.equal(await db.getBlock(h(99)), undefined);
        assert.equal(await db.hasBlock(g.hash), true);
        assert.equal(await db.isEmpty(), false);
        await db.close();
        await assert.rejects(
          db.getChainState(),
          (e: unknown) => e instanceof DbError && e.code === 'DB_NOT_OPEN',
        );
      });

      it('snapshots the UTXO set in the same order as MemoryUtxoSet', async () => {
        const tc = await buildBase(6);
        const db = new ChainDb(opts());
        await db.open();
        const batch = db.batch();
        const mem = new MemoryUtxoSet();
        for (const [i, e] of tc.entries.slice(1).entries()) {
          mem.apply(e.block, i + 1);
          e.block.txs.forEach((t) => {
            t.tx.outputs.forEach((_, index) => {
              const op = { txid: t.txid, index };
              const c = mem.getCoin(op);
              if (c) batch.putCoin(op, c);
              else batch.delCoin(op);
            });
            for (const input of t.tx.inputs) batch.delCoin(input.prevout);
          });
        }
        await batch.write();
        const snap = await utxoSnapshotFromDb(db);
        assert.ok(snap.length > 5);
        assert.deepEqual(snap, mem.snapshot());
        assert.deepEqual(snap, tc.utxo.snapshot());
        await db.close();
      });
    });
  }

  it('a batch puts the chain state once and each entry once: a later put replaces the earlier', async () => {
    const db = new ChainDb({ backend: 'memory' });
    await db.open();
    const g = genesisBlock(P);
    const entry = (status: 'valid-side' | 'valid-connected', height: number) => ({
      hash: g.hash,
      prevHash: h(2),
      height,
      time: 1,
      bits: P.powLimitBits,
      modelHash: h(3),
      work: 2n,
      weight: 2n,
      improvementPpm: 0,
      issuedAfter: 0n,
      seq: 0,
      status,
      size: 100,
      invalidReason: null,
      levels: { levels: [], streaks: [] },
      gainPpm: [],
      grew: false,
      owed: [],
    });
    const batch = db
      .batch()
      .putEntry(entry('valid-side', 1))
      .putChainState({ tipHash: h(7), height: 1, issued: 1n, weight: 1n })
      .putHeight(1, g.hash)
      .putEntry(entry('valid-connected', 1))
      .putChainState({ tipHash: g.hash, height: 2, issued: 2n, weight: 2n });
    assert.equal(batch.length, 3, 'entry, chain state, height');
    await batch.write();
    assert.equal((await db.getEntry(g.hash))?.status, 'valid-connected');
    assert.deepEqual(await db.getChainState(), { tipHash: g.hash, height: 2, issued: 2n, weight: 2n });
    await db.close();
  });

  it('group commit: no batch waits for an fsync; one per interval covers the batches written within it; close fsyncs the rest', async () => {
    const path = join(dir, 'group-commit');
    const write = async (db: ChainDb, n: number) => {
      for (let i = 0; i < n; i++) await db.batch().putHeight(i, h(i)).write();
    };
    const db = new ChainDb({ backend: 'level', path, syncIntervalMs: 60_000 });
    await db.open();
    await db.batch().putVersion({ version: 1, magic: P.magic }).write();
    await write(db, 50);
    assert.deepEqual(
      db.writeStats(),
      { writes: 51, fsyncs: 0, unsynced: 51 },
      'no batch fsynced as it was written (the first waits for the interval too)',
    );
    await db.flush();
    assert.deepEqual(db.writeStats(), { writes: 51, fsyncs: 1, unsynced: 0 });
    await write(db, 3);
    await db.close();
    assert.deepEqual(db.writeStats(), { writes: 54, fsyncs: 2, unsynced: 0 }, 'close fsyncs what is left');
    // a short interval: the trailing fsync comes by itself
    const quick = new ChainDb({ backend: 'level', path, syncIntervalMs: 200 });
    await quick.open();
    assert.equal(await quick.getHashByHeight(2).then((x) => x && toHex(x)), toHex(h(2)));
    await write(quick, 20);
    const before = quick.writeStats();
    assert.ok(before.fsyncs < 20, `${before.fsyncs} fsyncs for 20 batches`);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(quick.writeStats().unsynced, 0, 'the timer fsynced the tail');
    const after = quick.writeStats().fsyncs;
    await write(quick, 1);
    assert.deepEqual(
      quick.writeStats().unsynced,
      1,
      'a lone batch after a quiet spell is not fsynced itself…',
    );
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(
      quick.writeStats(),
      { writes: 21, fsyncs: after + 1, unsynced: 0 },
      '…but within the interval',
    );
    await quick.close();
    // interval 0: every batch fsynced; without sync: none
    const every = new ChainDb({ backend: 'level', path, syncIntervalMs: 0 });
    await every.open();
    await write(every, 5);
    assert.equal(every.writeStats().fsyncs, 5);
    await every.close();
    const never = new ChainDb({ backend: 'level', path, sync: false });
    await never.open();
    await write(never, 5);
    await never.close();
    assert.deepEqual(never.writeStats(), { writes: 5, fsyncs: 0, unsynced: 0 });
    assert.throws(() => new ChainDb({ backend: 'level', path, syncIntervalMs: -1 }), RangeError);
  });

  it('reports stored garbage as corruption (level backend, written behind its back)', async () => {
    const path = join(dir, 'garbage');
    const db = new ChainDb({ backend: 'level', path });
    await db.open();
    await db
      .batch()
      .putChainState({ tipHash: h(1), height: 1, issued: 0n, weight: 0n })
      .write();
    await db.close();
    const raw = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.put(Uint8Array.of(0x52), Uint8Array.of(1, 2, 3));
    await raw.put(Uint8Array.of(0x63, 1, 2), Uint8Array.of(1));
    await raw.close();
    await db.open();
    await assert.rejects(db.getChainState(), (e: unknown) => e instanceof DbError && e.code === 'DB_CORRUPT');
    await assert.rejects(
      utxoSnapshotFromDb(db),
      (e: unknown) => e instanceof DbError && e.code === 'DB_CORRUPT',
    );
    await db.close();
  });
});
