import { strict as assert } from 'node:assert';
import { toHex } from '../../../consensus/index.js';
import { ARCH, MAX_GROWTH } from '../../../training/arch.js';
import { compressUpdate, DEFAULT_DELTA_DENSITY, MIN_DELTA_ENTRIES } from '../../../training/compress.js';
import { MAX_CONTRIBUTION_DENSITY } from '../../../training/constants.js';
import {
  applyModelDelta,
  decodeDelta,
  denseDeltaBytes,
  diffModels,
  encodeDelta,
  type ModelDelta,
} from '../../../training/delta.js';
import { TrainingError } from '../../../training/errors.js';
import { networkEvaluator } from '../../../training/evaluator.js';
import { maxContributionEntries } from '../../../training/federation/bounds.js';
import { dequantizeModel } from '../../../training/float/index.js';
import { AVERAGE_EVERY, LocalTrainer } from '../../../training/local.js';
import {
  growNetworkModel,
  initialNetworkModel,
  modelGrowth,
  type NetworkModel,
} from '../../../training/model.js';

const LEVELS = [0];

function largestModel(): NetworkModel {
  let m = initialNetworkModel();
  ARCH.forEach((_, hi) => {
    for (let g = 0; g < MAX_GROWTH[hi]!; g++) m = growNetworkModel(m, hi);
  });
  return m;
}

function trained(base: NetworkModel, samples: number, density: number | null = null): LocalTrainer {
  const t = new LocalTrainer({ shard: { index: 0, count: 3 }, seed: 'test/compress', deltaDensity: density });
  t.setBase(base, LEVELS);
  t.train(samples);
  return t;
}

/** Calls f on every pair of corresponding weights of a and b. */
function pairs(a: NetworkModel, b: NetworkModel, f: (x: number, y: number) => void): void {
  a.heads.forEach((h, hi) => {
    h.layers.forEach((l, li) => {
      const m = b.heads[hi]!.layers[li]!;
      for (let k = 0; k < l.w.length; k++) f(l.w[k]!, m.w[k]!);
    });
  });
}

