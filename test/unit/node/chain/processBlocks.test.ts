import { strict as assert } from 'node:assert';
import { type BlockWithIds, nobleVerifier, VerdictError } from '../../../../consensus/index.js';
import { verifyStoredChain } from '../../../../node/chain/index.js';
import { ChainDb } from '../../../../node/db/index.js';
import { linearEvaluator } from '../../../../training/index.js';
import { blocksAbove, buildBase, CLOCK, dumpDb, feed, forkAt, hex, openChain, P } from './helpers.js';

/**
 * Chain.processBlocks: a run of blocks written as one batch. Judged against the same blocks
 * processed one by one: the database must end byte for byte the same.
 */
/** `db` holds byte for byte what a chain fed `blocks` one processBlock call at a time holds. */
async function assertSameAsBlockByBlock(db: ChainDb, blocks: readonly BlockWithIds[]): Promise<void> {
  const single = await openChain();
  await feed(single.chain, blocks);
  assert.deepEqual(await dumpDb(db), await dumpDb(single.db));
  await single.chain.stop();
}

describe('node/chain processBlocks (a run written as one batch)', () => {
  it('one write for a run whose blocks spend coins created earlier in it; the same database as block by block', async () => {
    // coinbase maturity is 3 here: from height 5 on each block spends the coinbase 4 blocks back,
    // so the run's later blocks spend coins its earlier ones created, before any is on disk
    const base = await buildBase(20);
    const batched = await openChain();
    await feed(batched.chain, blocksAbove(base, 0).slice(0, 4));
    const before = batched.db.writeStats().writes;
    const results = await batched.chain.processBlocks(blocksAbove(base, 4).map((b) => b.block));
    assert.deepEqual(
      results.map((r) => r.status),
      new Array(16).fill('connected'),
    );
    assert.equal(batched.db.writeStats().writes - before, 1, 'one write for the 16 blocks');
    assert.equal(batched.chain.tip.height, 20);
    await assertSameAsBlockByBlock(batched.db, blocksAbove(base, 0));
    // and the run's blocks are readable while and after it is written
    assert.deepEqual(
      await batched.chain.getBlock(base.entries[12]!.block.hash),
      base.entries[12]!.block.block,
    );
    await batched.chain.stop();
  });

  it('its tip and events wait for its write: a listener finds each tip it is told of on disk', async () => {
    const base = await buildBase(12);
    const { chain, db } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 4));
    const told: number[] = [];
    const onDisk: number[] = [];
    chain.on('tip', (tip) => {
      told.push(tip.height);
      // read at once, as a listener would: the run is written before any of its events
      void db.getChainState().then((st) => onDisk.push(st!.height));
    });
    await chain.processBlocks(blocksAbove(base, 4).map((b) => b.block));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(told, [5, 6, 7, 8, 9, 10, 11, 12], 'one event per block, in order');
    assert.deepEqual(onDisk, new Array(8).fill(12), 'each found the whole run on disk');
    await chain.stop();
  });

  it('while its write is in flight, the tip is still the one on disk', async () => {
    const base = await buildBase(12);
    const db = new ChainDb({ backend: 'memory' });
    const { chain } = await openChain(db);
    await feed(chain, blocksAbove(base, 0).slice(0, 4));
    // a write that takes a while, during which the tip is read (as a test polling it does)
    const proto = Object.getPrototypeOf(db) as { write: (ops: unknown) => Promise<void> };
    const seen: number[] = [];
    (db as unknown as { write: (ops: unknown) => Promise<void> }).write = async (ops) => {
      seen.push(chain.tip.height);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(chain.tip.height);
      await proto.write.call(db, ops);
    };
    await chain.processBlocks(blocksAbove(base, 4).map((b) => b.block));
    assert.deepEqual(seen, [4, 4], 'the tip on disk until the run is written');
    assert.equal(chain.tip.height, 12);
    await chain.stop();
  });

  it('stops at an invalid block: the run before it is on disk, the block is recorded invalid', async () => {
    const base = await buildBase(10);
    const db = new ChainDb({ backend: 'memory' });
    const { chain } = await openChain(db);
    await feed(chain, blocksAbove(base, 0).slice(0, 6));
    const tc = forkAt(base, 8);
    const from = tc.coinbaseOutpoint(3);
    const tx = tc.spend(from, [{ value: from.coin.value - 1000n, pubKeyHash: tc.miner.pkh }]);
    const bad = tc.buildBlock({ txs: [tx], coinbaseTotal: 50n * 100_000_000n + 1000n + 1n });
    const run = [...blocksAbove(base, 6).slice(0, 2), bad].map((b) => b.block);
    await assert.rejects(chain.processBlocks(run), (e: unknown) => e instanceof VerdictError);
    assert.equal(chain.tip.height, 8);
    assert.equal(chain.getEntry(bad.hash)?.status, 'invalid');
    await chain.stop();
    // what is on disk: a chain reopened on it stands at height 8 and knows the block is invalid
    const again = await openChain(db);
    assert.equal(again.chain.tip.height, 8);
    assert.equal(hex(again.chain.tip.hash), hex(base.entries[8]!.block.hash));
    assert.equal(again.chain.getEntry(bad.hash)?.status, 'invalid');
    await again.chain.stop();
  });

  it('stops after an orphan: the rest of the run would descend from it', async () => {
    const base = await buildBase(8);
    const { chain } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 3));
    // heights 5..8: their parent (4) is missing
    const results = await chain.processBlocks(blocksAbove(base, 4).map((b) => b.block));
    assert.deepEqual(
      results.map((r) => r.status),
      ['orphan'],
    );
    assert.equal(chain.tip.height, 3);
    await chain.stop();
  });

  it('a run that reorganizes onto a heavier branch (a disconnect writes what came before it first)', async () => {
    const base = await buildBase(9);
    const side = forkAt(base, 5);
    // its block 9 ties main's and loses the tie-break
    for (let i = 0; i < 6; i++)
      await side.mine(side.height === 8 ? { losesTieTo: base.entries[9]!.block } : {});
    // main to 9 in one run, then the side branch (6..11) in another: it overtakes at 10
    const batched = await openChain();
    await batched.chain.processBlocks(blocksAbove(base, 0).map((b) => b.block));
    const results = await batched.chain.processBlocks(blocksAbove(side, 5).map((b) => b.block));
    assert.deepEqual(
      results.map((r) => r.status),
      ['side', 'side', 'side', 'side', 'reorganized', 'connected'],
    );
    assert.equal(hex(batched.chain.tip.hash), hex(side.tip.block.hash));
    await assertSameAsBlockByBlock(batched.db, [...blocksAbove(base, 0), ...blocksAbove(side, 5)]);
    await batched.chain.stop();
  });

  it('a run whose write fails leaves the disk at the tip before it, consistent, and the chain refuses to go on', async () => {
    const base = await buildBase(14);
    const db = new ChainDb({ backend: 'memory' });
    const { chain } = await openChain(db);
    await feed(chain, blocksAbove(base, 0).slice(0, 6));
    const onDisk = await dumpDb(db);
    // the crash: the run's one write never reaches the disk
    const proto = Object.getPrototypeOf(db) as { write: (ops: unknown) => Promise<void> };
    const write = proto.write;
    (db as unknown as { write: () => Promise<void> }).write = async () => {
      throw new Error('disk full');
    };
    await assert.rejects(chain.processBlocks(blocksAbove(base, 6).map((b) => b.block)), /disk full/);
    assert.deepEqual(await dumpDb(db), onDisk, 'nothing of the run is on disk');
    // its memory is ahead of the disk now: no further write on top of it
    (db as unknown as { write: typeof write }).write = write;
    await assert.rejects(chain.processBlocks([base.entries[7]!.block.block]), /deferred write failed/);
    await chain.stop();
    const report = await verifyStoredChain({
      db,
      params: P,
      evaluator: linearEvaluator,
      verifier: nobleVerifier,
      clock: CLOCK,
    });
    assert.equal(report.height, 6);
    const again = await openChain(db);
    assert.equal(again.chain.tip.height, 6);
    await again.chain.processBlocks(blocksAbove(base, 6).map((b) => b.block));
    assert.equal(again.chain.tip.height, 14, 'restarted, it imports the run again');
    await again.chain.stop();
  });
});
