/**
 * Issue 13, Bitcoin compatibility, against a real in-process devnet node (test/utils/compatNode.ts):
 * the reply shapes (8-decimal amounts, scriptPubKey objects, what python-bitcoinrpc reads), the
 * blockchain methods Bitcoin clients expect (getchaintips, gettxoutsetinfo, verifychain),
 * getmemoryinfo and logging. Raw transactions, the wallet, BIP22 getblocktemplate, fee estimates
 * and the npm `bitcoin-core` client are in bitcoin-compat-rawtx.test.ts.
 */
import { strict as assert } from 'node:assert';
import { devnetParams, encodeBlock, headerHash, tieWinner, toHex } from '../../../../../consensus/index.js';
import type { QenexNode } from '../../../../../node/createNode.js';
import type { RpcClient } from '../../../../../node/rpc/index.js';
import { decodeAddress } from '../../../../../wallet/index.js';
import {
  blockFromTemplate,
  type CompatNode,
  type Obj,
  compatOtherAddr as otherAddr,
  rpcCode,
  startCompatNode,
  units,
} from '../../../../utils/compatNode.js';

const params = devnetParams;
describe('Bitcoin compatibility (real node)', function () {
  this.timeout(120_000);
  let c: CompatNode;
  let node: QenexNode;
  let rpc: RpcClient;
  let walletAddr: string;
  let coin: CompatNode['coin'];
  let logLines: string[];
  const post = (body: unknown) => c.post(body);

  before(async () => {
    c = await startCompatNode();
    ({ node, rpc, walletAddr, coin, logLines } = c);
  });
  after(async () => {
    await c?.close();
  });

  describe('reply shapes', () => {
    it('amounts are JSON numbers with exactly 8 decimals (40 → 40.00000000)', async () => {
      const hash = await rpc.call('getblockhash', [1]);
      const r = await post({ id: 1, method: 'getblock', params: [hash, 2] });
      // devnet coinbase: 50 QXC, 10 to the genesis address, 40 to the miner
      assert.match(r.text, /"value":10\.00000000,"n":0,/);
      assert.match(r.text, /"value":40\.00000000,"n":1,/);
      const info = await post({ id: 2, method: 'getmempoolinfo' });
      assert.match(info.text, /"mempoolminfee":0\.00001000,/);
      assert.match(info.text, /"minrelaytxfee":0\.00001000,/);
    });

    it('vout entries carry a scriptPubKey object (asm, hex, address, type), as gettxout does', async () => {
      const b = (await rpc.call('getblock', [await rpc.call('getblockhash', [1]), 2])) as {
        tx: Array<{ vout: Obj[] }>;
      };
      const pkh = toHex(decodeAddress(walletAddr, params));
      assert.deepEqual(b.tx[0]!.vout[1], {
        value: 40,
        n: 1,
        scriptPubKey: { asm: pkh, hex: pkh, address: walletAddr, type: 'pubkeyhash' },
      });
      const out = (await rpc.call('gettxout', [coin.txid, coin.vout])) as Obj;
      assert.deepEqual(Object.keys(out), ['bestblock', 'confirmations', 'value', 'scriptPubKey', 'coinbase']);
      assert.deepEqual(out.scriptPubKey, { asm: pkh, hex: pkh, address: walletAddr, type: 'pubkeyhash' });
    });

    it('1.0-style replies carry result, error and id: "error": null, or "result": null on errors', async () => {
      const ok = await post({ jsonrpc: '1.0', id: 'a', method: 'getblockcount', params: [] });
      assert.equal(ok.text.trim(), '{"result":101,"error":null,"id":"a"}');
      const bad = await post({ id: 'b', method: 'getblockhash', params: [999] });
      assert.equal(bad.status, 500);
      assert.deepEqual(JSON.parse(bad.text), {
        result: null,
        error: { code: -8, message: 'Block height out of range' },
        id: 'b',
      });
    });

    it('JSON-RPC 2.0 replies say so and, as Bitcoin Core up to 27, carry result, error and id; batches mix versions', async () => {
      const r = await post([
        { jsonrpc: '2.0', id: 1, method: 'getblockcount' },
        { id: 2, method: 'getblockcount' },
        { jsonrpc: '2.0', id: 3, method: 'getblockhash', params: [999] },
        { id: 4, method: 'nosuchmethod' },
      ]);
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.text), [
        { jsonrpc: '2.0', result: 101, error: null, id: 1 },
        { result: 101, error: null, id: 2 },
        { jsonrpc: '2.0', result: null, error: { code: -8, message: 'Block height out of range' }, id: 3 },
        { result: null, error: { code: -32601, message: 'Method not found' }, id: 4 },
      ]);
    });

    it("python-bitcoinrpc's AuthServiceProxy: the request it sends, the reply keys it reads", async () => {
      // __call__ posts {"version": "1.1", "method", "params", "id"}, requires Content-Type
      // application/json, then reads response['error'] (must exist, None on success) and 'result'
      const call = await post({ version: '1.1', method: 'getblockcount', params: [], id: 1 });
      assert.equal(call.type, 'application/json');
      const reply = JSON.parse(call.text) as Obj;
      assert.ok('error' in reply && reply.error === null && 'result' in reply && reply.id === 1);
      const failed = JSON.parse((await post({ version: '1.1', method: 'nosuch', params: [], id: 2 })).text);
      assert.deepEqual(failed.error, { code: -32601, message: 'Method not found' });
      // batch_ tags every element "jsonrpc": "2.0", then reads response['error'] of each reply
      // (a KeyError when it is missing) and response['result'] when it is None
      const batch = await post([
        { jsonrpc: '2.0', method: 'getblockcount', params: [], id: 3 },
        { jsonrpc: '2.0', method: 'getblockhash', params: [0], id: 4 },
      ]);
      assert.equal(batch.type, 'application/json');
      const replies = JSON.parse(batch.text) as Obj[];
      assert.equal(replies.length, 2);
      for (const [i, e] of replies.entries()) {
        assert.ok('error' in e && e.error === null && 'result' in e, JSON.stringify(e));
        assert.equal(e.id, 3 + i);
      }
      assert.equal(replies[0]!.result, 101);
    });
  });

  describe('blockchain', () => {
    it('getchaintips: the active tip, then a valid fork and an invalid branch', async () => {
      const best = (await rpc.call('getbestblockhash')) as string;
      assert.deepEqual(await rpc.call('getchaintips'), [
        { height: 101, hash: best, branchlen: 0, status: 'active' },
      ]);
      // two blocks built from templates tie; the one the tie-break picks goes first and becomes
      // the tip, the other is a fork of one block (a tie goes to the same block on every node)
      const built = [await blockFromTemplate(rpc, walletAddr), await blockFromTemplate(rpc, otherAddr)];
      const named = built.map((b) => ({ b, hash: headerHash(b.header) }));
      const winner = tieWinner(named);
      const side = named.find((x) => x !== winner)!.b;
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(winner.b))]), null);
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(side))]), 'inconclusive');
      // a block whose coinbase pays one unit too many, on the tip: stored, found invalid
      const greedy = await blockFromTemplate(rpc, otherAddr, (tx) => ({
        ...tx,
        outputs: tx.outputs.map((o, i) => (i === tx.outputs.length - 1 ? { ...o, value: o.value + 1n } : o)),
      }));
      assert.match((await rpc.call('submitblock', [toHex(encodeBlock(greedy))])) as string, /^bad-/);
      const tips = (await rpc.call('getchaintips')) as Array<Obj>;
      const tip = (await rpc.call('getbestblockhash')) as string;
      const byStatus = (status: string) => tips.filter((t) => t.status === status);
      assert.equal(tips.length, 3);
      assert.deepEqual(tips[0], {
        height: 103,
        hash: toHex(headerHash(greedy.header)),
        branchlen: 1,
        status: 'invalid',
      });
      assert.deepEqual(byStatus('active'), [{ height: 102, hash: tip, branchlen: 0, status: 'active' }]);
      assert.deepEqual(byStatus('valid-headers'), [
        { height: 102, hash: toHex(headerHash(side.header)), branchlen: 1, status: 'valid-headers' },
      ]);
    });

    it('gettxoutsetinfo: counts, total and hash of the stored UTXO set', async () => {
      const info = (await rpc.call('gettxoutsetinfo')) as Obj;
      let txouts = 0;
      let total = 0n;
      const txids = new Set<string>();
      for await (const { op, coin: c } of node.db.coins()) {
        txouts++;
        total += c.value;
        txids.add(toHex(op.txid));
      }
      assert.equal(info.height, 102);
      assert.equal(info.bestblock, await rpc.call('getbestblockhash'));
      assert.equal(info.txouts, txouts);
      assert.equal(info.transactions, txids.size);
      assert.equal(info.bogosize, txouts * 70);
      assert.equal(units(info.total_amount), total);
      assert.match(info.hash_serialized as string, /^[0-9a-f]{64}$/);
      const text = (await post({ id: 1, method: 'gettxoutsetinfo', params: ['none'] })).text;
      assert.match(text, /"total_amount":\d+\.\d{8},/);
      assert.ok(!text.includes('hash_serialized'));
      assert.equal(await rpcCode(rpc.call('gettxoutsetinfo', ['muhash'])), -8);
      // another block, another set
      await rpc.call('generatetoaddress', [1, otherAddr]);
      const next = (await rpc.call('gettxoutsetinfo')) as Obj;
      assert.notEqual(next.hash_serialized, info.hash_serialized);
      assert.equal(next.txouts, txouts + 2);
    });

    it('verifychain replays the chain from genesis: true; params as Core, type-checked', async () => {
      assert.equal(await rpc.call('verifychain'), true);
      assert.equal(await rpc.call('verifychain', [4, 0]), true);
      assert.equal(await rpcCode(rpc.call('verifychain', ['x'])), -3);
      // a coin gone from the stored set: false, and the difference in the node's log
      const coins = node.db.coins();
      const gone = (await coins.next()).value!;
      await coins.return(undefined);
      await node.db.batch().delCoin(gone.op).write();
      assert.equal(await rpc.call('verifychain'), false);
      assert.ok(logLines.some((l) => l.includes('verifychain: the stored chain differs from its replay')));
      await node.db.batch().putCoin(gone.op, gone.coin).write();
      assert.equal(await rpc.call('verifychain'), true);
    });
  });

  describe('util and control', () => {
    it('getmemoryinfo: Bitcoin\'s "locked" stats from process.memoryUsage()', async () => {
      const m = (await rpc.call('getmemoryinfo')) as { locked: Record<string, number>; process: Obj };
      assert.deepEqual(Object.keys(m.locked), ['used', 'free', 'total', 'locked']);
      assert.equal(m.locked.used! + m.locked.free!, m.locked.total);
      assert.equal(m.locked.locked, 0);
      assert.deepEqual(Object.keys(m.process), ['rss', 'heaptotal', 'heapused', 'external', 'arraybuffers']);
      assert.equal(await rpcCode(rpc.call('getmemoryinfo', ['mallocinfo'])), -8);
      assert.equal(await rpcCode(rpc.call('getmemoryinfo', ['x'])), -8);
    });

    it("logging turns a category's debug lines on and off at run time; loglevels sets any level", async () => {
      const all = (await rpc.call('logging')) as Record<string, boolean>;
      assert.equal(all.rpc, false);
      assert.ok(['chain', 'mempool', 'p2p', 'wallet'].every((c) => all[c] === false));
      const debugLines = () => logLines.filter((l) => l.includes('"module":"rpc"') && l.includes('rpc call'));
      await rpc.call('getblockcount');
      assert.equal(debugLines().length, 0);
      assert.equal(((await rpc.call('logging', [['rpc']])) as Record<string, boolean>).rpc, true);
      await rpc.call('getblockcount');
      assert.ok(debugLines().some((l) => l.includes('"method":"getblockcount"')));
      assert.equal(((await rpc.call('logging', [[], ['rpc']])) as Record<string, boolean>).rpc, false);
      const before = debugLines().length;
      await rpc.call('getblockcount');
      assert.equal(debugLines().length, before);
      assert.equal(await rpcCode(rpc.call('logging', [['nosuchcategory']])), -8);
      const every = (await rpc.call('logging', [['all']])) as Record<string, boolean>;
      assert.ok(Object.values(every).every((v) => v));
      await rpc.call('logging', [[], ['1']]);
      // levels
      const lv = (await rpc.call('loglevels', [{ '*': 'warn', mempool: 'trace' }])) as {
        level: string;
        categories: Record<string, string>;
      };
      assert.equal(lv.level, 'warn');
      assert.equal(lv.categories.mempool, 'trace');
      assert.equal(lv.categories.chain, 'warn');
      const back = (await rpc.call('loglevels', [{ '*': 'info', mempool: null }])) as typeof lv;
      assert.equal(back.categories.mempool, 'info');
      assert.deepEqual(await rpc.call('loglevels'), back);
      assert.equal(await rpcCode(rpc.call('loglevels', [{ '*': null }])), -8);
      assert.equal(await rpcCode(rpc.call('loglevels', [{ chain: 'loud' }])), -8);
      assert.equal(await rpcCode(rpc.call('loglevels', [{ nosuch: 'info' }])), -8);
    });
  });
});
