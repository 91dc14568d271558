import { strict as assert } from 'node:assert';
import { toHex } from '../../../consensus/index.js';
import { type BuiltTransaction, Wallet } from '../../../wallet/index.js';
import {
  COIN,
  feed,
  MINER_SHARE,
  MNEMONIC_A,
  MNEMONIC_B,
  mineBlocks,
  params,
  payTo,
  TestChain,
} from './helpers.js';

interface Setup {
  chain: TestChain;
  a: Wallet;
  b: Wallet;
  pay: BuiltTransaction;
  amount: bigint;
}

/** A mines block 1, the chain reaches 100, A pays B in block 101 (reported to both mempools first). */
async function setup(): Promise<Setup> {
  const chain = new TestChain(params);
  const a = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
  const b = (await Wallet.create({ mnemonic: MNEMONIC_B }, { params })).wallet;
  await chain.mine({ miner: payTo(a.getNewAddress()) });
  await mineBlocks(chain, 99);
  feed(chain, a, b);
  const amount = 7n * COIN;
  const pay = await a.send({ outputs: [{ address: b.getNewAddress(), amount }] });
  a.addMempoolTx(pay.tx);
  b.addMempoolTx(pay.tx);
  await chain.mine({ txs: [pay.tx], fees: pay.fee });
  feed(chain, a, b);
  assert.equal(b.getBalance().confirmed, amount);
  return { chain, a, b, pay, amount };
}

/** A second chain sharing `chain`'s blocks up to `height`. */
async function forkAt(chain: TestChain, height: number): Promise<TestChain> {
  const fork = new TestChain(params);
  for (let h = 1; h <= height; h++) await fork.connect(chain.entries[h]!.block);
  return fork;
}

describe('wallet reorganizations', function () {
  this.timeout(60_000);

  it('undoing the block unconfirms the payment; the balance returns to unconfirmed', async () => {
    const { chain, a, b, pay, amount } = await setup();
    const tip = chain.entries[101]!.block;
    const rb = b.undoBlock(tip, 101);
    const ra = a.undoBlock(tip, 101);
    assert.deepEqual(rb.unconfirmed, [pay.txid]);
    assert.deepEqual(ra.unconfirmed, [pay.txid]);
    assert.deepEqual(b.tip, { height: 100, hash: toHex(chain.entries[100]!.block.hash) });
    const hb = b.getTransaction(pay.txid)!;
    assert.equal(hb.height, null);
    assert.equal(hb.confirmations, 0);
    assert.equal(hb.blockHash, null);
    assert.deepEqual(b.getBalance(), { confirmed: 0n, unconfirmed: amount, immature: 0n });
    assert.deepEqual(a.getBalance(), {
      confirmed: 0n,
      unconfirmed: MINER_SHARE - amount - pay.fee,
      immature: 0n,
    });
    assert.equal(a.listTransactions().at(-1)!.txid, pay.txid);

    // The competing branch wins; the payment stays unconfirmed, then confirms again on it.
    const fork = await forkAt(chain, 100);
    await mineBlocks(fork, 2);
    assert.notEqual(toHex(fork.entries[101]!.block.hash), toHex(tip.hash));
    feed(fork, a, b);
    assert.equal(b.tip!.height, 102);
    assert.equal(b.getTransaction(pay.txid)!.height, null);
    await fork.mine({ txs: [pay.tx], fees: pay.fee });
    feed(fork, a, b);
    assert.equal(b.getTransaction(pay.txid)!.height, 103);
    assert.deepEqual(b.getBalance(), { confirmed: amount, unconfirmed: 0n, immature: 0n });
    assert.equal(a.getBalance().confirmed, MINER_SHARE - amount - pay.fee);
  });

  it('a payment the mempool drops after the reorg disappears and the spent coin returns', async () => {
    const { chain, a, b, pay } = await setup();
    const tip = chain.entries[101]!.block;
    a.undoBlock(tip, 101);
    b.undoBlock(tip, 101);
    assert.deepEqual(a.removeMempoolTx(pay.txid), [pay.txid]);
    assert.deepEqual(b.removeMempoolTx(pay.txid), [pay.txid]);
    assert.deepEqual(a.getBalance(), { confirmed: MINER_SHARE, unconfirmed: 0n, immature: 0n });
    assert.deepEqual(b.getBalance(), { confirmed: 0n, unconfirmed: 0n, immature: 0n });
    assert.equal(b.getTransaction(pay.txid), undefined);
    assert.equal(b.listTransactions().length, 0);
    // removeMempoolTx never drops a confirmed transaction.
    const c = await setup();
    assert.deepEqual(c.b.removeMempoolTx(c.pay.txid), []);
    assert.equal(c.b.getTransaction(c.pay.txid)!.height, 101);
  });

  it("an undone coinbase leaves the wallet's history and balance", async () => {
    const chain = new TestChain(params);
    const a = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    await chain.mine({ miner: payTo(a.getNewAddress()) });
    await chain.mine({ miner: payTo(a.getNewAddress()) });
    feed(chain, a);
    assert.equal(a.getBalance().immature, 2n * MINER_SHARE);
    const r = a.undoBlock(chain.entries[2]!.block, 2);
    assert.equal(r.removed.length, 1);
    assert.equal(a.getBalance().immature, MINER_SHARE);
    assert.equal(a.listTransactions().length, 1);
    a.undoBlock(chain.entries[1]!.block, 1);
    a.undoBlock(chain.entries[0]!.block, 0);
    assert.equal(a.tip, null);
    assert.equal(a.listTransactions().length, 0);
    feed(chain, a);
    assert.equal(a.getBalance().immature, 2n * MINER_SHARE);
  });

  it('a block spending the same coin drops the conflicting unconfirmed payment', async () => {
    const chain = new TestChain(params);
    const a = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    const b = (await Wallet.create({ mnemonic: MNEMONIC_B }, { params })).wallet;
    await chain.mine({ miner: payTo(a.getNewAddress()) });
    await mineBlocks(chain, 99);
    feed(chain, a, b);
    // Another instance of the same wallet, which never heard of the first payment.
    const a2 = (await Wallet.create({ mnemonic: MNEMONIC_A, state: a.serializeState() }, { params })).wallet;
    const pay = await a.send({ outputs: [{ address: b.getNewAddress(), amount: 3n * COIN }] });
    a.addMempoolTx(pay.tx);
    b.addMempoolTx(pay.tx);
    assert.equal(b.getBalance().unconfirmed, 3n * COIN);
    const own = await a2.send({ outputs: [{ address: a2.getNewAddress(), amount: 5n * COIN }] });
    assert.deepEqual(
      own.inputs.map((i) => i.txid),
      pay.inputs.map((i) => i.txid),
    );
    await chain.mine({ txs: [own.tx], fees: own.fee });
    const rb = b.applyBlock(chain.entries[101]!.block, 101);
    const ra = a.applyBlock(chain.entries[101]!.block, 101);
    assert.deepEqual(rb.conflicted, [pay.txid]);
    assert.deepEqual(ra.conflicted, [pay.txid]);
    assert.deepEqual(ra.relevant.includes(own.txid), true);
    assert.deepEqual(b.getBalance(), { confirmed: 0n, unconfirmed: 0n, immature: 0n });
    assert.equal(a.getTransaction(pay.txid), undefined);
    assert.equal(a.getTransaction(own.txid)!.category, 'self');
    assert.equal(a.getBalance().confirmed, MINER_SHARE - own.fee);
  });
});
