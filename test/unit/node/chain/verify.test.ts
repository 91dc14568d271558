import { strict as assert } from 'node:assert';
import { nobleVerifier } from '../../../../consensus/index.js';
import { ChainError, replayStoredChain, verifyStoredChain } from '../../../../node/chain/index.js';
import { linearEvaluator } from '../../../../training/index.js';
import type { TestChain } from '../../../utils/chainBuilder.js';
import { blocksAbove, buildBase, CLOCK, feed, openChain, P } from './helpers.js';

describe('node/chain verifyChain', () => {
  let base: TestChain;

  before(async () => {
    base = await buildBase(9);
  });

  async function stored() {
    const opened = await openChain();
    await feed(opened.chain, blocksAbove(base, 0));
    return opened;
  }

  function mismatch(e: unknown): boolean {
    return e instanceof ChainError && e.code === 'CHAIN_VERIFY_MISMATCH';
  }

  it('passes on an intact chain and counts blocks and coins', async () => {
    const { chain, db } = await stored();
    const report = await chain.verifyChain();
    assert.equal(report.height, 9);
    assert.equal(report.blocksChecked, 9);
    assert.equal(report.coins, base.utxo.size);
    assert.equal(report.replayCoins, base.utxo.size);
    assert.equal(report.issued, base.tip.issued);
    const direct = await verifyStoredChain({
      db,
      params: P,
      evaluator: linearEvaluator,
      verifier: nobleVerifier,
      clock: CLOCK,
    });
    assert.deepEqual(direct, report);
  });

  it('finds a coin missing from the stored UTXO set, and an extra one', async () => {
    const { chain, db } = await stored();
    const gone = base.coinbaseOutpoint(9);
    const extra = { op: { txid: new Uint8Array(32).fill(7), index: 3 }, coin: gone.coin };
    await db.batch().delCoin(gone.op).putCoin(extra.op, extra.coin).write();
    await assert.rejects(chain.verifyChain(), mismatch);
    const report = await replayStoredChain({
      db,
      params: P,
      evaluator: linearEvaluator,
      verifier: nobleVerifier,
      clock: CLOCK,
    });
    assert.equal(report.mismatches.length, 2);
    assert.match(report.mismatches.join('\n'), /missing from the stored UTXO set/);
    assert.match(report.mismatches.join('\n'), /stored but not in the replay/);
  });

  it('finds wrong undo data and a height index that disagrees with the chain', async () => {
    const { chain, db } = await stored();
    const h5 = base.entries[5]!.block.hash;
    await db.batch().putUndo(h5, { spent: [] }).write();
    await assert.rejects(
      chain.verifyChain(),
      (e: unknown) => mismatch(e) && /undo data differs/.test((e as Error).message),
    );
    const fresh = await stored();
    await fresh.db.batch().putHeight(4, base.entries[5]!.block.hash).write();
    await assert.rejects(fresh.chain.verifyChain(), mismatch);
  });
});
