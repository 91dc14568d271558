import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Block,
  blockWithIds,
  type Evaluator,
  equalBytes,
  genesisBlock,
  type Hash,
  type ImprovementJob,
  type ImprovementResult,
  nobleVerifier,
  toHex,
  VerdictError,
  verifyImprovementJob,
  ZERO_HASH,
} from '../../../../consensus/index.js';
import { Chain, ChainError, type ChainEvents } from '../../../../node/chain/index.js';
import { ChainDb, utxoSnapshotFromDb } from '../../../../node/db/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { improvingDelta, type LinearModel, linearEvaluator } from '../../../../training/index.js';
import { coinbaseTx, rejectReason, type TestChain } from '../../../utils/chainBuilder.js';
import {
  blocksAbove,
  buildBase,
  CLOCK,
  dumpDb,
  feed,
  forceAppend,
  forkAt,
  mineSpend,
  openChain,
  P,
} from './helpers.js';

describe('node/chain Chain', () => {
  let base: TestChain;

  before(async () => {
    base = await buildBase(12);
  });

  it('writes genesis on first start: empty UTXO set, initial model, nothing issued', async () => {
    const { chain, db } = await openChain();
    const g = genesisBlock(P);
    assert.ok(equalBytes(chain.tip.hash, g.hash));
    assert.equal(chain.tip.height, 0);
    assert.equal(chain.tip.issuedAfter, 0n);
    assert.equal(chain.tip.status, 'valid-connected');
    assert.deepEqual(await utxoSnapshotFromDb(db), []);
    assert.ok(equalBytes(linearEvaluator.modelHash(chain.getTipModel()), P.genesis.modelHash));
    assert.equal(toHex(chain.getEntryByHeight(0)!.hash), P.genesis.hash);
    const report = await chain.verifyChain();
    assert.equal(report.height, 0);
    assert.equal(report.coins, 0);
  });

  it('refuses an evaluator whose initial model is not the one genesis commits to', async () => {
    const other: Evaluator<LinearModel> = {
      ...linearEvaluator,
      initialModel: () => Int32Array.from({ length: 24 }, () => 1),
    };
    const chain = new Chain<LinearModel>(
      {},
      {
        db: new ChainDb({ backend: 'memory' }),
        params: P,
        evaluator: other,
        verifier: nobleVerifier,
        logger: silentLogger,
        clock: CLOCK,
      },
    );
    await assert.rejects(
      chain.start(),
      (e: unknown) => e instanceof ChainError && e.code === 'CHAIN_GENESIS_MISMATCH',
    );
  });

  it('connects a chain with spends: UTXO set equals the replay, events fire in order', async () => {
    const { chain, db } = await openChain();
    const seen: string[] = [];
    chain.on('block', ({ block, entry }) => {
      assert.ok(equalBytes(block.hash, entry.hash));
      seen.push(`block ${entry.height}`);
    });
    chain.on('tip', (e) => seen.push(`tip ${e.height}`));
    const statuses = await feed(chain, blocksAbove(base, 0));
    assert.deepEqual(statuses, Array(12).fill('connected'));
    assert.equal(chain.tip.height, 12);
    assert.ok(equalBytes(chain.tip.hash, base.tip.block.hash));
    assert.equal(chain.tip.issuedAfter, base.tip.issued);
    assert.deepEqual(await utxoSnapshotFromDb(db), base.utxo.snapshot());
    assert.deepEqual(seen.slice(0, 4), ['block 1', 'tip 1', 'block 2', 'tip 2']);
    const report = await chain.verifyChain();
    assert.equal(report.blocksChecked, 12);
    assert.equal(report.coins, base.utxo.size);
    assert.deepEqual(report.mismatches, []);
    // reads
    const e5 = chain.getEntryByHeight(5)!;
    assert.ok(equalBytes(e5.hash, base.entries[5]!.block.hash));
    assert.ok(chain.isOnBestChain(e5.hash));
    const blk = await chain.getBlock(e5.hash);
    assert.ok(blk && equalBytes(blockWithIds(blk).hash, e5.hash));
    const cb = base.coinbaseOutpoint(12);
    assert.deepEqual(await chain.getCoin(cb.op), cb.coin);
    const spent = base.coinbaseOutpoint(1);
    assert.equal(await chain.getCoin(spent.op), undefined);
  });

  it('reports duplicates, stored and orphaned', async () => {
    const { chain } = await openChain();
    const blocks = blocksAbove(base, 0);
    await feed(chain, blocks.slice(0, 3));
    const dup = await chain.processBlock(blocks[1]!.block);
    assert.equal(dup.status, 'duplicate');
    assert.equal(dup.height, 2);
    const g = await chain.processBlock(genesisBlock(P).block);
    assert.equal(g.status, 'duplicate');
    assert.equal((await chain.processBlock(blocks[5]!.block)).status, 'orphan');
    assert.equal((await chain.processBlock(blocks[5]!.block)).status, 'duplicate');
    assert.equal(chain.orphanCount, 1);
  });

  it('keeps an orphan until its parent arrives, then connects it (and its own orphan children)', async () => {
    const { chain } = await openChain();
    const blocks = blocksAbove(base, 0);
    await feed(chain, blocks.slice(0, 2));
    const tips: number[] = [];
    chain.on('tip', (e) => tips.push(e.height));
    assert.equal((await chain.processBlock(blocks[4]!.block)).status, 'orphan');
    assert.equal((await chain.processBlock(blocks[3]!.block)).status, 'orphan');
    assert.equal(chain.tip.height, 2);
    assert.equal(chain.orphanCount, 2);
    const r = await chain.processBlock(blocks[2]!.block);
    assert.equal(r.status, 'connected');
    assert.equal(r.height, 3);
    assert.equal(chain.tip.height, 5);
    assert.equal(chain.orphanCount, 0);
    assert.deepEqual(tips, [3, 4, 5]);
    await chain.verifyChain();
  });

  it('rejects a block failing context-free checks and writes nothing', async () => {
    const { chain, db } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 4));
    const tc = forkAt(base, 4);
    const before = await dumpDb(db);
    const badRoot = tc.buildBlock({ tamperHeader: (h) => ({ ...h, merkleRoot: ZERO_HASH }) });
    assert.equal(await rejectReason(() => chain.processBlock(badRoot.block)), 'bad-txnmrklroot');
    const tooMuch = tc.buildBlock({ tamper: (p) => p.txs.push(p.txs[0]!) });
    assert.equal(await rejectReason(() => chain.processBlock(tooMuch.block)), 'bad-cb-multiple');
    assert.deepEqual(await dumpDb(db), before);
    assert.equal(chain.getEntry(badRoot.hash), undefined);
    assert.equal(chain.tip.height, 4);
  });

  it('rejects an invalid block with its reason, stores no block or coin, and rejects it and its children fast', async () => {
    const { chain, db, verifier } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 6));
    const tc = forkAt(base, 6);
    const utxoBefore = await utxoSnapshotFromDb(db);
    // Over-claims the coinbase: only found when connecting (UTXO rules).
    const from = tc.coinbaseOutpoint(3);
    const tx = tc.spend(from, [{ value: from.coin.value - 1000n, pubKeyHash: tc.miner.pkh }]);
    const reward = 50n * 100_000_000n;
    const bad = tc.buildBlock({ txs: [tx], coinbaseTotal: reward + 1000n + 1n });
    assert.equal(await rejectReason(() => chain.processBlock(bad.block)), 'bad-cb-amount');
    assert.equal(chain.tip.height, 6);
    assert.deepEqual(await utxoSnapshotFromDb(db), utxoBefore);
    assert.equal(await db.getBlockBytes(bad.hash), undefined);
    assert.equal(await db.getUndo(bad.hash), undefined);
    const entry = chain.getEntry(bad.hash)!;
    assert.equal(entry.status, 'invalid');
    assert.equal(entry.invalidReason, 'bad-cb-amount');
    // Sent again: rejected from the index, without running validation.
    const calls = verifier.calls;
    assert.equal(await rejectReason(() => chain.processBlock(bad.block)), 'bad-cb-amount');
    // A child of the invalid block: rejected at once.
    forceAppend(tc, bad);
    const child = tc.buildBlock();
    assert.equal(await rejectReason(() => chain.processBlock(child.block)), 'bad-cb-amount');
    assert.equal(chain.getEntry(child.hash)!.status, 'invalid');
    assert.equal(verifier.calls, calls);
    await chain.verifyChain();
  });

  it('rejects a block with a bad signature once, then from the index without verifying again', async () => {
    const { chain, db, verifier } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 6));
    const tc = forkAt(base, 6);
    const from = tc.coinbaseOutpoint(3);
    const good = tc.spend(from, [{ value: from.coin.value - 1000n, pubKeyHash: tc.miner.pkh }]);
    const sig = Uint8Array.from(good.witnesses[0]!.sig);
    sig[5]! ^= 1;
    const forged = { ...good, witnesses: [{ pubkey: good.witnesses[0]!.pubkey, sig }] };
    const bad = tc.buildBlock({ txs: [forged], fees: 1000n });
    const utxoBefore = await utxoSnapshotFromDb(db);
    const calls = verifier.calls;
    assert.equal(await rejectReason(() => chain.processBlock(bad.block)), 'bad-txns-sig');
    assert.equal(verifier.calls, calls + 1);
    assert.deepEqual(await utxoSnapshotFromDb(db), utxoBefore);
    assert.equal(chain.tip.height, 6);
    assert.equal(await rejectReason(() => chain.processBlock(bad.block)), 'bad-txns-sig');
    forceAppend(tc, bad);
    assert.equal(await rejectReason(() => chain.processBlock(tc.buildBlock().block)), 'bad-txns-sig');
    assert.equal(verifier.calls, calls + 1);
  });

  it('rejects a block from the future as context (not invalid) and stores nothing', async () => {
    const { chain, db } = await openChain();
    const before = await dumpDb(db);
    const tc = forkAt(base, 0);
    const future = tc.buildBlock({ time: CLOCK() + P.maxFutureDrift + 1 });
    await assert.rejects(
      chain.processBlock(future.block),
      (e: unknown) => e instanceof VerdictError && e.reason === 'time-too-new' && e.level === 'context',
    );
    assert.deepEqual(await dumpDb(db), before);
  });

  it('gives a block template context on top of the tip that a built block satisfies', async () => {
    const { chain } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 7));
    const ctx = chain.nextBlockContext(CLOCK());
    assert.equal(ctx.height, 8);
    assert.ok(equalBytes(ctx.prevHash, chain.tip.hash));
    assert.equal(ctx.bits, P.powLimitBits);
    const times = base.entries
      .slice(0, 8)
      .map((e) => e.time)
      .sort((a, b) => a - b);
    assert.equal(ctx.medianTimePast, times[Math.floor(times.length / 2)]);
    assert.equal(ctx.issued, base.entries[7]!.issued);
    assert.ok(equalBytes(ctx.modelHash, P.genesis.modelHash));
    const cb = coinbaseTx(ctx.height, 50n * 100_000_000n, base.miner.pkh, P);
    const tc = forkAt(base, 7);
    const b = tc.buildBlock({ tamper: (p) => (p.txs[0] = cb), time: ctx.medianTimePast + 1 });
    assert.equal((await chain.processBlock(b.block)).status, 'connected');
    const locator = chain.getLocator();
    assert.ok(equalBytes(locator[0]!, b.hash));
    assert.ok(equalBytes(locator[locator.length - 1]!, genesisBlock(P).hash));
  });

  it('restarts on the level backend with the same tip, index, UTXO set and tip model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qenex-chain-'));
    try {
      const path = join(dir, 'chain');
      const tc = forkAt(base, 10);
      await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      await mineSpend(tc, 7);
      const side = forkAt(base, 9).buildBlock({ time: base.entries[9]!.time + 7 });
      let db = new ChainDb({ backend: 'level', path });
      let { chain } = await openChain(db);
      await feed(chain, blocksAbove(tc, 0));
      assert.equal((await chain.processBlock(side.block)).status, 'side');
      const tip = chain.tip;
      const utxo = await utxoSnapshotFromDb(db);
      const model = chain.getTipModel();
      assert.notDeepEqual(model, linearEvaluator.initialModel());
      await chain.stop();
      await db.close();

      db = new ChainDb({ backend: 'level', path });
      ({ chain } = await openChain(db));
      assert.deepEqual(chain.tip, tip);
      assert.deepEqual(await utxoSnapshotFromDb(db), utxo);
      assert.deepEqual(chain.getTipModel(), model);
      assert.equal(chain.getEntry(side.hash)?.status, 'unvalidated');
      await chain.verifyChain();
      // It keeps working: a new block gets a later first-seen number.
      const next = await mineSpend(tc, 8);
      assert.equal((await chain.processBlock(next.block)).status, 'connected');
      assert.ok(chain.tip.seq > chain.getEntry(side.hash)!.seq);
      await chain.stop();
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('may relay before validation only a new update block on the tip that passes every check but scoring', async () => {
    const { chain } = await openChain();
    try {
      const tc = forkAt(base, 10);
      await feed(chain, blocksAbove(tc, 0));
      const update = { delta: improvingDelta(tc.tip.model) };
      const good = tc.buildBlock({ update });
      assert.equal(chain.relayBeforeValidation(good.block), true);
      // …even when its update would fail scoring: that is what relay does not wait for
      const overclaimed = tc.buildBlock({ update: { ...update, claimedPpm: P.maxImprovementPpm } });
      assert.equal(chain.relayBeforeValidation(overclaimed.block), true);
      await assert.rejects(chain.processBlock(overclaimed.block), /bad-model-claim|bad-model-improvement/);
      assert.equal(chain.relayBeforeValidation(overclaimed.block), false, 'known (invalid)');
      // not: a block without an update (cheap to validate), a broken merkle root, bad bits, a
      // parent that is not the tip, a block already held
      assert.equal(chain.relayBeforeValidation(tc.buildBlock().block), false);
      const badRoot = tc.buildBlock({
        update,
        tamperHeader: (h) => ({ ...h, merkleRoot: new Uint8Array(32) }),
      });
      assert.equal(chain.relayBeforeValidation(badRoot.block), false);
      const badBits = tc.buildBlock({ update, tamperHeader: (h) => ({ ...h, bits: h.bits - 1 }) });
      assert.equal(chain.relayBeforeValidation(badBits.block), false);
      const side = forkAt(base, 9).buildBlock({ update: { delta: improvingDelta(base.entries[9]!.model) } });
      assert.equal(chain.relayBeforeValidation(side.block), false);
      assert.equal((await chain.processBlock(good.block)).status, 'connected');
      assert.equal(chain.relayBeforeValidation(good.block), false);
    } finally {
      await chain.stop();
    }
  });

  it('may relay before validation a child of a block it let through that is still being validated (one level)', async () => {
    const { chain } = await openChain();
    try {
      const tc = forkAt(base, 10);
      await feed(chain, blocksAbove(tc, 0));
      const u = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      const c = await tc.mine();
      const badBits = tc.buildBlock({ tamperHeader: (h) => ({ ...h, bits: h.bits - 1 }) });
      const g = tc.buildBlock();
      // its parent is unknown and was not let through: not relayed before validation
      assert.equal(chain.relayBeforeValidation(c.block), false);
      assert.equal(chain.relayBeforeValidation(u.block), true);
      // now a plain child of the pending update block goes at once, if its header passes in context
      assert.equal(chain.relayBeforeValidation(badBits.block), false);
      assert.equal(chain.relayBeforeValidation(c.block), true);
      // a grandchild does not: its parent's parent is not the tip
      assert.equal(chain.relayBeforeValidation(g.block), false);
      assert.equal((await chain.processBlock(u.block)).status, 'connected');
      // the update block is now the tip: its plain child is validated first (milliseconds)
      assert.equal(chain.relayBeforeValidation(c.block), false);
      assert.equal((await chain.processBlock(c.block)).status, 'connected');
      assert.equal((await chain.processBlock(g.block)).status, 'connected');
    } finally {
      await chain.stop();
    }
  });

  it('may relay before validation a plain block on the tip while another block is being processed', async () => {
    const { chain } = await openChain();
    try {
      const tc = forkAt(base, 10);
      await feed(chain, blocksAbove(tc, 0));
      const u = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      const child = tc.buildBlock();
      const sibling = forkAt(base, 10).buildBlock();
      // idle: a plain block is validated first (milliseconds), its sender answerable for it
      assert.equal(chain.relayBeforeValidation(sibling.block), false);
      const processing = chain.processBlock(u.block);
      // the update block holds the chain: the plain block would wait behind its scoring
      assert.equal(chain.relayBeforeValidation(sibling.block), true);
      const badBits = forkAt(base, 10).buildBlock({ tamperHeader: (h) => ({ ...h, bits: h.bits - 1 }) });
      assert.equal(chain.relayBeforeValidation(badBits.block), false, 'its header still has to pass');
      assert.equal((await processing).status, 'connected');
      // idle again: the update block's plain child is validated first
      assert.equal(chain.relayBeforeValidation(child.block), false);
      assert.equal((await chain.processBlock(child.block)).status, 'connected');
      assert.notEqual((await chain.processBlock(sibling.block)).status, 'connected', 'a losing sibling');
    } finally {
      await chain.stop();
    }
  });

  it('scores a model update once: storing and connecting its block compare parent and child one time', async () => {
    let compares = 0;
    const counting: Evaluator<LinearModel> = {
      ...linearEvaluator,
      compare: (...args) => {
        compares++;
        return linearEvaluator.compare(...args);
      },
    };
    const chain = new Chain<LinearModel>(
      {},
      {
        db: new ChainDb({ backend: 'memory' }),
        params: P,
        evaluator: counting,
        verifier: nobleVerifier,
        logger: silentLogger,
        clock: CLOCK,
      },
    );
    await chain.start();
    try {
      const tc = forkAt(base, 10);
      const b = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      await feed(chain, blocksAbove(tc, 0).slice(0, -1));
      assert.equal(compares, 0, 'blocks without an update are not scored');
      assert.equal((await chain.processBlock(b.block)).status, 'connected');
      assert.ok(chain.tip.improvementPpm > 0);
      assert.equal(compares, 1, 'stored and connected in one call: scored once');
    } finally {
      await chain.stop();
    }
  });

  /** A chain on memory whose model updates are verified by `verify` (deps.improvement). */
  const chainVerifyingWith = (
    verify: (job: ImprovementJob<LinearModel>) => Promise<ImprovementResult<LinearModel>>,
  ): Chain<LinearModel> =>
    new Chain<LinearModel>(
      {},
      {
        db: new ChainDb({ backend: 'memory' }),
        params: P,
        evaluator: linearEvaluator,
        verifier: nobleVerifier,
        logger: silentLogger,
        clock: CLOCK,
        improvement: { verify },
      },
    );

  it('verifies a model update through deps.improvement when given (a node: on another thread), its verdicts as its own', async () => {
    const jobs: ImprovementJob<LinearModel>[] = [];
    let refuse = false;
    const chain = chainVerifyingWith(async (job) => {
      jobs.push(job);
      await new Promise((r) => setImmediate(r)); // answered later, as a thread would
      if (refuse) throw new VerdictError('bad-model-improvement', 'refused by the test');
      return verifyImprovementJob(linearEvaluator, job, P);
    });
    await chain.start();
    try {
      const tc = forkAt(base, 10);
      await feed(chain, blocksAbove(tc, 0));
      assert.equal(jobs.length, 0, 'blocks without an update are not sent');
      const b = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      assert.equal((await chain.processBlock(b.block)).status, 'connected');
      assert.equal(jobs.length, 1);
      assert.ok(equalBytes(jobs[0]!.blockHash, b.hash));
      assert.ok(chain.tip.improvementPpm > 0);
      refuse = true;
      const next = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      assert.equal(await rejectReason(() => chain.processBlock(next.block)), 'bad-model-improvement');
      assert.equal(chain.getEntry(next.hash)?.status, 'invalid');
      assert.ok(equalBytes(chain.tip.hash, b.hash));
    } finally {
      await chain.stop();
    }
  });

  it("takes its miner's verification of a found block (not scored again), unless it names another model", async () => {
    const jobs: ImprovementJob<LinearModel>[] = [];
    const chain = chainVerifyingWith(async (job) => {
      jobs.push(job);
      return verifyImprovementJob(linearEvaluator, job, P);
    });
    await chain.start();
    try {
      const tc = forkAt(base, 10);
      await feed(chain, blocksAbove(tc, 0));
      const jobOf = (b: { block: Block; hash: Hash }): ImprovementJob<LinearModel> => ({
        parent: chain.getTipModel(),
        parentModelHash: chain.tip.modelHash,
        update: b.block.update!,
        headerModelHash: b.block.header.modelHash,
        blockHash: b.hash,
        levels: chain.tip.levels.levels,
        growth: chain.growthWindow(),
      });
      const b = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      const own = verifyImprovementJob(linearEvaluator, jobOf(b), P);
      assert.equal((await chain.processBlock(b.block, 'miner', { improvement: own })).status, 'connected');
      assert.equal(jobs.length, 0, "the miner's own verification is not repeated");
      assert.equal(chain.tip.improvementPpm, own.improvementPpm);
      // a result for another model (a bug, not an attack: only the node's miner hands one over)
      const next = await tc.mine({ update: { delta: improvingDelta(tc.tip.model) } });
      const wrong = {
        ...verifyImprovementJob(linearEvaluator, jobOf(next), P),
        modelHash: new Uint8Array(32),
      };
      assert.equal(
        (await chain.processBlock(next.block, 'miner', { improvement: wrong })).status,
        'connected',
      );
      assert.equal(jobs.length, 1, 'verified again');
      assert.ok(equalBytes(chain.tip.hash, next.hash));
    } finally {
      await chain.stop();
    }
  });

  it('stops accepting blocks after stop(), and starts again from the database', async () => {
    const { chain } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 3));
    await chain.stop();
    await assert.rejects(
      chain.processBlock(base.entries[4]!.block.block),
      (e: unknown) => e instanceof ChainError && e.code === 'CHAIN_NOT_STARTED',
    );
    await chain.start();
    assert.equal(chain.tip.height, 3);
    assert.equal((await chain.processBlock(base.entries[4]!.block.block)).status, 'connected');
    await chain.verifyChain();
  });

  it('isolates a listener that throws', async () => {
    const { chain } = await openChain();
    const got: ChainEvents['tip'][] = [];
    chain.on('block', () => {
      throw new Error('listener bug');
    });
    chain.on('tip', (e) => got.push(e));
    assert.equal((await chain.processBlock(base.entries[1]!.block.block)).status, 'connected');
    assert.equal(got.length, 1);
  });
});
