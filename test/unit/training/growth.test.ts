/**
 * Capacity growth of the network model: a grown head computes exactly the same function (so
 * consensus can widen it without scoring it), round-trips through the canonical codecs, and trains.
 */
import { strict as assert } from 'node:assert';
import { equalBytes, evaluationSeed } from '../../../consensus/index.js';
import { ARCH, archAt, MAX_GROWTH, NO_GROWTH, parameterCount } from '../../../training/arch.js';
import {
  applyModelDelta,
  decodeDelta,
  diffModels,
  encodeDelta,
  MAX_DELTA_BYTES,
} from '../../../training/delta.js';
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

  it('widens one head at a time and keeps every prediction (JS and WASM kernels), up to each head’s maximum', () => {
    let m: NetworkModel = base;
    const seed = evaluationSeed(testSeed(3, 9));
    const batch = evalBatch(seed, 4096, [0]);
    const steps = ARCH.flatMap((h, hi) => Array.from({ length: h.maxGrowth }, () => hi));
    for (const head of steps) {
      const before = modelGrowth(m);
      const grown = growNetworkModel(m, head);
      const after = before.map((g, i) => (i === head ? g + 1 : g));
      assert.deepEqual(modelGrowth(grown), after);
      assert.deepEqual(
        grown.heads.map((h) => h.layers.map((l) => [l.inputs, l.outputs])),
        archAt(after).map((h) => h.layers.map((l) => [l.inputs, l.outputs])),
      );
      assert.ok(!equalBytes(networkModelHash(grown), networkModelHash(m)));
      for (const k of [jsKernel, wasmKernel()]) {
        grown.heads.forEach((h, i) => {
          const a = new Uint8Array(batch.domains[i]!.n);
          const b = new Uint8Array(batch.domains[i]!.n);
          k.scoreHead(m.heads[i]!, batch.domains[i]!, a);
          k.scoreHead(h, batch.domains[i]!, b);
          assert.deepEqual(b, a, `${k.name} predictions of head ${i} after growing head ${head}`);
        });
      }
      // deterministic: the same parent grows into the same model
      assert.ok(equalBytes(networkModelHash(growNetworkModel(m, head)), networkModelHash(grown)));
      assert.ok(
        equalBytes(networkModelHash(decodeNetworkModel(encodeNetworkModel(grown))), networkModelHash(grown)),
      );
      m = grown;
    }
    assert.deepEqual(modelGrowth(m), MAX_GROWTH);
    const ev = createNetworkEvaluator();
    for (let h = 0; h < ARCH.length; h++) {
      assert.throws(() => growNetworkModel(m, h), /cannot grow/);
      assert.equal(ev.grow(m, h), null);
    }
    assert.equal(ev.grow(base, ARCH.length), null, 'no such domain');
    // at the largest size a dense delta still fits the consensus bound
    assert.ok(MAX_DELTA_BYTES < 800_000, `MAX_DELTA_BYTES ${MAX_DELTA_BYTES}`);
    assert.ok(parameterCount(archAt(MAX_GROWTH)) > parameterCount(archAt(NO_GROWTH)));
  });

  it('grown models and their deltas round-trip; a delta applies only at its own growth', () => {
    const grown = growNetworkModel(base, 0);
    const t = new LocalTrainer({ shard: { index: 0, count: 4 }, seed: 'growth' });
    t.setBase(grown, [0]);
    t.train(20_000);
    const d = t.delta();
    assert.deepEqual(d.growth, [1, 0]);
    const bytes = encodeDelta(d);
    assert.deepEqual(decodeDelta(bytes), d);
    const trained = applyModelDelta(grown, decodeDelta(bytes));
    assert.ok(equalBytes(networkModelHash(trained), networkModelHash(t.currentModel())));
    assert.throws(() => applyModelDelta(base, d), /growth/);
    assert.throws(() => diffModels(base, grown), /growth/);
    // the new units learn: their outgoing weights are no longer all zero
    const out = trained.heads[0]!.layers[1]!;
    const oldUnits = ARCH[0]!.layers[0]!.outputs;
    assert.ok(out.w.subarray(oldUnits * out.outputs).some((v) => v !== 0));
  });
});
