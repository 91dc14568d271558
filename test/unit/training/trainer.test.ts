import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyModelDelta, decodeDelta } from '../../../training/delta.js';
import { TrainingError } from '../../../training/errors.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { networkModelHash } from '../../../training/model.js';
import { DEFAULT_TRAINER_OPTIONS } from '../../../training/options.js';
import { Trainer } from '../../../training/trainer.js';
import { partlyTrainedModel, testSeed, wasmKernel } from './helpers.js';

const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
const code = (c: string) => (e: unknown) => e instanceof TrainingError && e.code === c;

describe('training/trainer (worker thread)', function () {
  this.timeout(30_000);

  it('defaults to at most half a core and validates its options', () => {
    assert.ok(DEFAULT_TRAINER_OPTIONS.cpuShare <= 0.5);
    assert.throws(
      () => new Trainer({ shard: { index: 0, count: 1 }, cpuShare: 0 }),
      code('TRAINING_BAD_OPTIONS'),
    );
    assert.throws(
      () => new Trainer({ shard: { index: 0, count: 1 }, cpuShare: 1.5 }),
      code('TRAINING_BAD_OPTIONS'),
    );
    assert.throws(() => new Trainer({ shard: { index: 3, count: 3 } }), code('TRAINING_BAD_OPTIONS'));
  });

  it('trains in its duty cycle, yields an improving delta, and stops leaving no thread behind', async () => {
    const before = ports();
    const t = new Trainer({ shard: { index: 4, count: 6 }, cpuShare: 0.3, periodMs: 100 });
    await t.start();
    assert.equal(ports(), before + 1);
    try {
      const base = partlyTrainedModel();
      const idle = await t.snapshot();
      assert.equal(idle.baseModelHash, null);
      assert.equal(idle.samples, 0);
      t.setBase(base, [0]);
      await sleep(1500);
      const s = await t.snapshot();
      assert.deepEqual(s.baseModelHash, networkModelHash(base));
      assert.ok(s.samples > 1000, `${s.samples} samples`);
      assert.ok(s.delta !== null);
      const share = s.busyMs / s.elapsedMs;
      assert.ok(share > 0.05 && share <= 0.3 + 0.1, `cpu share ${share}`);
      const next = applyModelDelta(base, decodeDelta(s.delta));
      const ev = createNetworkEvaluator({ kernel: wasmKernel() });
      const seed = testSeed(5, 60);
      assert.ok(ev.score(next, seed, 4096, [0]) > ev.score(base, seed, 4096, [0]));
      // a new base starts a new round
      t.setBase(next, [0]);
      const r = await t.snapshot();
      assert.deepEqual(r.baseModelHash, networkModelHash(next));
      assert.ok(r.samples < s.samples);
    } finally {
      await t.stop();
    }
    assert.equal(t.running, false);
    await sleep(10);
    assert.equal(ports(), before);
    await assert.rejects(t.snapshot(), code('TRAINING_NOT_RUNNING'));
    await t.stop(); // idempotent
  });
});
