/**
 * Issue 13, Bitcoin compatibility, against a real in-process devnet node (LevelDB in a temp dir,
 * RPC on a free loopback port, cookie auth, its own wallet and logger): the methods Bitcoin
 * clients expect (getchaintips, gettxoutsetinfo, verifychain, createrawtransaction,
 * signrawtransactionwithwallet, testmempoolaccept, estimatesmartfee, getmemoryinfo, logging),
 * BIP22 getblocktemplate, 8-decimal amounts, scriptPubKey objects, the reply shapes
 * python-bitcoinrpc reads, the npm `bitcoin-core` client, and `qenex rpc` argument conversion.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Client from 'bitcoin-core';
import {
  type Block,
  blockMerkleRoot,
  decodeTx,
  devnetParams,
  encodeBlock,
  fromHex,
  headerHash,
  type Transaction,
  tieWinner,
  toHex,
  wtxid,
} from '../../../../../consensus/index.js';
import { main } from '../../../../../node/cli/index.js';
import { parseArgs } from '../../../../../node/config/index.js';
import { createNode, type QenexNode } from '../../../../../node/createNode.js';
import { RpcClient, RpcError } from '../../../../../node/rpc/index.js';
import { WALLET_FILE_NAME } from '../../../../../node/wallet/index.js';
import { decodeAddress, encodeAddress, Wallet } from '../../../../../wallet/index.js';
import { keyPair, mineHeader } from '../../../../utils/chainBuilder.js';

const params = devnetParams;
const PASSPHRASE = '123456';
const other = keyPair('compat-other');
const otherAddr = encodeAddress(other.pkh, params);

type Obj = Record<string, unknown>;

async function rpcCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e.rpcCode;
    throw e;
  }
  assert.fail('expected an RPC error');
}

const units = (qxc: unknown): bigint => BigInt(Math.round((qxc as number) * 1e8));

describe('Bitcoin compatibility (real node)', function () {
  this.timeout(120_000);
  let datadir: string;
  let node: QenexNode;
  let rpc: RpcClient;
  let auth: string;
  const logLines: string[] = [];
  let walletAddr: string;
  /** The wallet's mature coinbase output (block 1). */
  let coin: { txid: string; vout: number; amount: number };

  /** POSTs a raw body with the cookie; the reply text as sent and its content type. */
  async function post(body: unknown): Promise<{ status: number; type: string | null; text: string }> {
    const res = await fetch(node.rpc.url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  before(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'qenex-compat-'));
    await Wallet.create({ path: join(datadir, WALLET_FILE_NAME), passphrase: PASSPHRASE }, { params });
    const opts = parseArgs({ network: 'devnet', datadir, rpcPort: 0, p2pPort: 0 }, { homedir: datadir });
    // The node makes its own logger (so `logging` is there), writing here.
    node = createNode(opts, { logOutput: { write: (line: string) => void logLines.push(line) } });
    await node.start();
    rpc = new RpcClient({ url: node.rpc.url, cookieFile: node.rpc.cookieFile! });
    auth = `Basic ${Buffer.from((await readFile(node.rpc.cookieFile!, 'utf8')).trim()).toString('base64')}`;
    walletAddr = (await rpc.call('getnewaddress')) as string;
    const [first] = (await rpc.call('generatetoaddress', [1, walletAddr])) as string[];
    await rpc.call('generatetoaddress', [100, otherAddr]);
    const b = (await rpc.call('getblock', [first, 2])) as {
      tx: Array<{
        txid: string;
        vout: Array<{ value: number; n: number; scriptPubKey: { address: string } }>;
      }>;
    };
    const out = b.tx[0]!.vout.find((o) => o.scriptPubKey.address === walletAddr)!;
    coin = { txid: b.tx[0]!.txid, vout: out.n, amount: out.value };
  });
  after(async () => {
    await node?.stop();
    if (datadir) await rm(datadir, { recursive: true, force: true });
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
      const built = [await blockFromTemplate(walletAddr), await blockFromTemplate(otherAddr)];
      const named = built.map((b) => ({ b, hash: headerHash(b.header) }));
      const winner = tieWinner(named);
      const side = named.find((x) => x !== winner)!.b;
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(winner.b))]), null);
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(side))]), 'inconclusive');
      // a block whose coinbase pays one unit too many, on the tip: stored, found invalid
      const greedy = await blockFromTemplate(otherAddr, (tx) => ({
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
      const block = await blockFromTemplate(otherAddr);
      assert.equal(await rpc.call('submitblock', [toHex(encodeBlock(block))]), null);
      assert.equal(await rpc.call('getbestblockhash'), toHex(headerHash(block.header)));
      assert.deepEqual(await rpc.call('getrawmempool'), []);
    });
  });

  describe('util and control', () => {
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

  /** A block on the current tip from getblocktemplate alone, paying `address`; `edit` changes its coinbase. */
  async function blockFromTemplate(address: string, edit?: (tx: Transaction) => Transaction): Promise<Block> {
    const tpl = (await rpc.call('getblocktemplate', [{ address }])) as {
      version: number;
      previousblockhash: string;
      coinbasetxn: { data: string };
      transactions: Array<{ data: string }>;
      modelhash: string;
      merkleroot: string;
      curtime: number;
      bits: string;
    };
    const coinbase = decodeTx(fromHex(tpl.coinbasetxn.data));
    const txs = [edit ? edit(coinbase) : coinbase, ...tpl.transactions.map((t) => decodeTx(fromHex(t.data)))];
    const merkleRoot = blockMerkleRoot(txs.map(wtxid), null);
    if (!edit) assert.equal(toHex(merkleRoot), tpl.merkleroot);
    const header = mineHeader(
      {
        version: tpl.version,
        prevHash: fromHex(tpl.previousblockhash),
        merkleRoot,
        modelHash: fromHex(tpl.modelhash),
        time: tpl.curtime,
        bits: Number.parseInt(tpl.bits, 16),
        nonce: 0n,
      },
      params,
    );
    return { header, txs, update: null };
  }
});
