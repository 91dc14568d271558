import { strict as assert } from 'node:assert';
import {
  type Block,
  blockMerkleRoot,
  blockReward,
  blockWithIds,
  devnetParams,
  equalBytes,
  HEADER_SIZE,
  nobleVerifier,
  toHex,
  wtxid,
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { Mempool } from '../../../../node/mempool/index.js';
import { buildTemplate, coinbaseTransaction, templateBlock } from '../../../../node/miner/index.js';
import { keyPair, mineHeader, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';
import { ChainAdapter, coinbaseOf, pay } from '../mempool/helpers.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const minerKey = keyPair('template miner');
const alice = keyPair('alice');

function mined(b: Block): Block {
  return { ...b, header: mineHeader(b.header, linearDevnet) };
}

describe('node/miner template', function () {
  this.timeout(60_000);
  let tc: TestChain;
  let chain: ChainAdapter;
  let mempool: Mempool;

  beforeEach(async () => {
    tc = new TestChain(linearDevnet);
    chain = new ChainAdapter(tc);
    for (let i = 0; i < 105; i++) await chain.connect(tc.buildBlock());
    mempool = new Mempool(
      { maxSizeBytes: 1_000_000, minFeeRate: 1n },
      { chain, verifier: nobleVerifier, logger: silentLogger },
    );
  });

  it('pays reward + fees, genesis share first, lockTime = height, and passes consensus', async () => {
    const fees = [1700n, 3400n, 5100n];
    for (let h = 1; h <= 3; h++) await mempool.accept(pay(coinbaseOf(tc, h), alice, fees[h - 1]!));
    const ctx = chain.nextBlockContext(tc.tip.time);
    const tpl = buildTemplate(ctx, mempool, minerKey.pkh, linearDevnet);
    const feeSum = fees.reduce((a, b) => a + b, 0n);
    const reward = blockReward(
      { height: ctx.height, improvementPpm: 0, issuedBefore: ctx.issued },
      linearDevnet,
    );
    assert.equal(tpl.height, tc.height + 1);
    assert.equal(tpl.fees, feeSum);
    assert.equal(tpl.reward, reward);
    const cb = tpl.txs[0]!;
    assert.equal(cb.inputs.length, 0);
    assert.equal(cb.lockTime, tpl.height);
    const total = cb.outputs.reduce((a, o) => a + o.value, 0n);
    assert.equal(total, reward + feeSum);
    assert.ok(equalBytes(cb.outputs[0]!.pubKeyHash, linearDevnet.genesisPubKeyHash));
    assert.equal(cb.outputs[0]!.value, (total * 20n) / 100n);
    assert.ok(equalBytes(cb.outputs[1]!.pubKeyHash, minerKey.pkh));
    assert.equal(tpl.txs.length, 4);
    assert.equal(tpl.header.nonce, 0n);
    assert.equal(tpl.header.bits, ctx.bits);
    assert.ok(equalBytes(tpl.header.prevHash, tc.tip.block.hash));
    assert.ok(equalBytes(tpl.header.modelHash, ctx.modelHash));
    assert.ok(equalBytes(tpl.header.merkleRoot, blockMerkleRoot(tpl.txs.map(wtxid), null)));
    assert.ok(tpl.header.time > ctx.medianTimePast);

    const block = blockWithIds(mined(templateBlock(tpl, 0n)));
    assert.equal(block.size, tpl.size);
    const issuedBefore = tc.tip.issued;
    await chain.connect(block);
    assert.equal(toHex(tc.tip.block.hash), toHex(block.hash));
    assert.equal(tc.tip.issued, issuedBefore + reward);
    await mempool.removeForBlock(block);
    assert.equal(mempool.size, 0);
  });

  it('claiming more than reward + fees would be rejected by consensus (the template claims exactly that)', async () => {
    await mempool.accept(pay(coinbaseOf(tc, 1), alice, 1700n));
    const tpl = buildTemplate(chain.nextBlockContext(tc.tip.time), mempool, minerKey.pkh, linearDevnet);
    const greedy = coinbaseTransaction(tpl.height, tpl.reward + tpl.fees + 1n, minerKey.pkh, linearDevnet);
    const txs = [greedy, ...tpl.txs.slice(1)];
    const header = { ...tpl.header, merkleRoot: blockMerkleRoot(txs.map(wtxid), null) };
    const bad = blockWithIds(mined({ header, txs, update: null }));
    await assert.rejects(chain.connect(bad), /bad-cb-amount/);
  });

  it('keeps the block within maxBlockSize', async () => {
    for (let h = 1; h <= 5; h++) await mempool.accept(pay(coinbaseOf(tc, h), alice, 1700n * BigInt(h)));
    const coinbaseSize = 66;
    const maxBlockSize = HEADER_SIZE + 6 + coinbaseSize + 2 * 170;
    const tpl = buildTemplate(chain.nextBlockContext(tc.tip.time), mempool, minerKey.pkh, linearDevnet, {
      maxBlockSize,
    });
    assert.equal(tpl.txs.length, 3);
    assert.ok(tpl.size <= maxBlockSize);
    // The two highest fee rates were chosen.
    assert.equal(tpl.fees, 1700n * 9n);
    await chain.connect(blockWithIds(mined(templateBlock(tpl, 0n))));
  });

  it('uses a time past the median time past, and at least minTime', () => {
    const ctx = chain.nextBlockContext(0);
    const a = buildTemplate(ctx, mempool, minerKey.pkh, linearDevnet);
    assert.equal(a.header.time, ctx.medianTimePast + 1);
    const b = buildTemplate({ ...ctx, now: ctx.medianTimePast + 50 }, mempool, minerKey.pkh, linearDevnet);
    assert.equal(b.header.time, ctx.medianTimePast + 50);
    const c = buildTemplate(ctx, mempool, minerKey.pkh, linearDevnet, { minTime: ctx.medianTimePast + 99 });
    assert.equal(c.header.time, ctx.medianTimePast + 99);
  });

  it('coinbase with a zero genesis share has only the miner output', () => {
    const cb = coinbaseTransaction(7, 4n, minerKey.pkh, linearDevnet);
    assert.equal(cb.outputs.length, 1);
    assert.equal(cb.outputs[0]!.value, 4n);
    assert.equal(cb.lockTime, 7);
  });
});
