/**
 * Every node RPC method against a real in-process devnet node (LevelDB in a temp dir, RPC on a free
 * loopback port, cookie auth), with good and bad parameters.
 */
import { strict as assert } from 'node:assert';
import { devnetParams, encodeBlock, encodeTx, TX_VERSION, toHex } from '../../../../../consensus/index.js';
import { RpcClient } from '../../../../../node/rpc/index.js';
import { MODEL_VERSION, parameterCount } from '../../../../../training/index.js';
import { encodeAddress } from '../../../../../wallet/index.js';
import { keyPair, signTx } from '../../../../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../../../utils/node.js';
import { rpcCode } from '../../../../utils/rpcErrors.js';

const miner = keyPair('rpc-miner');
const minerAddr = encodeAddress(miner.pkh, devnetParams);
const dest = keyPair('rpc-dest');

describe('node RPC methods (real node)', function () {
  this.timeout(60_000);
  let t: TestNode;
  let rpc: RpcClient;
  let hashes: string[];

  before(async () => {
    t = await startTestNode();
    rpc = new RpcClient({ url: t.node.rpc.url, cookieFile: t.node.rpc.cookieFile! });
    hashes = (await rpc.call('generatetoaddress', [105, minerAddr])) as string[];
  });
  after(async () => {
    await t?.close();
  });

  it('getblockcount / getbestblockhash / getblockhash', async () => {
    assert.equal(await rpc.call('getblockcount'), 105);
    assert.equal(await rpc.call('getbestblockhash'), hashes[104]);
    assert.equal(await rpc.call('getblockhash', [1]), hashes[0]);
    assert.equal(await rpc.call('getblockhash', [0]), devnetParams.genesis.hash);
    assert.equal(await rpcCode(rpc.call('getblockhash', [106])), -8);
    assert.equal(await rpcCode(rpc.call('getblockhash', [-1])), -8);
    assert.equal(await rpcCode(rpc.call('getblockhash', ['x'])), -3);
  });

  it('getblockchaininfo', async () => {
    const i = (await rpc.call('getblockchaininfo')) as Record<string, unknown>;
    assert.equal(i.chain, 'devnet');
    assert.equal(i.blocks, 105);
    assert.equal(i.bestblockhash, hashes[104]);
    assert.equal(typeof i.chainwork, 'string');
    assert.equal(await rpcCode(rpc.call('getblockchaininfo', [1])), -8);
  });

  it('getblock at verbosity 0, 1, 2 and getblockheader', async () => {
    const h = hashes[9]!;
    const hex = (await rpc.call('getblock', [h, 0])) as string;
    assert.match(hex, /^[0-9a-f]+$/);
    const b1 = (await rpc.call('getblock', [h, 1])) as {
      height: number;
      tx: string[];
      confirmations: number;
    };
    assert.equal(b1.height, 10);
    assert.equal(b1.tx.length, 1);
    assert.equal(b1.confirmations, 96);
    const b2 = (await rpc.call('getblock', [h, 2])) as {
      tx: Array<{ vout: Array<{ scriptPubKey: { address: string } }> }>;
    };
    assert.equal(b2.tx[0]!.vout.at(-1)!.scriptPubKey.address, minerAddr);
    const hdr = (await rpc.call('getblockheader', [h])) as {
      height: number;
      previousblockhash: string;
      nextblockhash: string;
    };
    assert.equal(hdr.height, 10);
    assert.equal(hdr.previousblockhash, hashes[8]);
    assert.equal(hdr.nextblockhash, hashes[10]);
    assert.equal(((await rpc.call('getblockheader', [h, false])) as string).length, 232);
    assert.equal(await rpcCode(rpc.call('getblock', ['00'.repeat(32)])), -5);
    assert.equal(await rpcCode(rpc.call('getblock', ['zz'])), -8);
    assert.equal(await rpcCode(rpc.call('getblock', [h, 3])), -8);
  });

  it('getdifficulty, getmininginfo, uptime, validateaddress, getmodelinfo', async () => {
    assert.equal(await rpc.call('getdifficulty'), 1);
    const mi = (await rpc.call('getmininginfo')) as { blocks: number; chain: string };
    assert.equal(mi.blocks, 105);
    assert.equal(mi.chain, 'devnet');
    assert.ok(((await rpc.call('uptime')) as number) >= 0);
    assert.deepEqual(
      ((await rpc.call('validateaddress', [minerAddr])) as { isvalid: boolean }).isvalid,
      true,
    );
    const bad = (await rpc.call('validateaddress', [`${minerAddr.slice(0, -1)}x`])) as {
      isvalid: boolean;
      error: string;
    };
    assert.equal(bad.isvalid, false);
    assert.match(bad.error, /invalid/i);
    const main = encodeAddress(miner.pkh, { addressPrefix: 'qxc' });
    assert.equal(((await rpc.call('validateaddress', [main])) as { isvalid: boolean }).isvalid, false);
    const m = (await rpc.call('getmodelinfo')) as {
      modelhash: string;
      modelversion: number;
      parameters: number;
      updates: number;
      score: { correct: number; samples: number };
      domains: Array<{
        domain: string;
        level: number | null;
        heldout: { correct: number; total: number; accuracy: number };
        sample: { correct: number; total: number; accuracy: number };
      }>;
    };
    assert.equal(m.modelhash, toHex(devnetParams.genesis.modelHash));
    assert.equal(m.modelversion, MODEL_VERSION);
    assert.equal(m.parameters, parameterCount());
    assert.equal(m.updates, 0);
    assert.equal(m.score.samples, devnetParams.evalSamples);
    assert.deepEqual(
      m.domains.map((d) => [d.domain, d.level]),
      [
        ['lm', null],
        ['math', 0],
      ],
    );
    assert.equal(
      m.domains.reduce((s, d) => s + d.sample.total, 0),
      m.score.samples,
    );
    assert.equal(
      m.domains.reduce((s, d) => s + d.sample.correct, 0),
      m.score.correct,
    );
    for (const d of m.domains) {
      assert.ok(d.heldout.total > 0 && d.heldout.correct <= d.heldout.total);
      assert.ok(Math.abs(d.heldout.accuracy - d.heldout.correct / d.heldout.total) < 1e-6);
    }
  });

  it('predict and generate: the chain model answers, deterministically per seed; bad input is rejected', async () => {
    const lm = (await rpc.call('predict', ['lm', 'The quick brown f', 3])) as {
      next: Array<{ char: string; probability: number }>;
    };
    assert.equal(lm.next.length, 3);
    for (const n of lm.next) assert.ok(n.char.length === 1 && n.probability > 0 && n.probability <= 1);
    const math = (await rpc.call('predict', ['math', '123+456'])) as {
      value: number;
      bin: number;
      predictedBin: number;
      correct: boolean;
      level: number;
    };
    assert.deepEqual([math.value, math.bin, math.level], [579, 2, 0]);
    assert.equal(math.correct, math.predictedBin === math.bin);
    const gen = (seed: number, temperature: number) =>
      rpc.call('generate', { prompt: 'It was the ', length: 40, seed, temperature }) as Promise<{
        text: string;
      }>;
    const a = await gen(1, 0.8);
    assert.equal(a.text.length, 40);
    assert.equal((await gen(1, 0.8)).text, a.text, 'same seed, same text');
    assert.notEqual((await gen(2, 0.8)).text, a.text, 'another seed, other text');
    assert.equal((await gen(1, 0)).text, (await gen(2, 0)).text, 'greedy ignores the seed');
    assert.equal(await rpcCode(rpc.call('predict', ['digits', 'x'])), -8);
    assert.equal(await rpcCode(rpc.call('predict', ['math', '12/3'])), -8);
    assert.equal(await rpcCode(rpc.call('predict', ['math', '1234567+1'])), -8);
    assert.equal(await rpcCode(rpc.call('generate', ['x', 0])), -8);
    assert.equal(await rpcCode(rpc.call('generate', ['x', 10, 0, -1])), -8);
  });

  it('sendrawtransaction → mempool → gettxout / getrawmempool / getmempoolinfo / getrawtransaction → mined', async () => {
    const blk = (await rpc.call('getblock', [hashes[0], 2])) as {
      tx: Array<{ txid: string; vout: Array<{ value: number }> }>;
    };
    const cb = blk.tx[0]!;
    const value = BigInt(Math.round(cb.vout.at(-1)!.value * 1e8));
    const cbOut = { value, pubKeyHash: miner.pkh };
    const tx = signTx(
      {
        version: TX_VERSION,
        inputs: [{ prevout: { txid: Buffer.from(cb.txid, 'hex'), index: 1 } }],
        outputs: [{ value: value - 10_000n, pubKeyHash: dest.pkh }],
        lockTime: 0,
      },
      [cbOut],
      [miner],
      devnetParams,
    );
    const hex = toHex(encodeTx(tx));
    const decoded = (await rpc.call('decoderawtransaction', [hex])) as { txid: string; vin: unknown[] };
    const txid = (await rpc.call('sendrawtransaction', [hex])) as string;
    assert.equal(txid, decoded.txid);
    assert.deepEqual(await rpc.call('getrawmempool'), [txid]);
    assert.equal(((await rpc.call('getmempoolinfo')) as { size: number }).size, 1);
    assert.ok(((await rpc.call('getrawmempool', [true])) as Record<string, unknown>)[txid]);
    assert.equal(await rpc.call('getrawtransaction', [txid]), hex);
    assert.equal(((await rpc.call('getrawtransaction', [txid, true])) as { txid: string }).txid, txid);
    // spent in the mempool → gettxout null with include_mempool, present without
    assert.equal(await rpc.call('gettxout', [cb.txid, 1]), null);
    assert.ok(await rpc.call('gettxout', [cb.txid, 1, false]));
    const out = (await rpc.call('gettxout', [txid, 0])) as {
      confirmations: number;
      scriptPubKey: { address: string };
    };
    assert.equal(out.confirmations, 0);
    assert.equal(out.scriptPubKey.address, encodeAddress(dest.pkh, devnetParams));
    // conflict: same coin to another address
    const conflict = signTx(
      {
        version: TX_VERSION,
        inputs: [{ prevout: { txid: Buffer.from(cb.txid, 'hex'), index: 1 } }],
        outputs: [{ value: value - 20_000n, pubKeyHash: miner.pkh }],
        lockTime: 0,
      },
      [cbOut],
      [miner],
      devnetParams,
    );
    assert.equal(await rpcCode(rpc.call('sendrawtransaction', [toHex(encodeTx(conflict))])), -26);
    assert.equal(await rpcCode(rpc.call('sendrawtransaction', ['00'])), -22);
    assert.equal(await rpcCode(rpc.call('decoderawtransaction', ['0102'])), -22);
    // mine it
    const [h] = (await rpc.call('generatetoaddress', [1, minerAddr])) as string[];
    const b = (await rpc.call('getblock', [h, 1])) as { tx: string[] };
    assert.deepEqual(b.tx.slice(1), [txid]);
    assert.deepEqual(await rpc.call('getrawmempool'), []);
    assert.equal(
      ((await rpc.call('getrawtransaction', [txid, true, h])) as { confirmations: number }).confirmations,
      1,
    );
    assert.equal(await rpcCode(rpc.call('getrawtransaction', [txid])), -5);
    assert.equal(((await rpc.call('gettxout', [txid, 0])) as { confirmations: number }).confirmations, 1);
    assert.equal(await rpcCode(rpc.call('sendrawtransaction', [hex])), -27);
  });

  it('getblocktemplate and submitblock', async () => {
    const tpl = (await rpc.call('getblocktemplate', [{ address: minerAddr }])) as {
      height: number;
      previousblockhash: string;
      bits: string;
    };
    assert.equal(tpl.height, 107);
    assert.equal(tpl.previousblockhash, await rpc.call('getbestblockhash'));
    assert.equal(await rpcCode(rpc.call('getblocktemplate', [{ address: 'nope' }])), -5);
    // submit an existing block → duplicate; garbage → -22; a broken block → its reason
    const best = (await rpc.call('getbestblockhash')) as string;
    const raw = (await rpc.call('getblock', [best, 0])) as string;
    assert.equal(await rpc.call('submitblock', [raw]), 'duplicate');
    assert.equal(await rpcCode(rpc.call('submitblock', ['beef'])), -22);
    const blk = await t.node.chain.getBlock(Buffer.from(best, 'hex'));
    const bad = {
      ...blk!,
      header: { ...blk!.header, prevHash: Buffer.from(hashes[50]!, 'hex'), merkleRoot: new Uint8Array(32) },
    };
    const r = await rpc.call('submitblock', [toHex(encodeBlock(bad))]);
    assert.ok(r === 'bad-txnmrklroot' || r === 'high-hash', `got ${r}`);
  });

  it('generatetoaddress validates its params', async () => {
    assert.equal(await rpcCode(rpc.call('generatetoaddress', [1, 'qxc1bad'])), -5);
    assert.equal(await rpcCode(rpc.call('generatetoaddress', [0, minerAddr])), -8);
    assert.equal(await rpcCode(rpc.call('generatetoaddress', [])), -8);
  });

  it('unknown method → -32601; unauthenticated → 401', async () => {
    assert.equal(await rpcCode(rpc.call('nosuchmethod')), -32601);
    const res = await fetch(t.node.rpc.url, { method: 'POST', body: '{"method":"getblockcount"}' });
    assert.equal(res.status, 401);
  });
});
