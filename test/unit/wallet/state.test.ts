import { strict as assert } from 'node:assert';
import { type Block, type Hash, toHex } from '../../../consensus/index.js';
import { AccountKeys, type ChainClient, encodeAddress, syncWallet, Wallet } from '../../../wallet/index.js';
import {
  COIN,
  feed,
  MNEMONIC_A,
  MNEMONIC_B,
  mineBlocks,
  params,
  payTo,
  TestChain,
  walletCode,
  walletCodeAsync,
} from './helpers.js';

/** A ChainClient over a TestChain, remembering every block it ever had (like the node's store). */
function client(
  chain: TestChain,
  seen = new Map<string, Block>(),
): ChainClient & { seen: Map<string, Block> } {
  for (const e of chain.entries) seen.set(toHex(e.block.hash), e.block.block);
  return {
    params,
    seen,
    tipHeight: () => chain.height,
    getBlockHash: (h: number): Hash | undefined => chain.entries[h]?.block.hash,
    getBlock: async (hash: Hash) => {
      for (const e of chain.entries) seen.set(toHex(e.block.hash), e.block.block);
      return seen.get(toHex(hash));
    },
  };
}

describe('wallet state: persistence, rescan, sync, gap limit', function () {
  this.timeout(60_000);
  let chain: TestChain;
  let a: Wallet;
  let b: Wallet;

  before(async () => {
    chain = new TestChain(params);
    a = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    b = (await Wallet.create({ mnemonic: MNEMONIC_B }, { params })).wallet;
    await chain.mine({ miner: payTo(a.getNewAddress()) });
    await chain.mine({ miner: payTo(a.getNewAddress()) });
    await mineBlocks(chain, 99);
    feed(chain, a, b);
    const p1 = await a.send({ outputs: [{ address: b.getNewAddress(), amount: 4n * COIN }] });
    a.addMempoolTx(p1.tx);
    await chain.mine({ txs: [p1.tx], fees: p1.fee });
    feed(chain, a, b);
    const p2 = await a.send({
      outputs: [
        { address: b.getNewAddress(), amount: 1n * COIN },
        { address: a.getNewAddress(), amount: 2n * COIN },
      ],
      minConf: 0,
    });
    a.addMempoolTx(p2.tx);
    await chain.mine({ txs: [p2.tx], fees: p2.fee });
    feed(chain, a, b);
  });

  it('serialized state reloads to the same balances, coins, history and bytes', async () => {
    const bytes = a.serializeState();
    const re = (await Wallet.create({ mnemonic: MNEMONIC_A, state: bytes }, { params })).wallet;
    assert.deepEqual(re.getBalance(), a.getBalance());
    assert.deepEqual(
      re.listUnspent({ minConf: 0, includeImmature: true }),
      a.listUnspent({ minConf: 0, includeImmature: true }),
    );
    assert.deepEqual(re.listTransactions({ count: 100 }), a.listTransactions({ count: 100 }));
    assert.deepEqual(re.tip, a.tip);
    assert.deepEqual(re.serializeState(), bytes);
    // Handing out addresses continues where it stopped.
    assert.equal(re.getNewAddress(), a.getNewAddress());
  });

  it('keeps unconfirmed transactions across a reload', async () => {
    const copy = (await Wallet.create({ mnemonic: MNEMONIC_B, state: b.serializeState() }, { params }))
      .wallet;
    const pending = await copy.send({ outputs: [{ address: a.getNewAddress(), amount: 1n * COIN }] });
    copy.addMempoolTx(pending.tx);
    const re = (await Wallet.create({ mnemonic: MNEMONIC_B, state: copy.serializeState() }, { params }))
      .wallet;
    assert.equal(re.getTransaction(pending.txid)!.height, null);
    assert.deepEqual(re.getBalance({ minConf: 0 }), copy.getBalance({ minConf: 0 }));
    assert.notDeepEqual(re.getBalance({ minConf: 0 }), b.getBalance({ minConf: 0 }));
    assert.deepEqual(re.serializeState(), copy.serializeState());
    assert.deepEqual(re.removeMempoolTx(pending.txid), [pending.txid]);
    assert.deepEqual(re.getBalance(), b.getBalance());
  });

  it('a rescan of the blocks yields the same state', async () => {
    const fresh = (await Wallet.create({ mnemonic: MNEMONIC_B }, { params })).wallet;
    feed(chain, fresh);
    assert.deepEqual(fresh.serializeState(), b.serializeState());
    // resetChainState + rescan on the same wallet too.
    const before = a.serializeState();
    a.resetChainState();
    assert.equal(a.listTransactions().length, 0);
    feed(chain, a);
    assert.deepEqual(a.serializeState(), before);
  });

  it('rejects state of another wallet or network, and garbage', async () => {
    const bytes = a.serializeState();
    assert.equal(
      await walletCodeAsync(Wallet.create({ mnemonic: MNEMONIC_B, state: bytes }, { params })),
      'STATE_MISMATCH',
    );
    const other = JSON.parse(new TextDecoder().decode(bytes));
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    assert.equal(
      await walletCodeAsync(
        Wallet.create({ mnemonic: MNEMONIC_A, state: enc({ ...other, network: 'main' }) }, { params }),
      ),
      'STATE_MISMATCH',
    );
    for (const bad of [
      new TextEncoder().encode('nope'),
      enc({ ...other, version: 9 }),
      enc({ ...other, txs: [{ tx: 'zz', height: null, block: null, pos: null }] }),
      enc({ ...other, txs: [...other.txs, other.txs[0]] }),
      enc({ ...other, txs: [{ ...other.txs[0], height: 10_000 }] }),
      enc({ ...other, next: [1] }),
    ]) {
      assert.equal(
        await walletCodeAsync(Wallet.create({ mnemonic: MNEMONIC_A, state: bad }, { params })),
        'STATE_INVALID',
      );
    }
  });

  it('syncWallet catches up from genesis and across a stale tip', async () => {
    const c = client(chain);
    const w = Wallet.watchOnly(b.exportXpub(), {}, { params });
    assert.deepEqual(await syncWallet(w, c), { disconnected: 0, connected: chain.height + 1 });
    assert.deepEqual(w.getBalance(), b.getBalance());
    assert.deepEqual(await syncWallet(w, c), { disconnected: 0, connected: 0 });

    // The wallet followed a branch that lost: two blocks to undo, three to apply.
    const fork = new TestChain(params);
    for (let h = 1; h <= chain.height - 2; h++) await fork.connect(chain.entries[h]!.block);
    await mineBlocks(fork, 3);
    const r = await syncWallet(w, client(fork, c.seen));
    assert.deepEqual(r, { disconnected: 2, connected: 3 });
    assert.equal(w.tip!.hash, toHex(fork.entries[fork.height]!.block.hash));
    // Without the stale block the wallet cannot undo it.
    const w2 = Wallet.watchOnly(b.exportXpub(), {}, { params });
    feed(chain, w2);
    assert.equal(await walletCodeAsync(syncWallet(w2, client(fork))), 'CHAIN_BLOCK_MISSING');
  });

  it('a birthday skips the blocks before it', async () => {
    const tip = { height: chain.height, hash: toHex(chain.entries[chain.height]!.block.hash) };
    const { wallet, mnemonic } = await Wallet.create({ birthday: tip, words: 12 }, { params });
    assert.equal(mnemonic.split(' ').length, 12);
    assert.deepEqual(wallet.tip, tip);
    assert.deepEqual(await syncWallet(wallet, client(chain)), { disconnected: 0, connected: 0 });
  });

  it('watches gapLimit addresses past the last used one on each chain', async () => {
    const keys = AccountKeys.fromXpub(b.exportXpub(), params);
    const addr = (i: number) => encodeAddress(keys.derive(0, i).pubKeyHash, params);
    const w = Wallet.watchOnly(b.exportXpub(), { gapLimit: 20 }, { params });
    assert.ok(w.isMine(addr(19)));
    assert.ok(!w.isMine(addr(20)));
    const g = new TestChain(params);
    await mineBlocks(g, 103);
    // One transaction pays index 30 first and index 15 second: 15 is in the window, and using it
    // brings 30 in (the outputs are re-scanned while the window grows).
    const cb = g.coinbaseOutpoint(1);
    const t1 = g.spend(cb, [
      { value: 10_000n, pubKeyHash: keys.derive(0, 30).pubKeyHash },
      { value: 20_000n, pubKeyHash: keys.derive(0, 15).pubKeyHash },
    ]);
    await g.mine({ txs: [t1], fees: cb.coin.value - 30_000n });
    // Next block: index 51 is outside the window (31 + 20) and missed; index 50, paid by a later
    // transaction of the same block, is inside and extends the window past 51 (too late for it).
    const cb2 = g.coinbaseOutpoint(2);
    const cb3 = g.coinbaseOutpoint(3);
    const t2 = g.spend(cb2, [{ value: 40_000n, pubKeyHash: keys.derive(0, 51).pubKeyHash }]);
    const t3 = g.spend(cb3, [{ value: 50_000n, pubKeyHash: keys.derive(0, 50).pubKeyHash }]);
    await g.mine({ txs: [t2, t3], fees: cb2.coin.value + cb3.coin.value - 90_000n });
    feed(g, w);
    assert.equal(w.getBalance().confirmed, 10_000n + 20_000n + 50_000n);
    assert.ok(w.isMine(addr(70)) && !w.isMine(addr(71)));
    // Fresh addresses continue after the highest used index.
    assert.equal(w.getNewAddress(), addr(51));
    assert.equal(
      walletCode(() => w.setLabel(addr(5), 'x'.repeat(300))),
      'LABEL_INVALID',
    );
    w.setLabel(addr(5), 'five');
    assert.equal(w.getAddressInfo(addr(5))!.label, 'five');
    assert.equal(w.getAddressInfo(addr(5))!.path, "m/44'/1'/0'/0/5");
  });
});
