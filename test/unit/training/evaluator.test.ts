import { strict as assert } from 'node:assert';
import {
  devnetParams,
  evaluationSeed,
  isSignificant,
  levelSeed,
  type ModelUpdate,
  measureImprovement,
  VerdictError,
  verifyImprovement,
  ZERO_HASH,
} from '../../../consensus/index.js';
import { ARCH, BIAS_MAX, WEIGHT_MAX } from '../../../training/arch.js';
import { DEFAULT_DELTA_DENSITY } from '../../../training/compress.js';
import { MATH_MAX_LEVEL } from '../../../training/data/math.js';
import { applyModelDelta, diffModels, encodeDelta } from '../../../training/delta.js';
import { createNetworkEvaluator, type NetworkEvaluator } from '../../../training/evaluator.js';
import { jsKernel, type ScoreKernel } from '../../../training/kernel/index.js';
import { LocalTrainer } from '../../../training/local.js';
import {
  cloneModel,
  growNetworkModel,
  initialNetworkModel,
  type NetworkModel,
  networkModelHash,
} from '../../../training/model.js';
import { Xoshiro128 } from '../../../training/prng.js';
import { domainCount, evalBatch, materializeBatch, mathBatch } from '../../../training/sampling.js';
import { Trainer } from '../../../training/trainer.js';
import { partlyTrainedModel, testSeed, wasmKernel } from './helpers.js';

/** Score of the genesis model on the evaluation seed of an all-zero block hash, 4,096 samples, level 0. */
const GENESIS_SCORE = 127;
/** lm (3,072 samples), math (1,024). */
const GENESIS_BY_DOMAIN = [16, 111];
/** Genesis level check on levelSeed(zero hash), 2,048 tasks at math level 0 and at level 3. */
const GENESIS_LEVEL_CHECK = { 0: 225, 3: 243 } as const;

/** `base` trained `samples` more on shard 2 of 6 (a next chain model). */
function trainedFrom(base: NetworkModel, samples: number, seed = 'test/improve'): NetworkModel {
  const t = new LocalTrainer({ shard: { index: 2, count: 6 }, seed });
  t.setBase(base, [0]);
  t.train(samples);
  return t.currentModel();
}

let levelModel: NetworkModel | undefined;
/** A model whose math head learnt level 0 well (40,000 samples past partlyTrainedModel). */
function levelZeroModel(): NetworkModel {
  levelModel ??= trainedFrom(partlyTrainedModel(), 40_000, 'test/levels');
  return levelModel;
}

/** Per-sample disagreements of two models, per head, by hand from the kernel's predictions. */
function disagreements(
  k: ScoreKernel,
  a: NetworkModel,
  b: NetworkModel,
  seed: Uint8Array,
  count: number,
  levels: readonly number[],
): { aOnly: number; bOnly: number }[] {
  const batch = evalBatch(seed, count, levels);
  return batch.domains.map((set, d) => {
    const pa = new Uint8Array(set.n);
    const pb = new Uint8Array(set.n);
    k.scoreHead(a.heads[d]!, set, pa);
    k.scoreHead(b.heads[d]!, set, pb);
    let aOnly = 0;
    let bOnly = 0;
    for (let r = 0; r < set.n; r++) {
      const ra = pa[r] === set.labels[r];
      const rb = pb[r] === set.labels[r];
      if (ra && !rb) aOnly++;
      else if (rb && !ra) bOnly++;
    }
    return { aOnly, bOnly };
  });
}

