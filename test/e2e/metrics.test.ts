/**
 * The Prometheus endpoint of a running node: the scrape passes a strict exposition-format parse,
 * agrees with the node's registry, names follow the conventions, and the chain and mempool series
 * move as blocks are mined and a transaction is pooled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { devnetParams, encodeTx, type Transaction, TX_VERSION, txid } from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair, signTx } from '../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../utils/node.js';
import { ExpositionError, type MetricFamily, parseExposition, sampleValue } from '../utils/promText.js';

const minerKey = keyPair('metrics-miner');
const miner = encodeAddress(minerKey.pkh, devnetParams);

async function scrape(t: TestNode): Promise<{ families: Map<string, MetricFamily>; contentType: string }> {
  const res = await fetch(t.node.metricsServer!.url);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { families: parseExposition(text), contentType: res.headers.get('content-type') ?? '' };
}

function value(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const v = sampleValue(families, name, labels);
  assert.notEqual(v, undefined, `${name} ${JSON.stringify(labels)} missing`);
  return v!;
}

describe('e2e: Prometheus metrics', function () {
  this.timeout(60_000);
  let t: TestNode;

  before(async () => {
    t = await startTestNode({ metrics: true, metricsPort: 0 });
  });
  after(async () => {
    await t?.close();
  });

  it('serves GET /metrics on loopback only, in the text format, and nothing else', async () => {
    const url = new URL(t.node.metricsServer!.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.pathname, '/metrics');
    const { contentType } = await scrape(t);
    assert.match(contentType, /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    assert.equal((await fetch(new URL('/', url))).status, 404);
    assert.equal((await fetch(url, { method: 'POST' })).status, 405);
  });

  it('passes the strict parse, matches the registry, and follows the naming conventions', async () => {
    const { families } = await scrape(t);
    for (const f of families.values()) {
      assert.ok(f.help && f.help.length > 0, `${f.name} has a HELP text`);
      assert.notEqual(f.type, 'untyped', `${f.name} has a TYPE`);
      // promtool's lint rules (the process metrics included)
      if (f.type === 'counter') assert.match(f.name, /_total$/, `${f.name}: counters end in _total`);
      else assert.doesNotMatch(f.name, /_total$/, `${f.name}: only counters end in _total`);
      assert.doesNotMatch(f.name, /_(ms|milliseconds|kb|mb|percent)$/, `${f.name}: base units`);
    }
    const ours = [...families.values()].filter((f) => f.name.startsWith('qenex_'));
    const names = new Set(ours.map((f) => f.name));
    for (const name of [
      'qenex_chain_height',
      'qenex_chain_weight',
      'qenex_chain_blocks_connected_total',
      'qenex_chain_blocks_disconnected_total',
      'qenex_chain_reorgs_total',
      'qenex_chain_verified_improvements_total',
      'qenex_block_validation_seconds',
      'qenex_block_connect_seconds',
      'qenex_mempool_transactions',
      'qenex_mempool_bytes',
      'qenex_p2p_peers',
      'qenex_p2p_active_bans',
      'qenex_p2p_bans_total',
      'qenex_p2p_misbehaviour_total',
      'qenex_gossip_messages_received_total',
      'qenex_gossip_messages_sent_total',
      'qenex_gossip_received_bytes_total',
      'qenex_gossip_sent_bytes_total',
      'qenex_miner_hashes_per_second',
      'qenex_miner_blocks_found_total',
      'qenex_training_samples_per_second',
      'qenex_training_deltas_sent_total',
      'qenex_training_deltas_received_total',
      'qenex_training_deltas_rejected_total',
      'qenex_training_pooled_deltas',
      'qenex_model_heldout_accuracy_ratio',
      'qenex_kernel_info',
    ]) {
      assert.ok(names.has(name), `${name} exposed`);
    }
    // process metrics (collectDefaultMetrics), under their standard names
    assert.ok(families.get('process_cpu_seconds_total')?.type === 'counter');
    assert.ok(families.has('nodejs_heap_size_used_bytes'));
    assert.equal(families.get('qenex_block_connect_seconds')!.type, 'histogram');
    for (const domain of ['lm', 'math']) {
      const acc = value(families, 'qenex_model_heldout_accuracy_ratio', { domain });
      assert.ok(acc >= 0 && acc <= 1, `${domain} accuracy is a ratio`);
    }
    const reply = await t.node.rpc.dispatch(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getmodelinfo' }),
    );
    const kernel = (JSON.parse(reply.body!) as { result: { kernel: string } }).result.kernel;
    assert.equal(value(families, 'qenex_kernel_info', { role: 'evaluation', kernel }), 1);

    // Round trip: every series the registry holds reads back with the same value.
    const json = await t.node.metrics!.registry.getMetricsAsJSON();
    for (const metric of json.filter((m) => m.name.startsWith('qenex_'))) {
      for (const v of metric.values) {
        const name = (v as { metricName?: string }).metricName ?? metric.name;
        const labels = Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)]));
        // heights and counts do not move between the two reads of a quiet node
        assert.equal(sampleValue(families, name, labels), v.value, `${name} ${JSON.stringify(labels)}`);
      }
    }
  });

  it('moves height, blocks connected, connect times and the mempool as blocks are mined', async () => {
    const before = (await scrape(t)).families;
    const height0 = value(before, 'qenex_chain_height');
    const connected0 = value(before, 'qenex_chain_blocks_connected_total');
    const weight0 = value(before, 'qenex_chain_weight');

    await t.node.generate(3, miner);
    const mined = (await scrape(t)).families;
    assert.equal(value(mined, 'qenex_chain_height'), height0 + 3);
    assert.equal(value(mined, 'qenex_chain_blocks_connected_total'), connected0 + 3);
    assert.ok(value(mined, 'qenex_chain_weight') > weight0);
    assert.equal(value(mined, 'qenex_block_connect_seconds_count'), connected0 + 3);
    assert.equal(value(mined, 'qenex_block_validation_seconds_count'), connected0 + 3);
    assert.ok(value(mined, 'qenex_block_connect_seconds_sum') > 0);
    assert.ok(
      value(mined, 'qenex_block_connect_seconds_sum') >= value(mined, 'qenex_block_validation_seconds_sum'),
      'validation is part of the connect',
    );

    // A spend of the first coinbase enters the mempool once it has matured.
    const maturity = devnetParams.coinbaseMaturity;
    await t.node.generate(maturity, miner);
    const tx = await spendFirstCoinbase(t);
    await t.node.mempool.accept(tx);
    const pooled = (await scrape(t)).families;
    assert.equal(value(pooled, 'qenex_mempool_transactions'), 1);
    assert.ok(value(pooled, 'qenex_mempool_bytes') >= encodeTx(tx).length);
    assert.equal(value(pooled, 'qenex_mempool_bytes'), t.node.mempool.bytes);

    await t.node.generate(1, miner);
    const cleared = (await scrape(t)).families;
    assert.equal(value(cleared, 'qenex_mempool_transactions'), 0);
    assert.equal(value(cleared, 'qenex_mempool_bytes'), 0);
    assert.equal(value(cleared, 'qenex_chain_height'), height0 + 3 + maturity + 1);
  });

  it('the parser refuses what a scraper would', () => {
    const bad = [
      'x 1', // no final newline
      'x{a="1"} 1\nx{a="1"} 2\n', // duplicate series
      '# TYPE x counter\n# TYPE x counter\nx 1\n', // second TYPE
      'x 1\n# TYPE x counter\n', // TYPE after samples
      'x{a="\\q"} 1\n', // bad escape
      'x{__a="1"} 1\n', // reserved label name
      'x one\n', // bad value
      'x 1\ny 1\nx 2\n', // family split
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
      '# TYPE c counter\nc -1\n', // negative counter
    ];
    for (const text of bad) assert.throws(() => parseExposition(text), ExpositionError, JSON.stringify(text));
    const good = parseExposition(
      '# HELP h a \\\\ histogram\n# TYPE h histogram\nh_bucket{le="0.5",k="v\\"w"} 0\nh_bucket{le="+Inf",k="v\\"w"} 2\nh_sum{k="v\\"w"} 3.5\nh_count{k="v\\"w"} 2\n',
    );
    assert.equal(good.get('h')!.help, 'a \\ histogram');
    assert.equal(sampleValue(good, 'h_count', { k: 'v"w' }), 2);
  });
});

/** A signed spend of the miner's output of block 1's coinbase back to the miner, fee 10,000 units. */
async function spendFirstCoinbase(t: TestNode): Promise<Transaction> {
  const block = await t.node.chain.getBlock(t.node.chain.getEntryByHeight(1)!.hash);
  const coinbase = block!.txs[0]!;
  const index = coinbase.outputs.findIndex((o) => o.pubKeyHash.every((b, i) => b === minerKey.pkh[i]));
  const out = coinbase.outputs[index]!;
  return signTx(
    {
      version: TX_VERSION,
      inputs: [{ prevout: { txid: txid(coinbase), index } }],
      outputs: [{ value: out.value - 10_000n, pubKeyHash: minerKey.pkh }],
      lockTime: 0,
    },
    [out],
    [minerKey],
    devnetParams,
  );
}
