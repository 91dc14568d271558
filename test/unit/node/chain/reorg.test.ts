import { strict as assert } from 'node:assert';
import {
  type BlockWithIds,
  equalBytes,
  type NetworkParams,
  nextBits,
  tieWinner,
  toHex,
  VerdictError,
} from '../../../../consensus/index.js';
import { ChainDb, utxoSnapshotFromDb } from '../../../../node/db/index.js';
import { improvingDelta, linearEvaluator } from '../../../../training/index.js';
import { rejectReason, TestChain } from '../../../utils/chainBuilder.js';
import {
  blocksAbove,
  buildBase,
  CLOCK,
  feed,
  forceAppend,
  forkAt,
  mineSpend,
  openChain,
  P,
} from './helpers.js';

const REWARD = 50n * 100_000_000n;

describe('node/chain reorganizations and fork choice', () => {
  let base: TestChain;

  before(async () => {
    base = await buildBase(12);
  });

  it('reorgs to a heavier branch and back: UTXO set and tip model equal a replay each time', async () => {
    const { chain, db } = await openChain();
    await feed(chain, blocksAbove(base, 0));
    // Branch B from height 8: an update at 9 (its improvement outweighs), spends of coins A also spends.
    const b = forkAt(base, 8);
    await mineSpend(b, 5, { update: { delta: improvingDelta(b.tip.model) } });
    await mineSpend(b, 6);
    await b.mine();
    await mineSpend(b, 9);
    const events: string[] = [];
    chain.on('block', ({ entry, timing }) => {
      events.push(`+${entry.height}`);
      assert.ok(
        timing.validateMs >= 0 && timing.connectMs >= timing.validateMs,
        'validation is part of the connect',
      );
    });
    chain.on('disconnect', ({ entry }) => events.push(`-${entry.height}`));
    chain.on('reorg', (r) =>
      events.push(`reorg ${r.forkHeight} -${r.disconnected} +${r.connected} ${r.tip.height}`),
    );
    chain.on('tip', (e) => events.push(`tip ${e.height}`));
    assert.deepEqual(await feed(chain, blocksAbove(b, 8)), ['side', 'side', 'side', 'reorganized']);
    assert.ok(equalBytes(chain.tip.hash, b.tip.block.hash));
    assert.deepEqual(events, [
      '-12',
      '-11',
      '-10',
      '-9',
      '+9',
      '+10',
      '+11',
      '+12',
      'reorg 8 -4 +4 12',
      'tip 12',
    ]);
    assert.deepEqual(await utxoSnapshotFromDb(db), b.utxo.snapshot());
    assert.deepEqual(chain.getTipModel(), b.tip.model);
    assert.notDeepEqual(chain.getTipModel(), linearEvaluator.initialModel());
    assert.equal(chain.tip.issuedAfter, b.tip.issued);
    for (let h = 9; h <= 12; h++)
      assert.equal(chain.getEntry(base.entries[h]!.block.hash)?.status, 'valid-side');
    await chain.verifyChain();

    // A grows heavier again: back to A, model back to the initial one.
    const a = forkAt(base, 12);
    await mineSpend(a, 9);
    await a.mine();
    events.length = 0;
    assert.deepEqual(await feed(chain, blocksAbove(a, 12)), ['reorganized', 'connected']);
    assert.deepEqual(events, [
      '-12',
      '-11',
      '-10',
      '-9',
      '+9',
      '+10',
      '+11',
      '+12',
      '+13',
      'reorg 8 -4 +5 13',
      'tip 13',
      '+14',
      'tip 14',
    ]);
    assert.deepEqual(await utxoSnapshotFromDb(db), a.utxo.snapshot());
    assert.deepEqual(chain.getTipModel(), linearEvaluator.initialModel());
    assert.equal(chain.tip.issuedAfter, a.tip.issued);
    const report = await chain.verifyChain();
    assert.equal(report.blocksChecked, 14);
  });

  it('keeps the old chain when the heavier branch has an invalid block in the middle', async () => {
    const { chain, db, verifier } = await openChain();
    await feed(chain, blocksAbove(base, 0).slice(0, 10));
    const a = forkAt(base, 10);
    const b = forkAt(base, 8);
    const b9 = await mineSpend(b, 5, { time: b.tip.time + 3 });
    // over-claims: found only when connecting; it ties A's tip and loses the tie-break
    const b10 = b.buildBlock({ coinbaseTotal: REWARD + 1n, losesTieTo: a.tip.block });
    forceAppend(b, b10);
    const b11 = b.buildBlock();
    forceAppend(b, b11);
    const events: string[] = [];
    chain.on('block', ({ entry }) => events.push(`+${entry.height}`));
    chain.on('disconnect', ({ entry }) => events.push(`-${entry.height}`));
    chain.on('tip', (e) => events.push(`tip ${e.height}`));
    assert.deepEqual(await feed(chain, [b9, b10]), ['side', 'side']);
    assert.equal(await rejectReason(() => chain.processBlock(b11.block)), 'bad-cb-amount');
    // Tried B (connected b9, failed at b10), then restored A; the tip never changed.
    assert.deepEqual(events, ['-10', '-9', '+9', '-9', '+9', '+10']);
    assert.ok(equalBytes(chain.tip.hash, a.tip.block.hash));
    assert.deepEqual(await utxoSnapshotFromDb(db), a.utxo.snapshot());
    assert.equal(chain.getEntry(b9.hash)?.status, 'valid-side');
    assert.equal(chain.getEntry(b10.hash)?.status, 'invalid');
    assert.equal(chain.getEntry(b10.hash)?.invalidReason, 'bad-cb-amount');
    assert.equal(chain.getEntry(b11.hash)?.status, 'invalid');
    assert.equal(await db.getBlockBytes(b10.hash), undefined);
    // A descendant of the invalid block is rejected at once: no validation, no reorg attempt.
    const calls = verifier.calls;
    events.length = 0;
    const b12 = b.buildBlock();
    await assert.rejects(
      chain.processBlock(b12.block),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-cb-amount',
    );
    assert.equal(chain.getEntry(b12.hash)?.status, 'invalid');
    assert.equal(verifier.calls, calls);
    assert.deepEqual(events, []);
    await chain.verifyChain();
  });

  it('lets a branch with less work win by a verified model improvement', async () => {
    // Retargeting every 4 blocks (1-second blocks make it harder), so that two branches can carry
    // different work per block. TestChain validates with fixed bits, so blocks are appended unchecked
    // here; the Chain checks them fully.
    const PR: NetworkParams = Object.freeze({ ...P, noRetargeting: false, retargetInterval: 4 });
    const g = PR.genesis.time;
    const next = (tc: TestChain, time: number, update = false): BlockWithIds => {
      const tip = tc.tip;
      const height = tip.height + 1;
      const start = tc.entries[height - PR.retargetInterval];
      const bits = nextBits(
        {
          height,
          parentBits: tip.block.block.header.bits,
          parentTime: tip.time,
          intervalStartTime: start?.time ?? 0,
        },
        PR,
      );
      const b = tc.buildBlock({
        time,
        tamperHeader: (h) => ({ ...h, bits }),
        update: update ? { delta: improvingDelta(tip.model, 7) } : null,
      });
      if (!update) forceAppend(tc, b);
      return b;
    };
    const common = new TestChain(PR);
    for (let h = 1; h <= 9; h++) next(common, g + h);
    // A: block 12 retargets 7/8 of the target (more work); B: 9/8 (less work) but improves the model.
    const a = forkAt(common, 9);
    next(a, g + 12);
    next(a, g + 15);
    const a12 = next(a, g + 16);
    const b = forkAt(common, 9);
    next(b, g + 14);
    next(b, g + 17);
    const plain12 = next(b, g + 18);
    b.entries.pop();
    const b12 = next(b, g + 19, true);

    const { chain } = await openChain(new ChainDb({ backend: 'memory' }), PR);
    assert.deepEqual(await feed(chain, [...blocksAbove(a, 0)]), Array(12).fill('connected'));
    assert.deepEqual(await feed(chain, [...blocksAbove(b, 9), plain12]), ['side', 'side', 'side']);
    assert.deepEqual(await feed(chain, [b12]), ['reorganized']);
    const work = (tip: Uint8Array): bigint => {
      let total = 0n;
      for (let e = chain.getEntry(tip); e && e.height > 9; e = chain.getEntry(e.prevHash)) total += e.work;
      return total;
    };
    assert.ok(work(a12.hash) > work(b12.hash), `A has more work (${work(a12.hash)} vs ${work(b12.hash)})`);
    assert.ok(work(plain12.hash) === work(b12.hash));
    assert.ok(chain.getEntry(plain12.hash)!.weight < chain.getEntry(a12.hash)!.weight);
    assert.ok(chain.getEntry(b12.hash)!.improvementPpm > 0);
    assert.ok(chain.getEntry(b12.hash)!.weight > chain.getEntry(a12.hash)!.weight);
    assert.ok(equalBytes(chain.tip.hash, b12.hash));
    const u = b12.block.update!;
    const combined = linearEvaluator.combine(
      b.tip.model,
      u.contributions.map((c) => c.delta),
      u.rule,
    );
    assert.deepEqual(chain.getTipModel(), combined.model);
    await chain.verifyChain();
  });

  it('breaks a tie in weight the same way whatever order the blocks came in (consensus tieWinner)', async () => {
    const x = forkAt(base, 10).buildBlock();
    const y = forkAt(base, 10).buildBlock({ time: base.entries[10]!.time + 3 });
    const winner = tieWinner([x, y]);
    for (const [first, second] of [
      [x, y],
      [y, x],
    ] as const) {
      const { chain, db } = await openChain();
      await feed(chain, blocksAbove(base, 0).slice(0, 10));
      // The second block ties the first: it becomes the tip when the tie-break picks it.
      assert.deepEqual(await feed(chain, [first, second]), [
        'connected',
        second === winner ? 'reorganized' : 'side',
      ]);
      assert.equal(chain.getEntry(first.hash)!.weight, chain.getEntry(second.hash)!.weight);
      assert.equal(toHex(chain.tip.hash), toHex(winner.hash));
      await chain.verifyChain();
      // A restart keeps the same tip.
      await chain.stop();
      const restarted = await openChain(db);
      assert.equal(toHex(restarted.chain.tip.hash), toHex(winner.hash));
    }
  });

  it('restores the old chain, without marking anything invalid, when a branch block cannot be judged yet', async () => {
    let now = CLOCK();
    const { chain, db } = await openChain(undefined, P, () => now);
    await feed(chain, blocksAbove(base, 0).slice(0, 10));
    const a = forkAt(base, 10);
    const b = forkAt(base, 8);
    const t8 = base.entries[8]!.time;
    await b.mine({ time: t8 + 3 });
    await b.mine({ time: t8 + 5000, losesTieTo: a.tip.block });
    assert.deepEqual(await feed(chain, blocksAbove(b, 8)), ['side', 'side']);
    // The clock goes back: block 10 of B is now too far in the future; B's block 11 is not.
    now = t8 + 5000 - P.maxFutureDrift - 1;
    const b11 = await b.mine({ time: t8 + 10 });
    const events: string[] = [];
    chain.on('block', ({ entry }) => events.push(`+${entry.height}`));
    chain.on('disconnect', ({ entry }) => events.push(`-${entry.height}`));
    assert.equal((await chain.processBlock(b11.block)).status, 'side');
    assert.deepEqual(events, ['-10', '-9', '+9', '-9', '+9', '+10']);
    assert.ok(equalBytes(chain.tip.hash, a.tip.block.hash));
    assert.deepEqual(await utxoSnapshotFromDb(db), a.utxo.snapshot());
    assert.equal(chain.getEntry(b.entries[10]!.block.hash)?.status, 'unvalidated');
    assert.equal(chain.getEntry(b11.hash)?.status, 'unvalidated');
    // Later it can be judged, and B wins.
    now = CLOCK();
    const b12 = await b.mine();
    assert.equal((await chain.processBlock(b12.block)).status, 'reorganized');
    assert.deepEqual(await utxoSnapshotFromDb(db), b.utxo.snapshot());
    await chain.verifyChain();
  });

  it('finishes an interrupted reorg on the next start, whatever batch the crash hit', async function () {
    // one crash and restart per batch of the reorg: ~10 s alone, more on a loaded machine
    this.timeout(120_000);
    // B ties A at height 12 (A stays: it wins the tie-break); B's block 13, with a model update, wins.
    const b = forkAt(base, 8);
    await mineSpend(b, 5, { time: b.tip.time + 3 });
    await mineSpend(b, 6);
    await b.mine();
    await mineSpend(b, 9, { losesTieTo: base.entries[12]!.block });
    await b.mine({ update: { delta: improvingDelta(b.tip.model) } });
    const branch = blocksAbove(b, 8);
    const last = branch.pop()!;
    let completed = false;
    for (let crashAt = 0; !completed; crashAt++) {
      assert.ok(crashAt < 20, 'the reorg should take fewer than 20 batches');
      const db = new ChainDb({ backend: 'memory' });
      const { chain } = await openChain(db);
      await feed(chain, [...blocksAbove(base, 0), ...branch]);
      assert.ok(equalBytes(chain.tip.hash, base.tip.block.hash));
      let writes = 0;
      const realBatch = db.batch.bind(db);
      db.batch = () => {
        const batch = realBatch();
        if (writes++ === crashAt) {
          batch.write = async () => {
            throw new Error('simulated crash');
          };
        }
        return batch;
      };
      try {
        await chain.processBlock(last.block);
        completed = true;
      } catch (e) {
        assert.equal((e as Error).message, 'simulated crash');
      }
      db.batch = realBatch;
      const restarted = await openChain(db);
      if (crashAt === 0) {
        // The crash hit the batch storing the block itself: nothing of it is stored; a peer resends it.
        assert.equal(restarted.chain.getEntry(last.hash), undefined);
        assert.equal(restarted.chain.tip.height, 12);
        assert.equal((await restarted.chain.processBlock(last.block)).status, 'reorganized');
      }
      assert.ok(equalBytes(restarted.chain.tip.hash, last.hash), `crash at batch ${crashAt}: B is active`);
      assert.deepEqual(await utxoSnapshotFromDb(db), b.utxo.snapshot());
      assert.deepEqual(restarted.chain.getTipModel(), b.tip.model);
      await restarted.chain.verifyChain();
    }
  });
});
