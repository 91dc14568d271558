/**
 * The wallet RPC namespace against a real in-process devnet node.
 *
 * Until node/createNode.ts constructs the WalletService itself, this test builds it by hand: the
 * wallet file is created in the node's datadir, a WalletService is bound to that node's chain and
 * mempool, and `walletMethods` is served by a separate RpcServer (the node's own server keeps
 * answering the chain methods: generatetoaddress, getrawmempool, ...). Once the lead folds the
 * service into createNode, the same calls go to the node's server.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetParams, fromHex, type TxWithId, toHex } from '../../../../../consensus/index.js';
import { silentLogger } from '../../../../../node/logger.js';
import { RpcClient, RpcError, RpcRegistry, RpcServer } from '../../../../../node/rpc/index.js';
import { type RpcWalletContext, walletMethods } from '../../../../../node/rpc/methods/wallet.js';
import { WALLET_FILE_NAME, WalletService } from '../../../../../node/wallet/index.js';
import { encodeAddress, formatUnits, Wallet } from '../../../../../wallet/index.js';
import { keyPair } from '../../../../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../../../utils/node.js';

const params = devnetParams;
const PASS_A = 'wallet A passphrase';
const PASS_B = 'wallet B passphrase';
const otherAddr = encodeAddress(keyPair('wallet-rpc-other').pkh, params);
const mainnetAddr = encodeAddress(keyPair('wallet-rpc-other').pkh, { addressPrefix: 'qxc' });

const units = (qxc: unknown): bigint => {
  assert.equal(typeof qxc, 'number');
  return BigInt(Math.round((qxc as number) * 1e8));
};

async function rpcFailure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return { code: e.rpcCode, message: e.message };
    throw e;
  }
  assert.fail('expected an RPC error');
}

async function waitFor(fn: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface WalletEndpoint {
  service: WalletService;
  server: RpcServer;
  rpc: RpcClient;
}

/** A WalletService on `datadir` bound to `t`'s chain and mempool, and an RPC server for it. */
async function serveWallet(
  t: TestNode,
  datadir: string | null,
  broadcast?: (tx: TxWithId) => void,
): Promise<WalletEndpoint> {
  const service = new WalletService(
    { datadir: datadir ?? join(t.datadir, 'no-wallet-here') },
    { chain: t.node.chain, mempool: t.node.mempool, params, logger: silentLogger },
  );
  await service.start();
  const ctx: RpcWalletContext = {
    params,
    walletService: service,
    chain: t.node.chain,
    mempool: t.node.mempool,
    ...(broadcast ? { broadcast } : {}),
  };
  const registry = new RpcRegistry();
  registry.register('wallet', walletMethods(ctx));
  const server = new RpcServer(
    { host: '127.0.0.1', port: 0, user: 'u', password: 'p', wsEnabled: false },
    { registry, logger: silentLogger },
  );
  await server.start();
  return { service, server, rpc: new RpcClient({ url: server.url, user: 'u', password: 'p' }) };
}

