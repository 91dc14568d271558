import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetParams, equalBytes, type Hash, toHex } from '../../../../consensus/index.js';
import { createLogger } from '../../../../node/logger.js';
import { RpcClient } from '../../../../node/rpc/index.js';
import { NodeTrainingError } from '../../../../node/training/errors.js';
import {
  loadTrainingKey,
  shardFor,
  TRAINING_KEY_FILE,
  TrainingService,
  type TrainingTip,
} from '../../../../node/training/service.js';
import { DeltaPool } from '../../../../training/federation/pool.js';
import { initialNetworkModel, networkModelHash } from '../../../../training/index.js';
import { encodeAddress } from '../../../../wallet/index.js';
import { keyPair } from '../../../utils/chainBuilder.js';
import { startTestNode } from '../../../utils/node.js';

describe('TrainingService', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-training-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the training key 0600 on first use and reads the same key back', async () => {
    const d = join(dir, 'k');
    await rm(d, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(d);
    const a = await loadTrainingKey(d);
    assert.equal((await stat(join(d, TRAINING_KEY_FILE))).mode & 0o777, 0o600);
    const b = await loadTrainingKey(d);
    assert.ok(equalBytes(a, b));
    await writeFile(join(d, TRAINING_KEY_FILE), '{"secretKey":"zz"}');
    await assert.rejects(loadTrainingKey(d), NodeTrainingError);
  });

  it('derives a stable shard from the identity', () => {
    assert.deepEqual(shardFor('peer-a', 8), shardFor('peer-a', 8));
    const seen = new Set(Array.from({ length: 64 }, (_, i) => shardFor(`peer-${i}`, 8).index));
    assert.ok(seen.size > 4);
  });

  it('trains on the tip model and hands a signed delta to the pool and the network', async function () {
    this.timeout(30_000);
    const model = initialNetworkModel();
    const modelHash: Hash = networkModelHash(model);
    const events = new EventEmitter();
    const chain = {
      tip: { modelHash, levels: { levels: [0] } },
      getTipModel: () => model,
      on: (e: 'tip', fn: (x: TrainingTip) => void) => events.on(e, fn),
      off: (e: 'tip', fn: (x: TrainingTip) => void) => events.off(e, fn),
    };
    const pool = new DeltaPool({}, { params: devnetParams, currentModelHash: () => chain.tip.modelHash });
    const announced: Uint8Array[] = [];
    const svc = new TrainingService(
      { datadir: dir, cpuShare: 1, identity: 'test-node', intervalMs: 60_000 },
      {
        chain,
        pool,
        announce: async (b) => {
          announced.push(b);
          return 0;
        },
        logger: createLogger({ level: 'silent' }),
      },
    );
    await svc.start();
    try {
      let produced = false;
      for (let i = 0; i < 40 && !produced; i++) {
        await new Promise((r) => setTimeout(r, 250));
        produced = await svc.produce();
      }
      assert.ok(produced, 'a delta was produced');
      assert.equal(announced.length, 1);
      const held = pool.deltasFor(modelHash);
      assert.equal(held.length, 1);
      assert.equal(svc.stats().deltasSent, 1);
      assert.ok(held[0]!.message.samples > 0);
    } finally {
      await svc.stop();
    }
  });

  it('a node started with --train runs the service and pools its own signed deltas', async function () {
    this.timeout(30_000);
    const t = await startTestNode({ train: true });
    try {
      const svc = t.node.training;
      assert.ok(svc?.running);
      assert.equal((await stat(join(t.datadir, TRAINING_KEY_FILE))).mode & 0o777, 0o600);
      let produced = false;
      for (let i = 0; i < 40 && !produced; i++) {
        await new Promise((r) => setTimeout(r, 250));
        produced = await svc.produce();
      }
      assert.ok(produced);
      assert.equal(t.node.deltaPool.deltasFor(t.node.chain.tip.modelHash).length, 1);
    } finally {
      await t.close();
    }
    assert.equal(t.node.training?.running, false);
  });

  it('configured shard, payout address, aggregation and delta interval reach the node and its RPCs', async function () {
    this.timeout(60_000);
    const payout = keyPair('configured payout').pkh;
    const payoutAddress = encodeAddress(payout, devnetParams);
    const t = await startTestNode({
      train: true,
      shardCount: 4,
      shardIndex: 3,
      payoutAddress,
      aggregation: 'mean',
      deltaInterval: 60_000,
    });
    try {
      const svc = t.node.training!;
      assert.deepEqual(svc.shard, { index: 3, count: 4 });
      assert.equal(t.node.proposer.rule, 'mean');
      let produced = false;
      for (let i = 0; i < 40 && !produced; i++) {
        await new Promise((r) => setTimeout(r, 250));
        produced = await svc.produce();
      }
      assert.ok(produced);
      const held = t.node.deltaPool.deltasFor(t.node.chain.tip.modelHash);
      assert.equal(held.length, 1);
      assert.deepEqual(held[0]!.message.contributor, payout, 'the delta credits the payout address');

      const rpc = new RpcClient({ url: t.node.rpc.url, cookieFile: t.node.rpc.cookieFile! });
      const info = (await rpc.call('gettraininginfo')) as Record<string, unknown>;
      assert.equal(info.shard, '3/4');
      assert.equal(info.payoutaddress, payoutAddress);
      assert.equal(info.aggregation, 'mean');
      assert.equal(info.deltaintervalms, 60_000);

      // generatetoaddress mines the pooled delta into a block (with the claimed bonus and payout)
      const minerAddr = encodeAddress(keyPair('generate miner').pkh, devnetParams);
      const before = toHex(t.node.chain.tip.modelHash);
      await rpc.call('generatetoaddress', [1, minerAddr]);
      assert.notEqual(toHex(t.node.chain.tip.modelHash), before, 'the block carries the update');
      const imps = (await rpc.call('getimprovements', [1])) as Array<{
        height: number;
        improvementppm: number;
        claimedppm: number;
        bonus: number;
        pool: number;
        contributions: Array<{ address: string; samples: number; deltasize: number }>;
        payouts: Array<{ address: string; amount: number }>;
      }>;
      assert.equal(imps.length, 1);
      const imp = imps[0]!;
      assert.equal(imp.height, 1);
      assert.ok(imp.claimedppm >= devnetParams.minImprovementPpm && imp.claimedppm <= imp.improvementppm);
      assert.ok(imp.bonus > 0 && imp.pool > 0 && imp.pool < imp.bonus);
      assert.equal(imp.contributions.length, 1);
      assert.equal(imp.contributions[0]!.address, payoutAddress);
      // the only contribution made every net gain: it is owed the whole pool (less rounding),
      // paid by the next block right after its genesis output
      assert.equal(imp.payouts.length, 1);
      assert.equal(imp.payouts[0]!.address, payoutAddress);
      await rpc.call('generatetoaddress', [1, minerAddr]);
      const next = (await t.node.chain.getBlock(t.node.chain.tip.hash))!;
      const out = next.txs[0]!.outputs[1]!;
      assert.deepEqual(out.pubKeyHash, payout);
      assert.equal(imp.payouts[0]!.amount, Number(out.value) / 1e8);
    } finally {
      await t.close();
    }
  });
});
