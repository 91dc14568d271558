/** NodeMetrics over stub components: what each event and each component's data turn into. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'mocha';
import type { MetricsSources } from '../../../../node/metrics/index.js';
import { NodeMetrics } from '../../../../node/metrics/index.js';
import { parseExposition, sampleValue } from '../../../utils/promText.js';

function stubs() {
  const chain = new EventEmitter();
  const p2p = Object.assign(new EventEmitter(), {
    started: true,
    peers: () => [{ direction: 'inbound' }, { direction: 'outbound' }, { direction: 'outbound' }],
    networkInfo: () => ({ banned: 2 }),
  });
  let training: { samplesPerSecond: number; deltasSent: number } | null = null;
  const sources = {
    chain: Object.assign(chain, { tip: { height: 7, weight: 1234n } }),
    mempool: { size: 3, bytes: 900 },
    p2p,
    miner: () => ({ hashrate: 5000, blocksFound: 4 }),
    deltas: () => ({ received: 6, rejected: 1, size: 2 }),
    training: () => training,
    scores: {
      ofTip: () => [
        { domain: 'lm', correct: 25, total: 100 },
        { domain: 'math', correct: 3, total: 4 },
      ],
    },
    evaluationKernel: () => 'wasm',
    trainingKernel: () => (training ? 'js' : null),
  } as unknown as MetricsSources;
  return {
    chain,
    p2p,
    sources,
    setTraining: (t: typeof training) => {
      training = t;
    },
  };
}

async function read(m: NodeMetrics) {
  const families = parseExposition(await m.text());
  return (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
}

describe('node/metrics NodeMetrics', () => {
  it('reads the components’ state at scrape time', async () => {
    const { sources, setTraining } = stubs();
    const m = new NodeMetrics(sources);
    let v = await read(m);
    assert.equal(v('qenex_chain_height'), 7);
    assert.equal(v('qenex_chain_weight'), 1234);
    assert.equal(v('qenex_mempool_transactions'), 3);
    assert.equal(v('qenex_mempool_bytes'), 900);
    assert.equal(v('qenex_p2p_peers', { direction: 'inbound' }), 1);
    assert.equal(v('qenex_p2p_peers', { direction: 'outbound' }), 2);
    assert.equal(v('qenex_p2p_active_bans'), 2);
    assert.equal(v('qenex_miner_hashes_per_second'), 5000);
    assert.equal(v('qenex_miner_blocks_found_total'), 4);
    assert.equal(v('qenex_training_deltas_received_total'), 6);
    assert.equal(v('qenex_training_deltas_rejected_total'), 1);
    assert.equal(v('qenex_training_pooled_deltas'), 2);
    assert.equal(v('qenex_training_samples_per_second'), 0, 'training off');
    assert.equal(v('qenex_model_heldout_accuracy_ratio', { domain: 'lm' }), 0.25);
    assert.equal(v('qenex_model_heldout_accuracy_ratio', { domain: 'math' }), 0.75);
    assert.equal(v('qenex_kernel_info', { role: 'evaluation', kernel: 'wasm' }), 1);
    assert.equal(v('qenex_kernel_info', { role: 'training', kernel: 'js' }), undefined);

    setTraining({ samplesPerSecond: 1500, deltasSent: 9 });
    v = await read(m);
    assert.equal(v('qenex_training_samples_per_second'), 1500);
    assert.equal(v('qenex_training_deltas_sent_total'), 9);
    assert.equal(v('qenex_kernel_info', { role: 'training', kernel: 'js' }), 1);
  });

  it('counts chain and p2p events while started, and stops counting after stop()', async () => {
    const { chain, p2p, sources } = stubs();
    const m = new NodeMetrics(sources);
    m.start();
    const block = (ppm: number) => ({
      entry: { improvementPpm: ppm },
      timing: { validateMs: 2, connectMs: 30 },
    });
    chain.emit('block', block(0));
    chain.emit('block', block(1500));
    chain.emit('disconnect', {});
    chain.emit('reorg', {});
    p2p.emit('gossip', { direction: 'in', topic: 'blocks', bytes: 100, result: 'accept' });
    p2p.emit('gossip', { direction: 'in', topic: 'txs', bytes: 50, result: 'reject' });
    p2p.emit('gossip', { direction: 'out', topic: 'deltas', bytes: 4000, recipients: 3 });
    p2p.emit('peer:misbehave', { code: 'invalid-block' });
    p2p.emit('peer:banned', {});
    let v = await read(m);
    assert.equal(v('qenex_chain_blocks_connected_total'), 2);
    assert.equal(v('qenex_chain_verified_improvements_total'), 1);
    assert.equal(v('qenex_chain_blocks_disconnected_total'), 1);
    assert.equal(v('qenex_chain_reorgs_total'), 1);
    assert.equal(v('qenex_block_connect_seconds_count'), 2);
    assert.equal(v('qenex_block_connect_seconds_sum'), 0.06);
    assert.equal(v('qenex_block_connect_seconds_bucket', { le: '0.025' }), 0);
    assert.equal(v('qenex_block_connect_seconds_bucket', { le: '0.05' }), 2);
    assert.equal(v('qenex_block_validation_seconds_bucket', { le: '0.0025' }), 2);
    assert.equal(v('qenex_gossip_messages_received_total', { topic: 'blocks', result: 'accept' }), 1);
    assert.equal(v('qenex_gossip_messages_received_total', { topic: 'txs', result: 'reject' }), 1);
    assert.equal(v('qenex_gossip_messages_received_total', { topic: 'deltas', result: 'ignore' }), 0);
    assert.equal(v('qenex_gossip_received_bytes_total', { topic: 'blocks' }), 100);
    assert.equal(v('qenex_gossip_messages_sent_total', { topic: 'deltas' }), 1);
    assert.equal(v('qenex_gossip_sent_bytes_total', { topic: 'deltas' }), 4000);
    assert.equal(v('qenex_p2p_misbehaviour_total', { code: 'invalid-block' }), 1);
    assert.equal(v('qenex_p2p_bans_total'), 1);

    m.stop();
    chain.emit('block', block(0));
    p2p.emit('peer:banned', {});
    v = await read(m);
    assert.equal(v('qenex_chain_blocks_connected_total'), 2);
    assert.equal(v('qenex_p2p_bans_total'), 1);
    assert.equal(chain.listenerCount('block') + p2p.listenerCount('gossip'), 0);
  });

  it('keeps one registry per node: two nodes in one process count apart', async () => {
    const sa = stubs();
    const sb = stubs();
    const a = new NodeMetrics(sa.sources);
    const b = new NodeMetrics(sb.sources);
    a.start();
    b.start();
    sa.chain.emit('block', { entry: { improvementPpm: 0 }, timing: { validateMs: 1, connectMs: 1 } });
    assert.equal((await read(a))('qenex_chain_blocks_connected_total'), 1);
    assert.equal((await read(b))('qenex_chain_blocks_connected_total'), 0);
    a.stop();
    b.stop();
  });
});
