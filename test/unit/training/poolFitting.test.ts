/**
 * Model v1 evaluated digits and text on finite public held-out pools, and a trainer that fitted
 * those pools (training honestly only on math) earned 19–22% more bonus than an honest one with
 * the same budget. Model v2 retired the pools: consensus draws language positions from the whole
 * public corpus (6.18M positions, ~17× the model's parameters, so it cannot be memorised) and
 * math tasks are generated. The best a pool-fitter can do is train on exactly the distribution
 * block samples come from; this test shows that earns no more than honest training on a shard
 * with the same budget: on fresh block samples, the pool-fitter's model is not significantly
 * better than the honest one (the sign test consensus itself uses).
 */
import { strict as assert } from 'node:assert';
import { devnetParams, evaluationSeed, isSignificant } from '../../../consensus/index.js';
import { lmBatchFromPositions, lmCorpus, lmPublicPosition } from '../../../training/data/lm.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { defaultTrainKernel, dequantizeHead } from '../../../training/float/index.js';
import { quantizeHead } from '../../../training/float/mlp.js';
import { lossZ } from '../../../training/kernel/loss.js';
import { LocalTrainer } from '../../../training/local.js';
import type { NetworkModel } from '../../../training/model.js';
import { Xoshiro128 } from '../../../training/prng.js';
import { partlyTrainedModel, testSeed, wasmKernel } from './helpers.js';

const BUDGET = 120_000;
const BATCH = 32;

/** Honest: LocalTrainer on shard 0 of 3 (its own third of the public chunks), language head only. */
function honest(base: NetworkModel): NetworkModel {
  const t = new LocalTrainer({ shard: { index: 0, count: 3 }, seed: 'pool/honest' });
  t.setBase(base, [0]);
  t.train((BUDGET * 4) / 3); // three language batches per math batch: BUDGET language samples
  const m = t.currentModel();
  return { ...base, heads: [m.heads[0]!, base.heads[1]!] };
}

/** Pool-fitter: the same optimiser on positions drawn exactly as block samples draw them. */
function poolFitter(base: NetworkModel): NetworkModel {
  const kernel = defaultTrainKernel();
  const head = kernel.createHeadTrainer(dequantizeHead(base.heads[0]!));
  const rng = new Xoshiro128('pool/fitter');
  const classes = lmCorpus().classes;
  const rows = Array.from({ length: BATCH }, (_, i) => i);
  const positions = new Uint32Array(BATCH);
  for (let done = 0; done < BUDGET; done += BATCH) {
    for (let i = 0; i < BATCH; i++) positions[i] = lmPublicPosition(rng.nextU32());
    head.step(lmBatchFromPositions(classes, positions), rows);
  }
  return { ...base, heads: [quantizeHead(head.readHead(), 'lm'), base.heads[1]!] };
}

describe('threat model: fitting the evaluation pool', function () {
  this.timeout(120_000);

  it('a trainer fitting the block-sample distribution earns no more than an honest one on its shard', () => {
    const ev = createNetworkEvaluator({ kernel: wasmKernel() });
    const base = partlyTrainedModel();
    const h = honest(base);
    const p = poolFitter(base);
    const n = devnetParams.evalSamples;
    let gainH = 0;
    let gainP = 0;
    let pOnly = 0;
    let hOnly = 0;
    const loss = { sum: 0, sumSq: 0 };
    for (let i = 0; i < 8; i++) {
      const seed = evaluationSeed(testSeed(i, 31));
      const ch = ev.compare(base, h, seed, n, [0]);
      const cp = ev.compare(base, p, seed, n, [0]);
      gainH += ch.newScore - ch.parentScore;
      gainP += cp.newScore - cp.parentScore;
      const hp = ev.compare(h, p, seed, n, [0]);
      pOnly += hp.childOnly;
      hOnly += hp.parentOnly;
      loss.sum += hp.lossGain.sum;
      loss.sumSq += hp.lossGain.sumSq;
    }
    if (process.env.QENEX_TEST_VERBOSE) {
      process.stderr.write(
        `pool: honest gain ${gainH}, pool-fitter gain ${gainP} (8 × ${n}); pool-fitter-only ${pOnly}, honest-only ${hOnly}; loss t ${lossZ(loss, 8 * n).toFixed(2)}\n`,
      );
    }
    assert.ok(gainH > 0 && gainP > 0, `both learn: honest ${gainH}, pool-fitter ${gainP}`);
    assert.ok(
      !isSignificant({ lossGain: loss }, 8 * n, devnetParams),
      `pool-fitter significantly better: ${pOnly} vs ${hOnly} disagreements won, t=${lossZ(loss, 8 * n).toFixed(2)}`,
    );
  });
});