describe('wallet RPC methods (real node)', function () {
  this.timeout(120_000);
  let t: TestNode;
  let t2: TestNode | undefined;
  let node: RpcClient;
  let dirB: string;
  let a: WalletEndpoint;
  let b: WalletEndpoint;
  const broadcasts: string[] = [];
  let addrA: string;
  let addrB: string;
  let reward: bigint;
  let payment: { txid: string; fee: bigint; height: number };
  const AMOUNT = 150_000_000n; // 1.5 QXC

  before(async () => {
    t = await startTestNode();
    node = new RpcClient({ url: t.node.rpc.url, cookieFile: t.node.rpc.cookieFile! });
    dirB = await mkdtemp(join(tmpdir(), 'qenex-wallet-b-'));
    await Wallet.create({ path: join(t.datadir, WALLET_FILE_NAME), passphrase: PASS_A }, { params });
    await Wallet.create({ path: join(dirB, WALLET_FILE_NAME), passphrase: PASS_B }, { params });
    a = await serveWallet(t, t.datadir, (tx) => broadcasts.push(toHex(tx.txid)));
    b = await serveWallet(t, dirB);
  });
  after(async () => {
    for (const e of [a, b]) {
      await e?.server.stop();
      await e?.service.stop();
    }
    await t2?.close();
    await t?.close();
    if (dirB) await rm(dirB, { recursive: true, force: true });
  });

  it('getnewaddress: fresh valid addresses, labels; "*" and address_type refused', async () => {
    addrA = (await a.rpc.call('getnewaddress')) as string;
    const labelled = (await a.rpc.call('getnewaddress', ['savings'])) as string;
    assert.match(addrA, /^dqxc1/);
    assert.notEqual(addrA, labelled);
    assert.equal(((await node.call('validateaddress', [addrA])) as { isvalid: boolean }).isvalid, true);
    assert.equal((await rpcFailure(a.rpc.call('getnewaddress', ['*']))).code, -11);
    assert.equal((await rpcFailure(a.rpc.call('getnewaddress', ['', 'bech32m']))).code, -8);
    addrB = (await b.rpc.call('getnewaddress')) as string;
  });

  it('a mined coinbase is immature, then spendable 100 blocks later', async () => {
    const [h1] = (await node.call('generatetoaddress', [1, addrA])) as string[];
    const blk = (await node.call('getblock', [h1, 2])) as {
      tx: Array<{ vout: Array<{ value: number; scriptPubKey: { address: string } }> }>;
    };
    const out = blk.tx[0]!.vout.find((o) => o.scriptPubKey.address === addrA)!;
    reward = units(out.value);
    assert.ok(reward > 0n);
    let bal = (await a.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(bal.mine.immature), reward);
    assert.equal(units(bal.mine.trusted), 0n);
    assert.equal(units(await a.rpc.call('getbalance')), 0n);
    const list = (await a.rpc.call('listtransactions')) as Array<{ category: string; amount: number }>;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.category, 'immature');
    await node.call('generatetoaddress', [99, otherAddr]);
    bal = (await a.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(bal.mine.immature), 0n);
    assert.equal(units(bal.mine.trusted), reward);
    assert.equal(units(await a.rpc.call('getbalance', ['*', 1])), reward);
    assert.equal(
      ((await a.rpc.call('listtransactions')) as Array<{ category: string }>)[0]!.category,
      'generate',
    );
    const unspent = (await a.rpc.call('listunspent')) as Array<{
      address: string;
      amount: number;
      confirmations: number;
    }>;
    assert.equal(unspent.length, 1);
    assert.equal(unspent[0]!.address, addrA);
    assert.equal(unspent[0]!.confirmations, 100);
    assert.equal(((await a.rpc.call('listunspent', [1, 99])) as unknown[]).length, 0);
    assert.equal(((await a.rpc.call('listunspent', [1, 9_999_999, [otherAddr]])) as unknown[]).length, 0);
    assert.equal((await rpcFailure(a.rpc.call('listunspent', [1, 10, ['nope']]))).code, -5);
  });

  it('sending needs walletpassphrase (-13), a wrong one is -14', async () => {
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1.5]))).code, -13);
    assert.equal((await rpcFailure(a.rpc.call('walletcreatetransaction', [addrB, 1.5]))).code, -13);
    assert.equal((await rpcFailure(a.rpc.call('walletpassphrase', ['wrong', 60]))).code, -14);
    assert.equal((await rpcFailure(a.rpc.call('walletpassphrase', [PASS_A, -1]))).code, -8);
    const info = (await a.rpc.call('getwalletinfo')) as { unlocked_until: number; locked: boolean };
    assert.equal(info.unlocked_until, 0);
    assert.equal(info.locked, true);
    assert.equal(await a.rpc.call('walletpassphrase', [PASS_A, 600]), null);
    const after = (await a.rpc.call('getwalletinfo')) as { unlocked_until: number; locked: boolean };
    assert.equal(after.locked, false);
    assert.ok(after.unlocked_until > Date.now() / 1000 + 500);
  });

  it('refuses bad addresses (-5), dust, insufficient funds (-6) and unsupported options (-8)', async () => {
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', ['dqxc1nope', 1]))).code, -5);
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [mainnetAddr, 1]))).code, -5);
    const dust = await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 0.000005]));
    assert.equal(dust.code, -8);
    assert.match(dust.message, /dust/);
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 0]))).code, -3);
    const poor = await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1_000_000]));
    assert.equal(poor.code, -6);
    assert.match(
      poor.message,
      new RegExp(`insufficient funds: available ${formatUnits(reward)} QXC, needed 1000000\\.\\d+ QXC`),
    );
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1, '', '', true]))).code, -8);
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1, '', '', false, true]))).code, -8);
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1, 'for rent']))).code, -8);
    assert.equal(
      (await rpcFailure(a.rpc.call('sendtoaddress', { address: addrB, amount: 1, conf_target: 6 }))).code,
      -8,
    );
    assert.equal(
      (await rpcFailure(a.rpc.call('sendtoaddress', { address: addrB, amount: 1, fee_rate: 0.0001 }))).code,
      -8,
    );
    assert.deepEqual(await node.call('getrawmempool'), []);
  });

  it('walletcreatetransaction is a dry run: nothing sent, nothing recorded', async () => {
    const d = (await a.rpc.call('walletcreatetransaction', [addrB, 0.1])) as {
      txid: string;
      fee: number;
      size: number;
      hex: string;
      inputs: Array<{ amount: number }>;
      outputs: Array<{ address: string; amount: number; change: boolean }>;
    };
    assert.equal(d.inputs.length, 1);
    assert.equal(units(d.inputs[0]!.amount), reward);
    const toB = d.outputs.find((o) => !o.change)!;
    assert.equal(toB.address, addrB);
    assert.equal(units(toB.amount), 10_000_000n);
    const change = d.outputs.find((o) => o.change)!;
    assert.equal(units(change.amount) + units(toB.amount) + units(d.fee), reward);
    assert.equal(d.hex.length, d.size * 2);
    assert.deepEqual(await node.call('getrawmempool'), []);
    assert.equal((await rpcFailure(a.rpc.call('gettransaction', [d.txid]))).code, -5);
    // The same coin is still available to a real send.
    assert.equal(units(await a.rpc.call('getbalance')), reward);
  });

  it('sendtoaddress pays the second wallet; balances move by exactly amount and fee once mined', async () => {
    const txid = (await a.rpc.call('sendtoaddress', {
      address: addrB,
      amount: '1.5',
      fee_rate: 3,
    })) as string;
    assert.match(txid, /^[0-9a-f]{64}$/);
    assert.deepEqual(await node.call('getrawmempool'), [txid]);
    assert.deepEqual(broadcasts, [txid]);
    const tx = (await a.rpc.call('gettransaction', [txid])) as {
      amount: number;
      fee: number;
      confirmations: number;
      trusted: boolean;
      hex: string;
      details: Array<{ category: string; address: string; amount: number; vout: number }>;
    };
    const fee = -units(tx.fee);
    const size = tx.hex.length / 2;
    assert.equal(fee, 3n * BigInt(size), 'fee_rate 3 units/byte');
    assert.equal(units(tx.amount), -AMOUNT);
    assert.equal(tx.confirmations, 0);
    assert.equal(tx.trusted, true);
    assert.deepEqual(
      tx.details.map((d) => [d.category, d.address, units(d.amount)]),
      [['send', addrB, -AMOUNT]],
    );
    // Unconfirmed: A's change is trusted (its own), B's incoming payment is not.
    let balA = (await a.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(balA.mine.trusted), reward - AMOUNT - fee);
    assert.equal(units(await a.rpc.call('getbalance', ['*', 1])), 0n);
    let balB = (await b.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(balB.mine.untrusted_pending), AMOUNT);
    assert.equal(units(await b.rpc.call('getbalance')), 0n);
    assert.equal(((await b.rpc.call('listunspent', [0])) as Array<{ safe: boolean }>)[0]!.safe, false);
    assert.equal(((await b.rpc.call('listunspent', [0, 9_999_999, [], false])) as unknown[]).length, 0);

    const [h] = (await node.call('generatetoaddress', [1, otherAddr])) as string[];
    const height = ((await node.call('getblock', [h, 1])) as { height: number }).height;
    payment = { txid, fee, height };
    assert.equal(units(await a.rpc.call('getbalance', ['*', 1])), reward - AMOUNT - fee);
    assert.equal(units(await b.rpc.call('getbalance', ['*', 1])), AMOUNT);
    balA = (await a.rpc.call('getbalances')) as { mine: Record<string, number> };
    balB = (await b.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(balA.mine.untrusted_pending) + units(balA.mine.immature), 0n);
    assert.equal(units(balB.mine.untrusted_pending), 0n);

    const listA = (await a.rpc.call('listtransactions', ['*', 10, 0])) as Array<Record<string, unknown>>;
    const send = listA.at(-1)!;
    assert.equal(send.category, 'send');
    assert.equal(send.txid, txid);
    assert.equal(units(send.amount), -AMOUNT);
    assert.equal(units(send.fee), -fee);
    assert.equal(send.confirmations, 1);
    assert.equal(send.blockhash, h);
    assert.equal(send.blockheight, height);
    assert.equal(typeof send.blocktime, 'number');
    assert.equal(
      ((await a.rpc.call('listtransactions', ['*', 1, 1])) as Array<{ category: string }>)[0]!.category,
      'generate',
    );
    assert.equal((await rpcFailure(a.rpc.call('listtransactions', ['*', -1]))).code, -8);
    const recv = (await b.rpc.call('gettransaction', [txid, true, true])) as {
      amount: number;
      fee?: number;
      confirmations: number;
      details: Array<{ category: string; address: string; amount: number }>;
      decoded: { txid: string };
    };
    assert.equal(units(recv.amount), AMOUNT);
    assert.equal(recv.fee, undefined);
    assert.equal(recv.confirmations, 1);
    assert.deepEqual(
      recv.details.map((d) => [d.category, d.address, units(d.amount)]),
      [['receive', addrB, AMOUNT]],
    );
    assert.equal(recv.decoded.txid, txid);
  });

  it('a reorganization to a heavier branch without the payment unconfirms it (back in the mempool)', async () => {
    // A second node follows the first up to the block before the payment, then mines 2 blocks.
    t2 = await startTestNode();
    for (let h = 1; h < payment.height; h++) {
      const hash = t.node.chain.getEntryByHeight(h)!.hash;
      const blk = await t.node.chain.getBlock(hash);
      await t2.node.chain.processBlock(blk!);
    }
    const rpc2 = new RpcClient({ url: t2.node.rpc.url, cookieFile: t2.node.rpc.cookieFile! });
    const branch = (await rpc2.call('generatetoaddress', [2, otherAddr])) as string[];
    for (const hash of branch) {
      const blk = await t2.node.chain.getBlock(fromHex(hash));
      await t.node.chain.processBlock(blk!);
    }
    assert.equal(await node.call('getbestblockhash'), branch[1]);
    const tx = (await a.rpc.call('gettransaction', [payment.txid])) as {
      confirmations: number;
      blockhash?: string;
    };
    assert.equal(tx.confirmations, 0);
    assert.equal(tx.blockhash, undefined);
    await waitFor(
      async () => ((await node.call('getrawmempool')) as string[]).includes(payment.txid),
      'the payment back in the mempool',
    );
    assert.equal(units(await b.rpc.call('getbalance', ['*', 1])), 0n);
    const balB = (await b.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(balB.mine.untrusted_pending), AMOUNT);
    const balA = (await a.rpc.call('getbalances')) as { mine: Record<string, number> };
    assert.equal(units(balA.mine.trusted), reward - AMOUNT - payment.fee);
    const info = (await a.rpc.call('getwalletinfo')) as { lastprocessedblock: { hash: string } };
    assert.equal(info.lastprocessedblock.hash, branch[1]);
    // Mined again on the new branch: confirmed once more.
    await node.call('generatetoaddress', [1, otherAddr]);
    assert.equal(
      ((await a.rpc.call('gettransaction', [payment.txid])) as { confirmations: number }).confirmations,
      1,
    );
    assert.equal(units(await b.rpc.call('getbalance', ['*', 1])), AMOUNT);
  });

  it('walletlock locks again; getwalletinfo, exportxpub, unknown txid', async () => {
    assert.equal(await a.rpc.call('walletlock'), null);
    assert.equal((await rpcFailure(a.rpc.call('sendtoaddress', [addrB, 1]))).code, -13);
    const info = (await a.rpc.call('getwalletinfo')) as Record<string, unknown>;
    assert.equal(info.locked, true);
    assert.equal(info.txcount, 2);
    assert.equal(info.network, 'devnet');
    const x = (await a.rpc.call('exportxpub')) as { xpub: string; path: string };
    assert.match(x.xpub, /^tpub/);
    assert.equal(x.path, "m/44'/1'/0'");
    assert.notEqual(x.xpub, ((await b.rpc.call('exportxpub')) as { xpub: string }).xpub);
    assert.equal((await rpcFailure(a.rpc.call('gettransaction', ['00'.repeat(32)]))).code, -5);
    assert.equal((await rpcFailure(a.rpc.call('getbalance', ['x']))).code, -32);
  });

  it('without a wallet every wallet method answers -18', async () => {
    const none = await serveWallet(t, null);
    try {
      assert.equal(none.service.wallet, null);
      for (const [m, p] of [
        ['getnewaddress', []],
        ['getbalance', []],
        ['getbalances', []],
        ['listunspent', []],
        ['sendtoaddress', [addrB, 1]],
        ['listtransactions', []],
        ['gettransaction', ['00'.repeat(32)]],
        ['walletpassphrase', ['x', 1]],
        ['walletlock', []],
        ['getwalletinfo', []],
        ['walletcreatetransaction', [addrB, 1]],
        ['exportxpub', []],
      ] as const) {
        assert.equal((await rpcFailure(none.rpc.call(m, [...p]))).code, -18, m);
      }
    } finally {
      await none.server.stop();
      await none.service.stop();
    }
  });
});