describe('training/evaluator', function () {
  this.timeout(60_000);
  const js = createNetworkEvaluator({ kernel: jsKernel });
  let wasm: NetworkEvaluator;
  before(() => {
    wasm = createNetworkEvaluator({ kernel: wasmKernel() });
  });

  it('pins the genesis model score (both kernels)', () => {
    const seed = evaluationSeed(ZERO_HASH);
    const m = initialNetworkModel();
    assert.equal(js.score(m, seed, 4096, [0]), GENESIS_SCORE);
    assert.equal(wasm.score(m, seed, 4096, [0]), GENESIS_SCORE);
    for (const ev of [js, wasm]) {
      assert.deepEqual(
        ev.scoreByDomain(m, seed, 4096, [0]).map((d) => [d.domain, d.correct, d.total]),
        [
          ['lm', GENESIS_BY_DOMAIN[0], 3072],
          ['math', GENESIS_BY_DOMAIN[1], 1024],
        ],
      );
      const check = levelSeed(ZERO_HASH);
      assert.deepEqual(ev.levelCheck(m, check, 2048, [0]), [GENESIS_LEVEL_CHECK[0]]);
      assert.deepEqual(ev.levelCheck(m, check, 2048, [3]), [GENESIS_LEVEL_CHECK[3]]);
    }
    assert.equal(wasm.kernelName(), 'wasm');
    assert.equal(js.kernelName(), 'js');
  });

  it('JS and WASM kernels agree on every prediction and log-loss, for several models, seeds and levels', () => {
    const trained = partlyTrainedModel();
    // and a model grown in both heads (lm 40, math 160 hidden units), trained a little so that
    // the new units have non-zero outgoing weights
    const grown = trainedFrom(growNetworkModel(growNetworkModel(trained, 0), 1), 1000, 'test/grown');
    assert.deepEqual(
      grown.heads.map((h) => h.layers[0]!.outputs),
      [40, 160],
    );
    // and the largest model with every weight and bias drawn at random over its whole range:
    // every hidden unit active or clamped, sums at their extremes (the worst case for exactness)
    let largest = initialNetworkModel();
    ARCH.forEach((h, hi) => {
      for (let g = 0; g < h.maxGrowth; g++) largest = growNetworkModel(largest, hi);
    });
    const rng = new Xoshiro128('kernels/extreme');
    const extreme: NetworkModel = {
      ...largest,
      heads: largest.heads.map((h) => ({
        ...h,
        layers: h.layers.map((l) => ({
          ...l,
          w: Int8Array.from(l.w, () => (rng.nextU32() % (2 * WEIGHT_MAX + 1)) - WEIGHT_MAX),
          b: Int32Array.from(l.b, () => (rng.nextU32() % (2 * BIAS_MAX + 1)) - BIAS_MAX),
        })),
      })),
    };
    const models: NetworkModel[] = [initialNetworkModel(), trained, grown, extreme];
    for (const m of models) {
      for (let s = 0; s < 4; s++) {
        const levels = [s === 3 ? 7 : s];
        const batch = evalBatch(testSeed(s), 3000, levels);
        m.heads.forEach((h, d) => {
          const set = batch.domains[d]!;
          const pj = new Uint8Array(set.n);
          const pw = new Uint8Array(set.n);
          const lj = new Int32Array(set.n);
          const lw = new Int32Array(set.n);
          assert.equal(jsKernel.scoreHead(h, set, pj, lj), wasmKernel().scoreHead(h, set, pw, lw));
          assert.deepEqual(pj, pw);
          assert.deepEqual(lj, lw);
          // and asking for the losses changes no prediction
          const pn = new Uint8Array(set.n);
          wasmKernel().scoreHead(h, set, pn);
          assert.deepEqual(pn, pw);
        });
        const check = mathBatch(testSeed(s, 1), 1000, levels[0]!);
        const pj = new Uint8Array(check.n);
        const pw = new Uint8Array(check.n);
        assert.equal(
          jsKernel.scoreHead(m.heads[1]!, check, pj),
          wasmKernel().scoreHead(m.heads[1]!, check, pw),
        );
        assert.deepEqual(pj, pw);
      }
    }
  });

  it('repeated runs and fresh materialisations give identical counts', () => {
    const m = partlyTrainedModel();
    const seed = testSeed(9);
    const first = js.scoreByDomain(m, seed, 2048, [0]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(js.scoreByDomain(m, seed, 2048, [0]), first);
      assert.deepEqual(wasm.scoreByDomain(m, seed, 2048, [0]), first);
    }
    assert.deepEqual(materializeBatch(seed, 2048, [0]), evalBatch(seed, 2048, [0]));
    assert.deepEqual(materializeBatch(seed, 2048, [5]), evalBatch(seed, 2048, [5]));
  });

  it('a worker thread computes the same counts with either kernel', async () => {
    const t = new Trainer({ shard: { index: 0, count: 1 } });
    await t.start();
    try {
      const m = partlyTrainedModel();
      const seed = testSeed(3);
      for (const levels of [[0], [4]]) {
        const local = js.scoreByDomain(m, seed, 4096, levels).map((d) => d.correct);
        const wj = await t.score(m, seed, 4096, levels, 'js');
        const ww = await t.score(m, seed, 4096, levels, 'wasm');
        assert.deepEqual(wj, { kernel: 'js', byDomain: local });
        assert.deepEqual(ww, { kernel: 'wasm', byDomain: local });
      }
    } finally {
      await t.stop();
    }
  });

  it('mixes the domains in fixed proportions (3 lm : 1 math); scoreByDomain sums to score', () => {
    const seed = testSeed(4);
    const by = js.scoreByDomain(partlyTrainedModel(), seed, 4097, [0]);
    assert.deepEqual(
      by.map((d) => [d.domain, d.total]),
      [
        ['lm', 3073],
        ['math', 1024],
      ],
    );
    assert.equal(domainCount(4097, 0), 3073);
    assert.equal(domainCount(4097, 1), 1024);
    assert.equal(
      by.reduce((s, d) => s + d.correct, 0),
      js.score(partlyTrainedModel(), seed, 4097, [0]),
    );
  });

  it('different seeds draw different samples', () => {
    for (const d of [0, 1]) {
      const a = evalBatch(testSeed(1), 300, [0]).domains[d]!;
      const b = evalBatch(testSeed(2), 300, [0]).domains[d]!;
      assert.notDeepEqual(a.idx, b.idx);
    }
  });

  it('scoring at another level changes the math rows only, never the lm rows', () => {
    const seed = testSeed(6);
    const a = evalBatch(seed, 4096, [0]);
    const b = evalBatch(seed, 4096, [3]);
    assert.deepEqual(b.domains[0], a.domains[0]);
    assert.equal(b.domains[1]!.n, a.domains[1]!.n);
    assert.notDeepEqual(b.domains[1]!.idx, a.domains[1]!.idx);
    // level 3 tasks have 3 four-digit operands and 2 operators: 14 active features, level 0 has 7
    assert.equal(a.domains[1]!.idx.length, 7 * a.domains[1]!.n);
    assert.equal(b.domains[1]!.idx.length, 14 * b.domains[1]!.n);
    const m = levelZeroModel();
    const sa = wasm.scoreByDomain(m, seed, 4096, [0]);
    const sb = wasm.scoreByDomain(m, seed, 4096, [3]);
    assert.deepEqual(sb[0], sa[0]);
    assert.notEqual(sb[1]!.correct, sa[1]!.correct);
  });

  it('levelCheck scores the math head on the level’s tasks: level 0 and level 3 differ', () => {
    // a model trained at level 0 answers level-0 tasks far better than level-3 ones
    const m = levelZeroModel();
    const seed = levelSeed(testSeed(8));
    const at = (level: number): number => wasm.levelCheck(m, seed, 2048, [level])[0]!;
    const l0 = at(0);
    const l3 = at(3);
    assert.deepEqual(js.levelCheck(m, seed, 2048, [0]), [l0]);
    assert.deepEqual(js.levelCheck(m, seed, 2048, [3]), [l3]);
    assert.equal(l0, wasmKernel().scoreHead(m.heads[1]!, mathBatch(seed, 2048, 0)));
    assert.equal(l3, wasmKernel().scoreHead(m.heads[1]!, mathBatch(seed, 2048, 3)));
    assert.ok(l0 > l3 + 200, `level 0 ${l0} vs level 3 ${l3} of 2048`);
    assert.deepEqual(wasm.maxLevels, [MATH_MAX_LEVEL]);
    assert.equal(wasm.domains, 2);
  });

  it('compare() equals two score() calls; childOnly − parentOnly = newScore − parentScore', () => {
    const parent = partlyTrainedModel();
    const child = trainedFrom(parent, 3000);
    const n = devnetParams.evalSamples;
    for (let s = 0; s < 3; s++) {
      const seed = evaluationSeed(testSeed(s, 40));
      for (const [ev, k] of [
        [js, jsKernel],
        [wasm, wasmKernel()],
      ] as const) {
        const c = ev.compare(parent, child, seed, n, [0]);
        assert.equal(c.parentScore, ev.score(parent, seed, n, [0]));
        assert.equal(c.newScore, ev.score(child, seed, n, [0]));
        assert.equal(c.childOnly - c.parentOnly, c.newScore - c.parentScore);
        const childBy = ev.scoreByDomain(child, seed, n, [0]);
        assert.deepEqual(
          c.byDomain,
          ev
            .scoreByDomain(parent, seed, n, [0])
            .map((p, i) => ({ parent: p.correct, child: childBy[i]!.correct })),
        );
        // the disagreement counts are the per-sample ones, summed over both heads
        const dis = disagreements(k, parent, child, seed, n, [0]);
        assert.equal(c.parentOnly, dis[0]!.aOnly + dis[1]!.aOnly);
        assert.equal(c.childOnly, dis[0]!.bOnly + dis[1]!.bOnly);
        assert.ok(dis[0]!.aOnly > 0 && dis[0]!.bOnly > 0 && dis[1]!.aOnly + dis[1]!.bOnly > 0);
      }
      // the reverse comparison swaps the roles
      const c = wasm.compare(parent, child, seed, n, [0]);
      const r = wasm.compare(child, parent, seed, n, [0]);
      assert.deepEqual(
        [r.parentScore, r.newScore, r.parentOnly, r.childOnly],
        [c.newScore, c.parentScore, c.childOnly, c.parentOnly],
      );
    }
    // a model compared with itself: no disagreement
    const same = wasm.compare(parent, cloneModel(parent), testSeed(1, 40), n, [0]);
    assert.deepEqual([same.parentOnly, same.childOnly], [0, 0]);
    assert.equal(same.parentScore, same.newScore);
  });

  it('compare() on a child that differs in the math head only: no disagreement in lm', () => {
    const parent = partlyTrainedModel();
    const trained = trainedFrom(parent, 12_000);
    // an equal lm head in a different object (so compare must compare the weights)
    const child: NetworkModel = { ...parent, heads: [cloneModel(parent).heads[0]!, trained.heads[1]!] };
    const n = devnetParams.evalSamples;
    const seed = evaluationSeed(testSeed(2, 41));
    for (const [ev, k] of [
      [js, jsKernel],
      [wasm, wasmKernel()],
    ] as const) {
      const c = ev.compare(parent, child, seed, n, [0]);
      const dis = disagreements(k, parent, child, seed, n, [0]);
      assert.deepEqual(dis[0], { aOnly: 0, bOnly: 0 });
      assert.equal(c.byDomain[0]!.parent, c.byDomain[0]!.child);
      // every disagreement is a math one
      assert.equal(c.parentOnly, dis[1]!.aOnly);
      assert.equal(c.childOnly, dis[1]!.bOnly);
      assert.ok(c.parentOnly + c.childOnly > 0, 'the math heads do disagree');
      assert.equal(c.childOnly - c.parentOnly, c.byDomain[1]!.child - c.byDomain[1]!.parent);
    }
    // not vacuous: a child with the trained lm head disagrees in lm
    const lmChild: NetworkModel = { ...parent, heads: [trained.heads[0]!, parent.heads[1]!] };
    const c = wasm.compare(parent, lmChild, seed, n, [0]);
    const dis = disagreements(wasmKernel(), parent, lmChild, seed, n, [0]);
    assert.deepEqual(dis[1], { aOnly: 0, bOnly: 0 });
    assert.ok(dis[0]!.aOnly > 0 && dis[0]!.bOnly > 0);
    assert.deepEqual([c.parentOnly, c.childOnly], [dis[0]!.aOnly, dis[0]!.bOnly]);
  });

  it('a locally trained compressed delta passes consensus verifyImprovement; the reverse delta fails', () => {
    const base = partlyTrainedModel();
    const t = new LocalTrainer({
      shard: { index: 2, count: 6 },
      seed: 'test/improve',
      deltaDensity: DEFAULT_DELTA_DENSITY,
    });
    t.setBase(base, [0]);
    t.train(3000);
    const d = t.delta();
    const next = applyModelDelta(base, d);
    const baseHash = networkModelHash(base);
    const signed = (delta: Uint8Array) => ({
      payout: new Uint8Array(20),
      pubkey: new Uint8Array(32),
      samples: 3000,
      delta,
      sig: new Uint8Array(64),
    });
    const update: ModelUpdate = {
      baseModelHash: baseHash,
      claimedPpm: 0,
      levels: [0],
      grow: null,
      rule: 0,
      contributions: [signed(encodeDelta(d))],
    };
    const blockHash = testSeed(77);
    const r = verifyImprovement(
      wasm,
      base,
      baseHash,
      update,
      networkModelHash(next),
      blockHash,
      [0],
      devnetParams,
    );
    assert.ok(r.improvementPpm >= devnetParams.minImprovementPpm, `${r.improvementPpm} ppm`);
    assert.ok(isSignificant(r, devnetParams.evalSamples, devnetParams));
    assert.equal(r.childOnly - r.parentOnly, r.newScore - r.parentScore);
    const n = devnetParams.evalSamples;
    assert.equal(
      r.improvementPpm,
      measureImprovement(
        js.score(base, evaluationSeed(blockHash), n, [0]),
        js.score(next, evaluationSeed(blockHash), n, [0]),
        n,
      ),
    );
    // scored at the wrong levels: rejected before anything is scored
    assert.throws(
      () =>
        verifyImprovement(wasm, base, baseHash, update, networkModelHash(next), blockHash, [1], devnetParams),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-level',
    );
    // a whole (uncompressed) difference is over the contribution bound: consensus rejects it
    const whole: ModelUpdate = {
      ...update,
      contributions: [signed(encodeDelta(diffModels(base, trainedFrom(base, 3000))))],
    };
    assert.throws(
      () =>
        verifyImprovement(wasm, base, baseHash, whole, networkModelHash(next), blockHash, [0], devnetParams),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-contribution',
    );
    const negated = {
      growth: d.growth,
      w: d.w.map((x) => x.map((v) => -v)),
      b: d.b.map((x) => x.map((v) => -v)),
    };
    const back: ModelUpdate = {
      baseModelHash: networkModelHash(next),
      claimedPpm: 0,
      levels: [0],
      grow: null,
      rule: 0,
      contributions: [signed(encodeDelta(negated))],
    };
    assert.throws(
      () =>
        verifyImprovement(
          wasm,
          next,
          networkModelHash(next),
          back,
          networkModelHash(applyModelDelta(next, negated)),
          blockHash,
          [0],
          devnetParams,
        ),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-improvement',
    );
  });
});
