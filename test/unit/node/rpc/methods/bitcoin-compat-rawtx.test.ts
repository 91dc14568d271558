/**
 * Issue 13, Bitcoin compatibility, against a real in-process devnet node (test/utils/compatNode.ts):
 * raw transactions (createrawtransaction, signrawtransactionwithwallet, testmempoolaccept), the
 * wallet's lock as `qenex rpc walletpassphrase` leaves it, BIP22 getblocktemplate with a block
 * built from it alone, then, with that block's payment confirmed, estimatesmartfee and the npm
 * `bitcoin-core` client running the same calls. The tests run in order on one node.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import Client from 'bitcoin-core';
import {
  decodeTx,
  devnetParams,
  encodeBlock,
  fromHex,
  headerHash,
  toHex,
} from '../../../../../consensus/index.js';

const params = devnetParams;

import { main } from '../../../../../node/cli/index.js';
import type { QenexNode } from '../../../../../node/createNode.js';
import type { RpcClient } from '../../../../../node/rpc/index.js';
import {
  blockFromTemplate,
  type CompatNode,
  type Obj,
  compatOther as other,
  compatOtherAddr as otherAddr,
  COMPAT_PASSPHRASE as PASSPHRASE,
  rpcCode,
  startCompatNode,
  units,
} from '../../../../utils/compatNode.js';

describe('Bitcoin compatibility: raw transactions and the wallet (real node)', function () {
  this.timeout(120_000);
  let c: CompatNode;
  let node: QenexNode;
  let rpc: RpcClient;
  let walletAddr: string;
  let coin: CompatNode['coin'];
  let datadir: string;
  const post = (body: unknown) => c.post(body);

  before(async () => {
    c = await startCompatNode();
    ({ node, rpc, walletAddr, coin, datadir } = c);
  });
  after(async () => {
    await c?.close();
  });

  describe('raw transactions and the wallet', () => {
    let unsigned: string;
    let signed: string;

    it('createrawtransaction: an unsigned transaction whose txid is final', async () => {
      const change = (await rpc.call('getnewaddress')) as string;
      unsigned = (await rpc.call('createrawtransaction', [
        [{ txid: coin.txid, vout: coin.vout }],
        [{ [otherAddr]: 1.5 }, { [change]: '38.4999' }],
      ])) as string;
      const d = (await rpc.call('decoderawtransaction', [unsigned])) as {
        txid: string;
        locktime: number;
        vin: Array<{ txid: string; vout: number; pubkey: string; signature: string }>;
        vout: Array<{ value: number; scriptPubKey: { address: string } }>;
      };
      assert.equal(d.locktime, 0);
      assert.deepEqual(d.vin, [
        { txid: coin.txid, vout: coin.vout, pubkey: '00'.repeat(32), signature: '00'.repeat(64) },
      ]);
      assert.deepEqual(
        d.vout.map((o) => [o.value, o.scriptPubKey.address]),
        [
          [1.5, otherAddr],
          [38.4999, change],
        ],
      );
      // the object form, a lock time, neutral sequence numbers
      const again = (await rpc.call('createrawtransaction', [
        [{ txid: coin.txid, vout: coin.vout, sequence: 4294967294 }],
        { [otherAddr]: 1 },
        7,
      ])) as string;
      assert.equal(decodeTx(fromHex(again)).lockTime, 7);
      const call = (inputs: unknown, outputs: unknown, ...rest: unknown[]) =>
        rpcCode(rpc.call('createrawtransaction', [inputs, outputs, ...rest]));
      const input = [{ txid: coin.txid, vout: coin.vout }];
      assert.equal(await call(input, { nope: 1 }), -5);
      assert.equal(await call(input, [{ [otherAddr]: 1 }, { [otherAddr]: 2 }]), -8);
      assert.equal(await call(input, { data: '00' }), -8);
      assert.equal(await call(input, [{ [otherAddr]: 1, [walletAddr]: 1 }]), -8);
      assert.equal(await call([], { [otherAddr]: 1 }), -8);
      assert.equal(await call(input, { [otherAddr]: 1 }, 0, true), -8);
      assert.equal(await call([{ ...input[0], sequence: 5 }], { [otherAddr]: 1 }), -8);
      assert.equal(await call([{ txid: coin.txid, vout: -1 }], { [otherAddr]: 1 }), -8);
      assert.equal(await call(input, { [otherAddr]: 0.000000001 }), -3);
    });

    it('signrawtransactionwithwallet needs the wallet unlocked; `qenex rpc walletpassphrase 123456 60` unlocks it', async () => {
      assert.equal(await rpcCode(rpc.call('signrawtransactionwithwallet', [unsigned])), -13);
      // "123456" must reach the node as a string: the method's schema says so
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
      const port = String(new URL(node.rpc.url).port);
      const argv = ['node', 'qenex', 'rpc', '--network', 'devnet', '--datadir', datadir, '--rpc-port', port];
      const code = await main([...argv, 'walletpassphrase', PASSPHRASE, '60'], {
        io,
        env: { homedir: datadir },
      });
      assert.equal(code, 0, out.join(''));
      const r = (await rpc.call('signrawtransactionwithwallet', [unsigned])) as Obj;
      assert.equal(r.complete, true);
      assert.equal('errors' in r, false);
      signed = r.hex as string;
      const d = (await rpc.call('decoderawtransaction', [signed])) as {
        txid: string;
        vin: Array<{ pubkey: string }>;
      };
      assert.equal(d.txid, ((await rpc.call('decoderawtransaction', [unsigned])) as { txid: string }).txid);
      assert.notEqual(d.vin[0]!.pubkey, '00'.repeat(32));
      assert.equal(await rpcCode(rpc.call('signrawtransactionwithwallet', [unsigned, [], 'NONE'])), -8);
      assert.equal(await rpcCode(rpc.call('signrawtransactionwithwallet', ['00'])), -22);
    });

    it("signrawtransactionwithwallet: unknown inputs, others' keys and prevtxs", async () => {
      const unknown = '11'.repeat(32);
      const tx = (await rpc.call('createrawtransaction', [
        [
          { txid: coin.txid, vout: coin.vout },
          { txid: unknown, vout: 0 },
        ],
        { [otherAddr]: 1 },
      ])) as string;
      const r = (await rpc.call('signrawtransactionwithwallet', [tx])) as {
        complete: boolean;
        hex: string;
        errors: Array<{ txid: string; vout: number; error: string }>;
      };
      assert.equal(r.complete, false);
      assert.equal(r.hex, tx);
      assert.deepEqual(
        r.errors.map((e) => [e.txid, e.vout]),
        [
          [coin.txid, coin.vout],
          [unknown, 0],
        ],
      );
      assert.equal(r.errors[1]!.error, 'Input not found or already spent');
      // the same with the unknown output stated: both inputs known, only the wallet's is signed
      const pkh = toHex(other.pkh);
      const stated = (await rpc.call('signrawtransactionwithwallet', [
        tx,
        [{ txid: unknown, vout: 0, scriptPubKey: pkh, amount: 2 }],
      ])) as { complete: boolean; errors: Array<{ txid: string; error: string }> };
      assert.equal(stated.complete, false);
      assert.deepEqual(
        stated.errors.map((e) => [e.txid, e.error]),
        [[unknown, 'Unable to sign input: its key is not in this wallet']],
      );
      // a stated output that contradicts the UTXO set
      assert.equal(
        await rpcCode(
          rpc.call('signrawtransactionwithwallet', [
            tx,
            [{ txid: coin.txid, vout: coin.vout, scriptPubKey: pkh, amount: coin.amount }],
          ]),
        ),
        -22,
      );
    });

    it('testmempoolaccept: allowed with its fees, or the reject reason; nothing enters the pool', async () => {
      const [r] = (await rpc.call('testmempoolaccept', [[signed]])) as Obj[];
      const size = fromHex(signed).length;
      const fee = units(coin.amount) - 150_000_000n - 3_849_990_000n;
      assert.deepEqual(Object.keys(r!), ['txid', 'wtxid', 'allowed', 'vsize', 'fees']);
      assert.equal(r!.allowed, true);
      assert.equal(r!.vsize, size);
      const fees = r!.fees as Obj;
      assert.equal(units(fees.base), fee);
      assert.equal(units(fees['effective-feerate']), (fee * 1000n) / BigInt(size));
      assert.deepEqual(fees['effective-includes'], [r!.wtxid]);
      assert.deepEqual(await rpc.call('getrawmempool'), []);
      // a fee rate above maxfeerate (QXC per 1000 bytes)
      const [capped] = (await rpc.call('testmempoolaccept', [[signed], 0.0001])) as Obj[];
      assert.deepEqual(capped, {
        txid: r!.txid,
        wtxid: r!.wtxid,
        allowed: false,
        'reject-reason': 'max-fee-exceeded',
      });
      // unsigned: a consensus rejection, as a reason
      const [u] = (await rpc.call('testmempoolaccept', [[unsigned]])) as Obj[];
      assert.equal(u!.allowed, false);
      assert.equal(typeof u!['reject-reason'], 'string');
      assert.equal(await rpcCode(rpc.call('testmempoolaccept', [[signed, signed]])), -8);
      assert.equal(await rpcCode(rpc.call('testmempoolaccept', [['zz']])), -22);
      // sent, it is in the pool: a second test says so
      assert.equal(await rpc.call('sendrawtransaction', [signed]), r!.txid);
      const [dup] = (await rpc.call('testmempoolaccept', [[signed]])) as Obj[];
      assert.equal(dup!['reject-reason'], 'txn-already-in-mempool');
    });

    it('getblocktemplate is BIP22-shaped and a block built from it alone is accepted', async () => {
      const tpl = (await rpc.call('getblocktemplate', [{ rules: ['segwit'], address: otherAddr }])) as Obj;
      for (const k of [
        'version',
        'previousblockhash',
        'transactions',
        'coinbasetxn',
        'coinbasevalue',
        'target',
        'mintime',
        'mutable',
        'noncerange',
        'curtime',
        'bits',
        'height',
        'sizelimit',
        'weightlimit',
        'merkleroot',
        'modelhash',
      ])
        assert.ok(k in tpl, k);
      const txs = tpl.transactions as Obj[];
      assert.equal(txs.length, 1);
      const pooled = (await rpc.call('getrawmempool', [true])) as Record<string, { fees: { base: number } }>;
      const [txid] = Object.keys(pooled);
      assert.equal(txs[0]!.txid, txid);
      assert.equal(txs[0]!.data, signed);
      assert.deepEqual(txs[0]!.depends, []);
      assert.equal(BigInt(txs[0]!.fee as number), units(pooled[txid!]!.fees.base));
      assert.equal(txs[0]!.weight, fromHex(signed).length * 4);
      const cb = decodeTx(fromHex((tpl.coinbasetxn as Obj).data as string));
      assert.equal(
        BigInt(tpl.coinbasevalue as number),
        cb.outputs.reduce((s, o) => s + o.value, 0n),
      );
      assert.equal((tpl.coinbasetxn as Obj).fee, -(txs[0]!.fee as number));
      assert.equal(tpl.noncerange, '0000000000000000ffffffffffffffff');
      assert.deepEqual(tpl.mutable, ['time']);
      assert.equal(
        await rpcCode(rpc.call('getblocktemplate', [{ mode: 'proposal', address: otherAddr }])),
        -8,
      );
      const block = await blockFromTemplate(rpc, otherAddr);
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(block))]), null);
      assert.equal(await rpc.call('getbestblockhash'), toHex(headerHash(block.header)));
      assert.deepEqual(await rpc.call('getrawmempool'), []);
    });
  });

  describe('fees after a confirmed payment', () => {
    it('estimatesmartfee: Bitcoin\'s "errors" without data, the pool minimum when blocks were not full', async () => {
      // the only confirmed payment is in the last block: a target of 1 sees it (12 windows of 1
      // block), so does 2; conservative looks at 48 windows
      const est = (await rpc.call('estimatesmartfee', [2])) as Obj;
      assert.deepEqual(est, { feerate: 0.00001, blocks: 2 });
      const text = (await post({ id: 1, method: 'estimatesmartfee', params: [1, 'ECONOMICAL'] })).text;
      assert.match(text, /"feerate":0\.00001000,"blocks":1/);
      const none = await rpc.call('estimatesmartfee', [1008, 'conservative']);
      assert.deepEqual(none, { errors: ['Insufficient data or no feerate found'], blocks: 1008 });
      assert.equal(await rpcCode(rpc.call('estimatesmartfee', [0])), -8);
      assert.equal(await rpcCode(rpc.call('estimatesmartfee', [1009])), -8);
      assert.equal(await rpcCode(rpc.call('estimatesmartfee', [2, 'fast'])), -8);
    });
  });

  describe('the npm bitcoin-core client, unchanged', () => {
    let client: Client;
    before(async () => {
      const [user, password] = (await readFile(node.rpc.cookieFile!, 'utf8')).trim().split(':') as [
        string,
        string,
      ];
      client = new Client({
        host: node.rpc.url.replace(/\/$/, ''),
        username: user,
        password,
        timeout: 30_000,
      });
    });

    it('runs the same calls', async () => {
      const height = (await client.command('getblockcount')) as number;
      assert.equal(height, await rpc.call('getblockcount'));
      const info = (await client.command('getblockchaininfo')) as Obj;
      assert.equal(info.blocks, height);
      const block = (await client.command('getblock', await client.command('getblockhash', 1), 2)) as {
        tx: Array<{ vout: Array<{ value: number; scriptPubKey: Obj }> }>;
      };
      assert.equal(block.tx[0]!.vout[1]!.value, 40);
      assert.equal(block.tx[0]!.vout[1]!.scriptPubKey.type, 'pubkeyhash');
      const tips = (await client.command('getchaintips')) as Obj[];
      assert.equal(tips.find((t) => t.status === 'active')!.height, height);
      const set = (await client.command('gettxoutsetinfo')) as Obj;
      assert.equal(set.height, height);
      assert.deepEqual(
        { ...((await client.command('estimatesmartfee', 2)) as Obj) },
        { feerate: 0.00001, blocks: 2 },
      );
      assert.equal(await client.command('verifychain'), true);
      assert.ok(((await client.command('getmemoryinfo')) as { locked: Obj }).locked);
      const [tmpl] = (await client.command([
        { method: 'getblocktemplate', parameters: [{ address: otherAddr }] },
      ])) as Obj[];
      assert.equal(tmpl!.height, height + 1);
      const batch = (await client.command([
        { method: 'getblockhash', parameters: [0] },
        { method: 'getblockhash', parameters: [99_999] },
      ])) as unknown[];
      assert.equal(batch[0], params.genesis.hash);
      assert.equal((batch[1] as { code: number }).code, -8);
    });
  });
});
