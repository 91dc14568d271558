import { strict as assert } from 'node:assert';
import { mainParams, toHex, txSize } from '../../../consensus/index.js';
import { decodeAddress, encodeAddress, feeFor, txSizeFor, Wallet } from '../../../wallet/index.js';
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
  walletCode,
  walletCodeAsync,
} from './helpers.js';

describe('wallet following a TestChain', function () {
  this.timeout(60_000);
  let chain: TestChain;
  let a: Wallet;
  let b: Wallet;

  before(async () => {
    chain = new TestChain(params);
    a = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    b = (await Wallet.create({ mnemonic: MNEMONIC_B }, { params })).wallet;
  });

  it('a coinbase to the wallet is immature until maturity, then spendable', async () => {
    const addr = a.getNewAddress('mining');
    await chain.mine({ miner: payTo(addr) }); // height 1
    feed(chain, a, b);
    assert.deepEqual(a.getBalance(), { confirmed: 0n, unconfirmed: 0n, immature: MINER_SHARE });
    assert.deepEqual(a.listUnspent(), []);
    const imm = a.listUnspent({ includeImmature: true });
    assert.equal(imm.length, 1);
    assert.equal(imm[0]!.mature, false);
    assert.equal(imm[0]!.coinbase, true);
    assert.equal(imm[0]!.address, addr);
    assert.equal(imm[0]!.label, 'mining');
    const [h] = a.listTransactions();
    assert.equal(h!.category, 'immature');
    assert.equal(h!.amount, MINER_SHARE);
    assert.equal(h!.fee, null);

    // Coinbase at height 1 may be spent in block 101, i.e. once the tip is 100.
    await mineBlocks(chain, 98); // tip 99
    feed(chain, a, b);
    assert.equal(a.tip!.height, 99);
    assert.equal(a.getBalance().immature, MINER_SHARE);
    assert.equal(a.listUnspent({ includeImmature: true })[0]!.confirmations, 99);
    const dest = b.getNewAddress();
    assert.equal(
      await walletCodeAsync(a.send({ outputs: [{ address: dest, amount: COIN }] })),
      'INSUFFICIENT_FUNDS',
    );

    await chain.mine(); // tip 100
    feed(chain, a, b);
    assert.deepEqual(a.getBalance(), { confirmed: MINER_SHARE, unconfirmed: 0n, immature: 0n });
    assert.equal(a.listTransactions()[0]!.category, 'generate');
    assert.equal(a.listUnspent().length, 1);
  });

  it('sends between two wallets: balances move by exactly amount and fee', async () => {
    const amount = 12n * COIN + 345n;
    const dest = b.getNewAddress();
    const before = a.getBalance();
    const sent = await a.send({ outputs: [{ address: dest, amount }], feeRate: 2000n });
    assert.equal(sent.size, txSize(sent.tx));
    assert.equal(sent.size, txSizeFor(1, 2));
    assert.equal(sent.fee, feeFor(sent.size, 2000n));
    assert.equal(sent.feeRate, 2000n);
    assert.equal(sent.inputs.length, 1);
    assert.equal(sent.inputs[0]!.value, MINER_SHARE);
    assert.ok(sent.changeIndex >= 0);
    const change = sent.outputs[sent.changeIndex]!;
    assert.equal(change.change, true);
    assert.equal(change.value, MINER_SHARE - amount - sent.fee);
    assert.ok(a.isMine(change.address));
    assert.equal(a.getAddressInfo(change.address)!.chain, 1);
    assert.equal(sent.tx.lockTime, 100);

    // The node broadcasts it and reports it to the wallets.
    assert.equal(a.addMempoolTx(sent.tx), true);
    assert.equal(b.addMempoolTx(sent.tx), true);
    assert.deepEqual(a.getBalance(), { confirmed: 0n, unconfirmed: change.value, immature: 0n });
    assert.deepEqual(b.getBalance(), { confirmed: 0n, unconfirmed: amount, immature: 0n });
    assert.equal(a.getTransaction(sent.txid)!.confirmations, 0);

    const block = await chain.mine({ txs: [sent.tx], fees: sent.fee }); // height 101, full validation
    feed(chain, a, b);
    assert.equal(a.getBalance().confirmed, before.confirmed - amount - sent.fee);
    assert.deepEqual(b.getBalance(), { confirmed: amount, unconfirmed: 0n, immature: 0n });
    const ha = a.getTransaction(sent.txid)!;
    assert.equal(ha.category, 'send');
    assert.equal(ha.height, 101);
    assert.equal(ha.confirmations, 1);
    assert.equal(ha.blockHash, toHex(block.hash));
    assert.equal(ha.fee, sent.fee);
    assert.equal(ha.amount, -(amount + sent.fee));
    assert.equal(ha.sent, MINER_SHARE);
    const hb = b.getTransaction(sent.txid)!;
    assert.equal(hb.category, 'receive');
    assert.equal(hb.amount, amount);
    assert.equal(hb.fee, null);
    assert.equal(b.listTransactions().length, 1);
    assert.equal(a.listTransactions().length, 2);
  });

  it('B spends its received coin back, with change, the next block validates it', async () => {
    await chain.mine(); // coin needs 1 confirmation by default; it has 1 already
    feed(chain, a, b);
    const back = await b.send({ outputs: [{ address: a.getNewAddress(), amount: 2n * COIN }] });
    assert.equal(back.feeRate, 1000n); // fallback = floor
    b.addMempoolTx(back.tx);
    a.addMempoolTx(back.tx);
    await chain.mine({ txs: [back.tx], fees: back.fee });
    feed(chain, a, b);
    assert.equal(a.getTransaction(back.txid)!.category, 'receive');
    assert.equal(b.getTransaction(back.txid)!.category, 'send');
    const total = (w: Wallet) => {
      const x = w.getBalance();
      return x.confirmed + x.unconfirmed + x.immature;
    };
    assert.equal(
      total(a) + total(b),
      MINER_SHARE - a.getTransaction(b.listTransactions()[0]!.txid)!.fee! - back.fee,
    );
  });

  it('reserves the coins of an unbroadcast send; dryRun reserves nothing', async () => {
    const dest = b.getNewAddress();
    const unspent = a.listUnspent();
    const dry = await a.send({ outputs: [{ address: dest, amount: COIN }], dryRun: true });
    const dry2 = await a.send({ outputs: [{ address: dest, amount: COIN }], dryRun: true });
    assert.deepEqual(dry.inputs, dry2.inputs);
    assert.equal(dry.outputs[dry.changeIndex]!.address, dry2.outputs[dry2.changeIndex]!.address);
    assert.ok(a.listUnspent().every((c) => !c.locked));

    const real = await a.send({ outputs: [{ address: dest, amount: COIN }] });
    assert.equal(real.outputs[real.changeIndex]!.address, dry.outputs[dry.changeIndex]!.address);
    const lockedNow = a.listUnspent().filter((c) => c.locked);
    assert.equal(lockedNow.length, real.inputs.length);
    // Every coin the first send took is unavailable to the next one.
    const next = await a.send({ outputs: [{ address: dest, amount: COIN }], dryRun: true }).catch((e) => e);
    if (!(next instanceof Error)) {
      for (const i of next.inputs)
        assert.ok(!real.inputs.some((r) => r.txid === i.txid && r.index === i.index));
      assert.notEqual(next.outputs[next.changeIndex]?.address, real.outputs[real.changeIndex]!.address);
    }
    assert.equal(a.unlockCoins(real.txid), real.inputs.length);
    assert.equal(a.listUnspent().length, unspent.length);
    assert.ok(a.listUnspent().every((c) => !c.locked));
  });

  it('pays an amount matching a coin exactly without change (branch and bound)', async () => {
    const coin = a.listUnspent().reduce((m, c) => (c.value > m.value ? c : m));
    const fee = feeFor(txSizeFor(1, 1), 1000n);
    const t = await a.send({
      outputs: [{ address: b.getNewAddress(), amount: coin.value - fee }],
      dryRun: true,
    });
    assert.equal(t.algorithm, 'bnb');
    assert.equal(t.changeIndex, -1);
    assert.equal(t.tx.outputs.length, 1);
    assert.equal(t.fee, feeFor(t.size, 1000n));
    // The same payment with largest-first only also has no change: the remainder is below dust.
    const lf = await a.send({
      outputs: [{ address: b.getNewAddress(), amount: coin.value - fee - 400n }],
      dryRun: true,
      strategy: 'largest-first',
    });
    assert.equal(lf.changeIndex, -1);
    assert.equal(lf.fee, fee + 400n);
  });

  it('rejects dust, non-positive and malformed amounts, bad addresses and fee rates', async () => {
    const dest = b.getNewAddress();
    const send = (amount: bigint, extra: object = {}) =>
      a.send({ outputs: [{ address: dest, amount }], ...extra });
    assert.equal(await walletCodeAsync(send(params.dustThreshold - 1n)), 'AMOUNT_DUST');
    assert.equal(await walletCodeAsync(send(0n)), 'AMOUNT_INVALID');
    assert.equal(await walletCodeAsync(send(-5n)), 'AMOUNT_INVALID');
    assert.equal(await walletCodeAsync(send(1.5 as unknown as bigint)), 'AMOUNT_INVALID');
    assert.equal(await walletCodeAsync(send(params.maxSupply + 1n)), 'AMOUNT_INVALID');
    assert.equal(await walletCodeAsync(a.send({ outputs: [] })), 'AMOUNT_INVALID');
    assert.equal(await walletCodeAsync(send(COIN, { feeRate: 999n })), 'FEE_RATE_INVALID');
    assert.equal(await walletCodeAsync(send(COIN, { feeRate: 10n ** 12n })), 'FEE_RATE_INVALID');
    assert.equal(
      await walletCodeAsync(
        a.send({ outputs: [{ address: 'qxc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqvj9kxq', amount: COIN }] }),
      ),
      'ADDRESS_INVALID',
    );
    const mainAddr = encodeAddress(decodeAddress(dest, params), mainParams);
    assert.equal(
      await walletCodeAsync(a.send({ outputs: [{ address: mainAddr, amount: COIN }] })),
      'ADDRESS_WRONG_NETWORK',
    );
    const huge = await walletCodeAsync(send(1000n * COIN));
    assert.equal(huge, 'INSUFFICIENT_FUNDS');
    // An exact dust-threshold amount is fine.
    const ok = await send(params.dustThreshold, { dryRun: true });
    assert.equal(ok.outputs.find((o) => !o.change)!.value, params.dustThreshold);
  });

  it('uses the node estimate clamped to the floor, and the fallback without one', async () => {
    const mk = async (estimate: () => bigint | undefined) =>
      (
        await Wallet.create(
          { mnemonic: MNEMONIC_A, state: a.serializeState() },
          { params, estimateFeeRate: estimate },
        )
      ).wallet;
    const dest = b.getNewAddress();
    const high = await (await mk(() => 5000n)).send({
      outputs: [{ address: dest, amount: COIN }],
      dryRun: true,
    });
    assert.equal(high.feeRate, 5000n);
    assert.equal(high.fee, feeFor(high.size, 5000n));
    const low = await (await mk(() => 10n)).send({
      outputs: [{ address: dest, amount: COIN }],
      dryRun: true,
    });
    assert.equal(low.feeRate, 1000n);
    const none = await (await mk(() => undefined)).send({
      outputs: [{ address: dest, amount: COIN }],
      dryRun: true,
    });
    assert.equal(none.feeRate, 1000n);
  });

  it('a watch-only wallet follows the same coins but cannot send', async () => {
    const w = Wallet.watchOnly(a.exportXpub(), {}, { params });
    feed(chain, w);
    assert.deepEqual(w.getBalance(), a.getBalance());
    assert.equal(w.locked, true);
    assert.equal(
      await walletCodeAsync(w.send({ outputs: [{ address: b.getNewAddress(), amount: COIN }] })),
      'WALLET_LOCKED',
    );
    assert.equal(
      walletCode(() => w.lock()),
      'OPTIONS_INVALID',
    );
  });

  it('refuses blocks that do not extend its tip', () => {
    const tip = a.tip!;
    assert.equal(
      walletCode(() => a.applyBlock(chain.entries[tip.height]!.block, tip.height + 1)),
      'BLOCK_NOT_CONNECTING',
    );
    assert.equal(
      walletCode(() => a.applyBlock(chain.entries[tip.height]!.block, tip.height)),
      'BLOCK_NOT_CONNECTING',
    );
    assert.equal(
      walletCode(() => a.undoBlock(chain.entries[tip.height - 1]!.block, tip.height - 1)),
      'BLOCK_NOT_CONNECTING',
    );
    const fresh = Wallet.watchOnly(a.exportXpub(), {}, { params });
    assert.equal(
      walletCode(() => fresh.applyBlock(chain.entries[1]!.block, 1)),
      'BLOCK_NOT_CONNECTING',
    );
    assert.deepEqual(a.tip, tip);
  });

  it('ignores mempool transactions that do not concern it', async () => {
    const other = (await Wallet.create({ mnemonic: MNEMONIC_B, bip39Passphrase: 'x' }, { params })).wallet;
    const t = await a.send({ outputs: [{ address: b.getNewAddress(), amount: COIN }], dryRun: true });
    assert.equal(other.addMempoolTx(t.tx), false);
    assert.equal(other.listTransactions().length, 0);
  });
});