describe('training/compress (compressed deltas, error feedback)', function () {
  this.timeout(120_000);

  for (const [label, make] of [
    ['genesis size', initialNetworkModel],
    ['largest size', largestModel],
  ] as const) {
    it(`${label}: ≥ 50× smaller than the dense int8 delta, top-k bounded, two-level, decodes exactly`, () => {
      const base = make();
      const t = trained(base, 40_000, DEFAULT_DELTA_DENSITY);
      const d = t.delta();
      const bytes = encodeDelta(d);
      const ratio = denseDeltaBytes(modelGrowth(base)) / bytes.length;
      assert.ok(ratio >= 50, `${label}: ${bytes.length} bytes, ${ratio.toFixed(1)}× smaller than dense`);
      assert.deepEqual(decodeDelta(bytes), d);
      for (const w of d.w) {
        const nz = w.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
        assert.ok(
          nz <= Math.max(MIN_DELTA_ENTRIES, Math.ceil(w.length * DEFAULT_DELTA_DENSITY)),
          `${nz} entries`,
        );
        const mags = new Set([...w].filter((v) => v !== 0).map(Math.abs));
        assert.ok(mags.size <= 2, `two magnitudes at most, got ${[...mags].join(',')}`);
      }
      assert.ok(
        d.w.some((w) => w.some((v) => v !== 0)),
        'the delta is not empty',
      );
    });
  }

  it('a compressed delta keeps a good part of a round’s held-out gain (the rest waits in error feedback)', () => {
    const t = trained(initialNetworkModel(), 200_000);
    const base = t.currentModel();
    t.setBase(base, LEVELS);
    t.train(40_000);
    const full = applyModelDelta(base, t.delta());
    const compressed = applyModelDelta(base, compressUpdate(base, dequantizeModel(t.currentModel())));
    const acc = (m: NetworkModel): number => {
      const h = networkEvaluator.heldOut(m, LEVELS);
      return h.reduce((s, d, i) => s + (i === 0 ? 0.75 : 0.25) * (d.correct / d.total), 0);
    };
    const [a0, aFull, aComp] = [acc(base), acc(full), acc(compressed)];
    assert.ok(aFull > a0, `the round taught something: ${a0} → ${aFull}`);
    // measured: +0.63 points against +1.50 for the whole difference of this 40,000-sample round
    // (on a 20,000-sample round from a model trained 400,000, the same gain on block samples:
    // scripts/experiments/compression.ts)
    assert.ok(aComp - a0 >= 0.3 * (aFull - a0), `compressed gain ${aComp - a0} vs full ${aFull - a0}`);
  });

  it('error feedback: when the chain applies its delta, the trainer goes on from its own weights, losing nothing', () => {
    const base = trained(initialNetworkModel(), 100_000).currentModel();
    const t = trained(base, 30_000, DEFAULT_DELTA_DENSITY);
    const before = t.currentModel();
    const d = t.delta();
    t.setBase(applyModelDelta(base, d), LEVELS);
    const after = t.currentModel();
    // the same weights up to float rounding at a quantization boundary
    let differ = 0;
    let total = 0;
    pairs(before, after, (x, y) => {
      total++;
      if (Math.abs(x - y) > 1) differ += 1000;
      else if (x !== y) differ++;
    });
    assert.ok(differ <= total / 10_000, `${differ} of ${total} weights moved`);
    // a restart on the same model (a level change, the delta not applied) keeps everything too
    const again = trained(base, 30_000, DEFAULT_DELTA_DENSITY);
    const kept = again.currentModel();
    again.delta();
    again.setBase(base, LEVELS);
    let moved = 0;
    pairs(kept, again.currentModel(), (x, y) => {
      if (Math.abs(x - y) > 1) moved += 1000;
      else if (x !== y) moved++;
    });
    assert.ok(moved <= total / 10_000, `${moved} of ${total} weights moved on a same-model restart`);
    // without error feedback the restart is the chain's model: most of the round is gone
    const plain = trained(base, 30_000, null);
    plain.setBase(applyModelDelta(base, d), LEVELS);
    let lost = 0;
    pairs(plain.currentModel(), before, (x, y) => {
      if (x !== y) lost++;
    });
    assert.ok(lost > 100 * Math.max(1, differ), `${lost} weights differ without error feedback`);
  });

  it('error feedback: a delta the update left out (delivered null) carries over whole; by default it counts as delivered', () => {
    const base = trained(initialNetworkModel(), 100_000).currentModel();
    // the chain moved on with someone else's update, without this trainer's delta
    const next = applyModelDelta(base, trained(base, 20_000, DEFAULT_DELTA_DENSITY).delta());
    const run = (delivered?: null): { t: LocalTrainer; learnt: NetworkModel; sent: ModelDelta } => {
      const t = new LocalTrainer({
        shard: { index: 1, count: 3 },
        seed: 'test/left-out',
        deltaDensity: DEFAULT_DELTA_DENSITY,
      });
      t.setBase(base, LEVELS);
      t.train(30_000);
      const learnt = t.currentModel();
      const sent = t.delta();
      t.setBase(next, LEVELS, delivered);
      return { t, learnt, sent };
    };
    const count = (a: NetworkModel, b: NetworkModel): { differ: number; total: number } => {
      let differ = 0;
      let total = 0;
      pairs(a, b, (x, y) => {
        total++;
        if (x !== y) differ++;
      });
      return { differ, total };
    };
    const leftOut = run(null);
    const assumed = run();
    // the same trainer both times (same seed): the same weights and the same delta
    assert.equal(count(leftOut.learnt, assumed.learnt).differ, 0);
    // left out: next + everything learnt; assumed delivered: that minus the delta sent
    const { differ, total } = count(
      leftOut.t.currentModel(),
      applyModelDelta(assumed.t.currentModel(), assumed.sent),
    );
    // (up to float rounding at a quantization boundary, and saturation)
    assert.ok(differ <= total / 1_000, `${differ} of ${total} weights differ from next + all learnt`);
    const dropped = count(leftOut.t.currentModel(), assumed.t.currentModel()).differ;
    assert.ok(dropped > 10 * Math.max(1, differ), `${dropped} weights lose the delivered delta`);
  });

  it('every projectSamples samples the trainer goes on from what it can send (a long round stays faithful)', () => {
    const base = initialNetworkModel();
    // non-zero weight steps per weight tensor of `m` against the base
    const moved = (m: NetworkModel): number[] =>
      m.heads.flatMap((h, hi) =>
        h.layers.map((l, li) => {
          const b = base.heads[hi]!.layers[li]!.w;
          let n = 0;
          for (let k = 0; k < l.w.length; k++) if (l.w[k] !== b[k]) n++;
          return n;
        }),
      );
    const bound = base.heads.flatMap((h) =>
      h.layers.map((l) => Math.max(MIN_DELTA_ENTRIES, Math.ceil(DEFAULT_DELTA_DENSITY * l.w.length))),
    );
    const run = (projectSamples: number | null): LocalTrainer => {
      const t = new LocalTrainer({
        shard: { index: 0, count: 2 },
        seed: 'projection',
        deltaDensity: DEFAULT_DELTA_DENSITY,
        projectSamples,
        averageDecay: null,
        longRoundSamples: 0,
      });
      t.setBase(base, [0]);
      t.train(6_400); // 200 minibatches: a projection at exactly 6,400 samples
      return t;
    };
    const projected = run(6_400);
    assert.equal(projected.projections, 1);
    for (const [i, n] of moved(projected.currentModel()).entries()) {
      assert.ok(n <= bound[i]!, `tensor ${i}: ${n} > ${bound[i]}`);
    }
    // and the next delta is that model's own: the same support, nothing left out
    const d = projected.delta();
    const sent = moved(applyModelDelta(base, d));
    assert.deepEqual(sent, moved(projected.currentModel()));
    // without projection the trainer's model has moved far outside what one delta carries
    const free = run(null);
    assert.equal(free.projections, 0);
    const over = moved(free.currentModel()).filter((n, i) => n > 4 * bound[i]!);
    assert.ok(over.length > 0, 'some tensor moved on more than 4× the entries a delta carries');
    // a short round (below longRoundSamples, 1,000,000 by default) is left to error feedback
    const short = new LocalTrainer({
      shard: { index: 0, count: 2 },
      seed: 'projection',
      deltaDensity: DEFAULT_DELTA_DENSITY,
      projectSamples: 3_200,
    });
    short.setBase(base, [0]);
    short.train(6_400);
    assert.equal(short.projections, 0);
    assert.throws(
      () =>
        new LocalTrainer({ shard: { index: 0, count: 2 }, seed: 'x', deltaDensity: 0.01, projectSamples: 0 }),
      TrainingError,
    );
  });

  it('sends the moving average of its weights (decay 0: the weights at the last average update)', () => {
    const base = initialNetworkModel();
    const make = (averageDecay: number | null): LocalTrainer => {
      const t = new LocalTrainer({
        shard: { index: 0, count: 2 },
        seed: 'average',
        deltaDensity: DEFAULT_DELTA_DENSITY,
        projectSamples: null,
        averageDecay,
        longRoundSamples: 0,
      });
      t.setBase(base, [0]);
      return t;
    };
    const hex = (d: ModelDelta): string => toHex(encodeDelta(d));
    // the average is updated after every AVERAGE_EVERY samples (25,000, whole minibatches)
    const plain = make(null);
    plain.train(AVERAGE_EVERY);
    const at25k = hex(plain.delta());
    plain.train(3_200);
    const at28k = hex(plain.delta());
    assert.notEqual(at28k, at25k, 'the weights moved on');
    const last = make(0);
    last.train(AVERAGE_EVERY);
    last.train(3_200);
    assert.equal(hex(last.delta()), at25k, 'decay 0: the average is the weights at 25,000 samples');
    const smooth = make(0.9);
    smooth.train(AVERAGE_EVERY);
    assert.equal(hex(smooth.delta()), at25k, 'the first average is the weights themselves');
    assert.throws(
      () =>
        new LocalTrainer({ shard: { index: 0, count: 2 }, seed: 'x', deltaDensity: 0.01, averageDecay: 1 }),
      TrainingError,
    );
  });

  it('a long round on one chain model sends denser deltas, up to the consensus bound (a level change does not end it)', () => {
    const base = initialNetworkModel();
    const doubling = 20_000;
    const t = new LocalTrainer({
      shard: { index: 0, count: 2 },
      seed: 'density',
      deltaDensity: DEFAULT_DELTA_DENSITY,
      densityDoublingSamples: doubling,
    });
    t.setBase(base, [0]);
    assert.equal(t.roundDensity(), DEFAULT_DELTA_DENSITY);
    t.train(doubling / 2);
    t.setBase(base, [1]); // same model, new level: the round goes on
    t.train(doubling / 2);
    assert.equal(t.roundDensity(), 2 * DEFAULT_DELTA_DENSITY);
    assert.equal(t.roundDensity(), MAX_CONTRIBUTION_DENSITY, 'twice the default is the bound');
    const d = t.delta();
    const w = d.w[0]!;
    let nz = 0;
    for (let k = 0; k < w.length; k++) if (w[k] !== 0) nz++;
    assert.ok(nz > Math.ceil(DEFAULT_DELTA_DENSITY * w.length), `${nz} entries: denser than 1/128`);
    assert.ok(nz <= maxContributionEntries(w.length), `${nz} entries: within the consensus bound`);
    t.train(doubling);
    assert.equal(t.roundDensity(), MAX_CONTRIBUTION_DENSITY, 'never above the bound');
    // a new chain model starts a new round at the default density
    t.setBase(applyModelDelta(base, d), [1]);
    assert.equal(t.roundDensity(), DEFAULT_DELTA_DENSITY);
  });

  it("cooperative training: setPeers moves the weights by the other trainers' deltas and delta() leaves them out", () => {
    const base = trained(initialNetworkModel(), 100_000).currentModel();
    for (const density of [null, DEFAULT_DELTA_DENSITY]) {
      const t = trained(base, 20_000, density);
      const own = t.delta();
      const peer = new LocalTrainer({
        shard: { index: 1, count: 3 },
        seed: 'test/peer',
        deltaDensity: density,
      });
      peer.setBase(base, LEVELS);
      peer.train(20_000);
      const offset = peer.delta();
      const before = t.currentModel();
      t.setPeers(offset);
      // the weights now hold the offset: they moved (up to rounding) by what it changes on the base…
      const moved = diffModels(base, applyModelDelta(base, offset));
      let off = 0;
      let total = 0;
      pairs(applyModelDelta(before, moved), t.currentModel(), (x, y) => {
        total++;
        if (Math.abs(x - y) > 1) off += 1000;
        else if (x !== y) off++;
      });
      assert.ok(off <= total / 10_000, `${off} of ${total} weights are not before + offset`);
      // …and the delta is still this trainer's own (the offset left out)
      const again = t.delta();
      let same = 0;
      let sent = 0;
      pairs(applyModelDelta(base, own), applyModelDelta(base, again), (x, y) => {
        sent++;
        if (x === y) same++;
      });
      assert.ok(
        same >= sent - sent / 1_000,
        `${sent - same} of ${sent} coordinates of the own delta changed`,
      );
      // taking the offset back restores the weights
      t.setPeers(null);
      let back = 0;
      pairs(before, t.currentModel(), (x, y) => {
        if (Math.abs(x - y) > 1) back += 1000;
        else if (x !== y) back++;
      });
      assert.ok(back <= total / 10_000, `${back} of ${total} weights moved after the offset was taken back`);
    }
  });

  it('rejects a density outside (0, 1] and a head of another shape', () => {
    const m = initialNetworkModel();
    assert.throws(() => compressUpdate(m, dequantizeModel(m), 0), TrainingError);
    assert.throws(() => compressUpdate(m, dequantizeModel(m), 1.5), TrainingError);
    assert.throws(() => compressUpdate(m, dequantizeModel(largestModel())), TrainingError);
    assert.throws(
      () => new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'x', deltaDensity: 0 }),
      TrainingError,
    );
    // an untrained model's delta is empty (nothing to send)
    assert.ok(compressUpdate(m, dequantizeModel(m)).w.every((w) => w.every((v) => v === 0)));
  });
});
