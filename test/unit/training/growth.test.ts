/**
 * Capacity growth of the network model: the grown model computes exactly the same function (so
 * consensus can widen it without scoring it), round-trips through the canonical codecs, and trains.
 */
import { strict as assert } from 'node:assert';
import { equalBytes, evaluationSeed } from '../../../consensus/index.js';
import { archAt, MAX_GROWTH, parameterCount } from '../../../training/arch.js';
import { applyModelDelta, decodeDelta, diffModels, encodeDelta } from '../../../training/delta.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { jsKernel } from '../../../training/kernel/index.js';
import { LocalTrainer } from '../../../training/local.js';
import {
  decodeNetworkModel,
  encodeNetworkModel,
  growNetworkModel,
  modelGrowth,
  type NetworkModel,
  networkModelHash,
} from '../../../training/model.js';
import { evalBatch } from '../../../training/sampling.js';
import { partlyTrainedModel, testSeed, wasmKernel } from './helpers.js';

describe('capacity growth of the network model', function () {
  this.timeout(60_000);
  const base = partlyTrainedModel();

  it('widens every hidden layer and keeps every prediction (JS and WASM kernels), up to MAX_GROWTH', () => {
    let m: NetworkModel = base;
    const seed = evaluationSeed(testSeed(3, 9));
    const batch = evalBatch(seed, 4096, [0]);
    for (let g = 1; g <= MAX_GROWTH; g++) {
      const grown = growNetworkModel(m);
      assert.equal(modelGrowth(grown), g);
      assert.deepEqual(
        grown.heads.map((h) => h.layers.map((l) => [l.inputs, l.outputs])),
        archAt(g).map((h) => h.layers.map((l) => [l.inputs, l.outputs])),
      );
      assert.ok(!equalBytes(networkModelHash(grown), networkModelHash(m)));
      for (const k of [jsKernel, wasmKernel()]) {
        grown.heads.forEach((h, i) => {
          const a = new Uint8Array(batch.domains[i]!.n);
          const b = new Uint8Array(batch.domains[i]!.n);
          k.scoreHead(m.heads[i]!, batch.domains[i]!, a);
          k.scoreHead(h, batch.domains[i]!, b);
          assert.deepEqual(b, a, `${k.name} predictions of head ${i} at growth ${g}`);
        });
      }
      // deterministic: the same parent grows into the same model
      assert.ok(equalBytes(networkModelHash(growNetworkModel(m)), networkModelHash(grown)));
      m = grown;
    }
    assert.throws(() => growNetworkModel(m), /maximum growth/);
    assert.equal(createNetworkEvaluator().grow(m), null);
    assert.ok(parameterCount(archAt(MAX_GROWTH)) > parameterCount(archAt(0)));
  });

  it('grown models and their deltas round-trip; a delta applies only at its own growth', () => {
    const grown = growNetworkModel(base);
    const back = decodeNetworkModel(encodeNetworkModel(grown));
    assert.ok(equalBytes(networkModelHash(back), networkModelHash(grown)));
    const t = new LocalTrainer({ shard: { index: 0, count: 4 }, seed: 'growth' });
    t.setBase(grown, [0]);
    t.train(20_000);
    const d = t.delta();
    assert.equal(d.growth, 1);
    const bytes = encodeDelta(d);
    assert.deepEqual(decodeDelta(bytes), d);
    const trained = applyModelDelta(grown, decodeDelta(bytes));
    assert.ok(equalBytes(networkModelHash(trained), networkModelHash(t.currentModel())));
    assert.throws(() => applyModelDelta(base, d), /growth/);
    assert.throws(() => diffModels(base, grown), /growth/);
    // the new units learn: their outgoing weights are no longer all zero
    const lm = trained.heads[0]!.layers[1]!;
    const oldUnits = archAt(0)[0]!.layers[0]!.outputs;
    const newRows = lm.w.subarray(oldUnits * lm.outputs);
    assert.ok(newRows.some((v) => v !== 0));
  });
});
