import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  devnetParams,
  equalBytes,
  getPublicKey,
  type Hash,
  type ModelUpdate,
  toHex,
} from '../../../../consensus/index.js';
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
import {
  initialNetworkModel,
  type NetworkModel,
  networkEvaluator,
  networkModelHash,
  Trainer,
} from '../../../../training/index.js';
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
      tip: { hash: new Uint8Array(32), prevHash: new Uint8Array(32), modelHash, levels: { levels: [0] } },
      getTipModel: () => model,
      getEntry: () => undefined,
      getBlock: async () => undefined,
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

  it('tells the worker which of its deltas the new tip model took in (error feedback)', async function () {
    this.timeout(30_000);
    const d = join(dir, 'delivered');
    await (await import('node:fs/promises')).mkdir(d, { recursive: true });
    const ours = getPublicKey(await loadTrainingKey(d));
    const other = getPublicKey(keyPair('another trainer').sk);
    // three distinct models without training: m0, m0 with one bias moved, m0 grown
    const m0 = initialNetworkModel();
    const head = m0.heads[0]!;
    const b = head.layers[0]!.b.slice();
    b[0] = b[0]! + 1;
    const m1: NetworkModel = {
      ...m0,
      heads: [
        { ...head, layers: [{ ...head.layers[0]!, b }, ...head.layers.slice(1)] },
        ...m0.heads.slice(1),
      ],
    };
    const grown = networkEvaluator.grow(m0, 0) as NetworkModel;
    const models = [m0, m1, grown];
    const hashOf = (i: number) => new Uint8Array(32).fill(i + 1);
    const contribution = (pubkey: Uint8Array, delta: Uint8Array) => ({
      payout: new Uint8Array(20),
      pubkey,
      samples: 1,
      delta,
      sig: new Uint8Array(64),
    });
    const update = (
      base: NetworkModel,
      contributions: ReturnType<typeof contribution>[],
      grow: number | null = null,
    ): ModelUpdate => ({
      baseModelHash: networkModelHash(base),
      claimedPpm: 1000,
      levels: [0],
      grow,
      rule: 0,
      contributions,
    });
    // block i: [model index, update]
    const blocks: Array<[number, ModelUpdate | null]> = [
      [0, null], // genesis
      [1, update(m0, [contribution(other, Uint8Array.of(1)), contribution(ours, Uint8Array.of(7, 7))])],
      [1, null],
      [0, update(m1, [contribution(other, Uint8Array.of(2))])], // back to m0's hash: someone else's update
      [2, update(m0, [], 0)], // growth
    ];
    const entry = (i: number) => ({
      hash: hashOf(i),
      prevHash: hashOf(i - 1),
      modelHash: networkModelHash(models[blocks[i]![0]]!),
      levels: { levels: [0] },
    });
    let tip = 0;
    const events = new EventEmitter();
    const chain = {
      get tip() {
        return entry(tip);
      },
      getTipModel: () => models[blocks[tip]![0]]!,
      getEntry: (h: Hash) => {
        const i = h[0]! - 1;
        return i >= 0 && i < blocks.length && equalBytes(h, hashOf(i)) ? entry(i) : undefined;
      },
      getBlock: async (h: Hash) => ({ update: blocks[h[0]! - 1]![1] }),
      on: (e: 'tip', fn: (x: TrainingTip) => void) => events.on(e, fn),
      off: (e: 'tip', fn: (x: TrainingTip) => void) => events.off(e, fn),
    };
    const calls: Array<{ model: string; delivered: Uint8Array | null | undefined }> = [];
    const original = Trainer.prototype.setBase;
    Trainer.prototype.setBase = (
      model: NetworkModel,
      _levels: readonly number[],
      delivered?: Uint8Array | null,
    ) => {
      calls.push({ model: toHex(networkModelHash(model)), delivered });
    };
    const pool = new DeltaPool({}, { params: devnetParams, currentModelHash: () => chain.tip.modelHash });
    const svc = new TrainingService(
      { datadir: d, cpuShare: 0.1, identity: 'delivered', intervalMs: 60_000 },
      { chain, pool, announce: async () => 0, logger: createLogger({ level: 'silent' }) },
    );
    try {
      await svc.start();
      const step = async (to: number) => {
        tip = to;
        events.emit('tip', chain.tip);
        await new Promise((r) => setTimeout(r, 20));
      };
      assert.deepEqual(calls.shift(), { model: toHex(networkModelHash(m0)), delivered: undefined });
      await step(2); // two blocks at once: the first made the model, with our contribution in it
      assert.deepEqual(calls.shift(), { model: toHex(networkModelHash(m1)), delivered: Uint8Array.of(7, 7) });
      await step(3); // an update without ours: nothing of ours delivered
      assert.deepEqual(calls.shift(), { model: toHex(networkModelHash(m0)), delivered: null });
      await step(3); // the same tip again: no rebase
      assert.equal(calls.length, 0);
      await step(4); // growth: unknown (the worker drops the remainder of another shape anyway)
      assert.deepEqual(calls.shift(), { model: toHex(networkModelHash(grown)), delivered: undefined });
    } finally {
      Trainer.prototype.setBase = original;
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
