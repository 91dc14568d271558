import { strict as assert } from 'node:assert';
import {
  devnetParams,
  evaluationSeed,
  type ModelUpdate,
  measureImprovement,
  VerdictError,
  verifyImprovement,
  ZERO_HASH,
} from '../../../consensus/index.js';
import { diffModels, encodeDelta } from '../../../training/delta.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { jsKernel } from '../../../training/kernel/index.js';
import { LocalTrainer } from '../../../training/local.js';
import { initialNetworkModel, type NetworkModel, networkModelHash } from '../../../training/model.js';
import { domainCount, evalBatch, materializeBatch } from '../../../training/sampling.js';
import { Trainer } from '../../../training/trainer.js';
import { partlyTrainedModel, testSeed, wasmKernel } from './helpers.js';

/** Score of the genesis model on the evaluation seed of an all-zero block hash, 4,096 samples. */
const GENESIS_SCORE = 738;
const GENESIS_BY_DOMAIN = [122, 517, 99];

describe('training/evaluator', () => {
  const js = createNetworkEvaluator({ kernel: jsKernel });
  let wasm: ReturnType<typeof createNetworkEvaluator>;
  before(() => {
    wasm = createNetworkEvaluator({ kernel: wasmKernel() });
  });

  it('pins the genesis model score (both kernels)', () => {
    const seed = evaluationSeed(ZERO_HASH);
    const m = initialNetworkModel();
    assert.equal(js.score(m, seed, 4096), GENESIS_SCORE);
    assert.equal(wasm.score(m, seed, 4096), GENESIS_SCORE);
    assert.deepEqual(
      js.scoreByDomain(m, seed, 4096).map((d) => d.correct),
      GENESIS_BY_DOMAIN,
    );
    assert.equal(wasm.kernelName(), 'wasm');
  });

  it('JS and WASM kernels agree on every prediction, for several models and seeds', () => {
    const models: NetworkModel[] = [initialNetworkModel(), partlyTrainedModel()];
    for (const m of models) {
      for (let s = 0; s < 4; s++) {
        const batch = evalBatch(testSeed(s), 3000);
        m.heads.forEach((h, d) => {
          const set = batch.domains[d]!;
          const pj = new Uint8Array(set.n);
          const pw = new Uint8Array(set.n);
          assert.equal(jsKernel.scoreHead(h, set, pj), wasmKernel().scoreHead(h, set, pw));
          assert.deepEqual(pj, pw);
        });
      }
    }
  });

  it('repeated runs and fresh materialisations give identical counts', () => {
    const m = partlyTrainedModel();
    const seed = testSeed(9);
    const first = js.scoreByDomain(m, seed, 2048);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(js.scoreByDomain(m, seed, 2048), first);
      assert.deepEqual(wasm.scoreByDomain(m, seed, 2048), first);
    }
    assert.deepEqual(materializeBatch(seed, 2048), evalBatch(seed, 2048));
  });

  it('a worker thread computes the same counts with either kernel', async () => {
    const t = new Trainer({ shard: { index: 0, count: 1 } });
    await t.start();
    try {
      const m = partlyTrainedModel();
      const seed = testSeed(3);
      const local = js.scoreByDomain(m, seed, 4096).map((d) => d.correct);
      const wj = await t.score(m, seed, 4096, 'js');
      const ww = await t.score(m, seed, 4096, 'wasm');
      assert.deepEqual(wj, { kernel: 'js', byDomain: local });
      assert.deepEqual(ww, { kernel: 'wasm', byDomain: local });
    } finally {
      await t.stop();
    }
  });

  it('mixes the domains in fixed proportions; scoreByDomain sums to score', () => {
    const seed = testSeed(4);
    const by = js.scoreByDomain(partlyTrainedModel(), seed, 4097);
    assert.deepEqual(
      by.map((d) => d.total),
      [1366, 1366, 1365],
    );
    assert.equal(domainCount(4097, 2), 1365);
    assert.equal(
      by.reduce((s, d) => s + d.correct, 0),
      js.score(partlyTrainedModel(), seed, 4097),
    );
  });

  it('different seeds draw different samples', () => {
    const a = evalBatch(testSeed(1), 300).domains[0]!;
    const b = evalBatch(testSeed(2), 300).domains[0]!;
    assert.notDeepEqual(a.labels, b.labels);
  });

  it('a locally trained delta passes consensus verifyImprovement; the reverse delta fails', () => {
    const base = partlyTrainedModel();
    const t = new LocalTrainer({ shard: { index: 2, count: 6 }, seed: 'test/improve' });
    t.setBase(base);
    t.train(3000);
    const next = t.currentModel();
    const baseHash = networkModelHash(base);
    const update: ModelUpdate = {
      baseModelHash: baseHash,
      claimedPpm: 0,
      delta: encodeDelta(diffModels(base, next)),
      contributors: [],
    };
    const blockHash = testSeed(77);
    const r = verifyImprovement(
      wasm,
      base,
      baseHash,
      update,
      networkModelHash(next),
      blockHash,
      devnetParams,
    );
    assert.ok(r.improvementPpm >= devnetParams.minImprovementPpm, `${r.improvementPpm} ppm`);
    assert.equal(
      r.improvementPpm,
      measureImprovement(
        js.score(base, evaluationSeed(blockHash), devnetParams.evalSamples),
        js.score(next, evaluationSeed(blockHash), devnetParams.evalSamples),
        devnetParams.evalSamples,
      ),
    );
    const back: ModelUpdate = {
      baseModelHash: networkModelHash(next),
      claimedPpm: 0,
      delta: encodeDelta(diffModels(next, base)),
      contributors: [],
    };
    assert.throws(
      () => verifyImprovement(wasm, next, networkModelHash(next), back, baseHash, blockHash, devnetParams),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-improvement',
    );
  });
});
