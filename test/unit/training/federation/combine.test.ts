import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { MAX_CONTRIBUTION_DELTA_SIZE, VerdictError, varintSize } from '../../../../consensus/index.js';
import { archAt, BIAS_MAX, MAX_GROWTH, NO_GROWTH } from '../../../../training/arch.js';
import { applyModelDelta, decodeDelta, encodeDelta, zeroDelta } from '../../../../training/delta.js';
import {
  combineContributions,
  DUPLICATE_THRESHOLD_100,
  decodeContribution,
  FEDERATION_RULES,
  maxContributionEntries,
  nearDuplicate,
  roundedMean,
} from '../../../../training/federation/index.js';
import { LocalTrainer } from '../../../../training/local.js';
import { cloneModel, encodeNetworkModel, type NetworkModel, zeroModel } from '../../../../training/model.js';
import { Xoshiro128 } from '../../../../training/prng.js';
import { partlyTrainedModel } from '../helpers.js';
import { copyWithNoise, fullyGrown, randomDelta } from './helpers.js';

const SPARSE_MEAN = 0;
const MEAN = 1;

/** A digest of the model's canonical bytes (node's sha256: noble's is slow on large models under mocha). */
function hex(m: NetworkModel): string {
  return createHash('sha256').update(encodeNetworkModel(m)).digest('hex');
}

/** Runs f and returns the VerdictError it throws (fails on anything else). */
function verdict(f: () => unknown): VerdictError {
  try {
    f();
  } catch (e) {
    if (e instanceof VerdictError) return e;
    throw e;
  }
  assert.fail('expected a VerdictError');
}

describe('training/federation combine', function () {
  this.timeout(120_000);

  it('names its rules: 0 sparse-mean, 1 mean', () => {
    assert.deepEqual([...FEDERATION_RULES], ['sparse-mean', 'mean']);
  });

  it('rounds half away from zero and clamps to the step bound', () => {
    const cases: [number, number, number][] = [
      [1, 2, 1],
      [-1, 2, -1],
      [3, 2, 2],
      [-3, 2, -2],
      [1, 3, 0],
      [-1, 3, 0],
      [2, 3, 1],
      [-2, 3, -1],
      [-10, 4, -3],
      [0, 5, 0],
      [1000, 1, 127],
      [-1000, 3, -127],
    ];
    for (const [s, k, q] of cases) assert.equal(roundedMean(s, k, 127), q, `${s}/${k}`);
  });

  it('a single contribution gives exactly applyModelDelta(parent, decodeDelta(delta)), saturating', () => {
    const parent = cloneModel(partlyTrainedModel());
    // weights and biases at their bounds, where the contribution pushes them further
    const l0 = parent.heads[1]!.layers[0]!;
    const d = randomDelta(NO_GROWTH, 'single');
    const dw = d.w[2]!;
    for (let k = 0, at = 0; k < 50; at++) {
      if (dw[at] === 0) continue; // keep within the entry bound: only where the delta has steps
      l0.w[at] = 120;
      dw[at] = 60;
      l0.b[k] = BIAS_MAX - 5;
      d.b[2]![k] = 300;
      k++;
    }
    const trained = new LocalTrainer({
      shard: { index: 1, count: 6 },
      seed: 'single',
      deltaDensity: 1 / 128,
    });
    trained.setBase(parent, [0]);
    trained.train(2000);
    for (const bytes of [encodeDelta(d), encodeDelta(trained.delta())]) {
      const expected = hex(applyModelDelta(parent, decodeDelta(bytes)));
      for (const rule of [SPARSE_MEAN, MEAN]) {
        const c = combineContributions(parent, [bytes], rule);
        assert.equal(hex(c.model), expected);
        assert.equal(c.without(0), parent);
      }
    }
    const saturated = combineContributions(parent, [encodeDelta(d)], 0).model.heads[1]!.layers[0]!;
    assert.equal(saturated.w[dw.indexOf(60)], 127);
    assert.equal(saturated.b[0], BIAS_MAX);
  });

  it('sparse-mean and mean values on hand-built deltas (negative halves, saturation)', () => {
    const parent = zeroModel(archAt(NO_GROWTH));
    const pw = parent.heads[1]!.layers[0]!.w; // flat tensor 2
    const pb = parent.heads[0]!.layers[0]!.b; // flat tensor 0
    pw[4] = 125;
    pw[5] = -126;
    pb[1] = BIAS_MAX - 5;
    // coordinate → the four contributions' steps, the sparse-mean and the mean step
    const w: [number[], number, number][] = [
      [[3, -2, 0, 0], 1, 0],
      [[-3, 2, 0, 0], -1, 0],
      [[-1, -2, 0, 0], -2, -1],
      [[-5, -5, 0, 0], -5, -3],
      [[5, 5, 5, -1], 4, 4],
      [[0, 0, 0, -7], -7, -2],
      [[1, 1, 1, 0], 1, 1],
      [[-1, 0, 0, 0], -1, 0],
      [[2, 0, 0, 0], 2, 1],
      [[-2, 0, 0, 0], -2, -1],
    ];
    const b: [number[], number, number][] = [
      [[300, -301, 0, 0], -1, 0],
      [[32767, 32767, 32767, 32767], 32767, 32767],
      [[-7, -8, 0, 0], -8, -4],
    ];
    const deltas = [0, 1, 2, 3].map((i) => {
      const d = zeroDelta(NO_GROWTH);
      w.forEach(([steps], j) => {
        d.w[2]![j] = steps[i]!;
      });
      b.forEach(([steps], j) => {
        d.b[0]![j] = steps[i]!;
      });
      // disjoint filler keeps the four nearly orthogonal (not near-duplicates)
      for (let k = 0; k < 200; k++) d.w[0]![1000 + 200 * i + k] = 10;
      return encodeDelta(d);
    });
    for (const [rule, col] of [
      [SPARSE_MEAN, 1],
      [MEAN, 2],
    ] as const) {
      const m = combineContributions(parent, deltas, rule).model;
      const mw = m.heads[1]!.layers[0]!.w;
      const mb = m.heads[0]!.layers[0]!.b;
      w.forEach((row, j) => {
        const expected = Math.max(-127, Math.min(127, pw[j]! + row[col]));
        assert.equal(mw[j], expected, `${FEDERATION_RULES[rule]} weight ${j}`);
      });
      b.forEach((row, j) => {
        const expected = Math.max(-BIAS_MAX, Math.min(BIAS_MAX, pb[j]! + row[col]));
        assert.equal(mb[j], expected, `${FEDERATION_RULES[rule]} bias ${j}`);
      });
      assert.equal(m.heads[0]!.layers[0]!.w[1000], rule === SPARSE_MEAN ? 10 : 3);
      assert.equal(mw[4], 127); // 125 + 4 saturates
      assert.equal(mw[5], -127); // −126 − 7 or −2 saturates
      assert.equal(mb[1], BIAS_MAX);
      // the parent is untouched
      assert.equal(pw[4], 125);
      assert.equal(pb[0], 0);
    }
  });

  for (const [name, parentOf] of [
    ['genesis size', () => partlyTrainedModel()],
    ['largest size', () => fullyGrown(partlyTrainedModel())],
  ] as const) {
    it(`without(i) equals the combination of the others (random sets of 5, both rules, ${name})`, () => {
      const parent = parentOf();
      const growth = name === 'genesis size' ? NO_GROWTH : MAX_GROWTH;
      const parentHash = hex(parent);
      for (let set = 0; set < 3; set++) {
        // dense-ish deltas (1/64) so that coordinates overlap
        const bytes = [0, 1, 2, 3, 4].map((i) =>
          encodeDelta(randomDelta(growth, `without/${name}/${set}/${i}`, set === 0 ? 1 / 128 : 1 / 64)),
        );
        for (const rule of [SPARSE_MEAN, MEAN]) {
          const c = combineContributions(parent, bytes, rule);
          const combined = hex(c.model);
          for (let i = 0; i < bytes.length; i++) {
            const others = bytes.filter((_, j) => j !== i);
            assert.equal(
              hex(c.without(i)),
              hex(combineContributions(parent, others, rule).model),
              `${FEDERATION_RULES[rule]} set ${set} without ${i}`,
            );
          }
          assert.equal(hex(c.model), combined, 'without() leaves the combined model alone');
        }
      }
      assert.equal(hex(parent), parentHash, 'the parent is untouched');
    });
  }

  it('rejects an unknown rule (bad-model-rule)', () => {
    const parent = partlyTrainedModel();
    const bytes = encodeDelta(randomDelta(NO_GROWTH, 'rule'));
    for (const rule of [2, -1, 0.5, 255]) {
      assert.equal(verdict(() => combineContributions(parent, [bytes], rule)).reason, 'bad-model-rule');
    }
  });

  it('rejects malformed, oversized, zero, over-bound and wrong-growth deltas (bad-model-contribution)', () => {
    const parent = partlyTrainedModel();
    const good = encodeDelta(randomDelta(NO_GROWTH, 'good'));
    const reject = (bad: Uint8Array, pattern: RegExp): void => {
      const e = verdict(() => combineContributions(parent, [good, bad], SPARSE_MEAN));
      assert.equal(e.reason, 'bad-model-contribution');
      assert.match(e.message, /contribution 1: /);
      assert.match(e.message, pattern);
    };
    reject(good.subarray(0, good.length - 3), /malformed/);
    reject(Uint8Array.of(...good, 0), /malformed/);
    reject(Uint8Array.of(9, 0, 0), /malformed/);
    reject(new Uint8Array(MAX_CONTRIBUTION_DELTA_SIZE + 1), /above 131072/);
    reject(encodeDelta(zeroDelta(NO_GROWTH)), /zero delta/);
    reject(encodeDelta(randomDelta(MAX_GROWTH, 'grown')), /growth \[4,2\]/);
    // the entry bound of the largest tensor, exactly and one over
    const n = parent.heads[0]!.layers[0]!.w.length;
    const max = maxContributionEntries(n);
    assert.equal(max, Math.ceil(n / 64));
    const atBound = (k: number): Uint8Array => {
      const d = zeroDelta(NO_GROWTH);
      for (let j = 0; j < k; j++) d.w[0]![j * 50] = j % 2 ? 3 : -6;
      return encodeDelta(d);
    };
    combineContributions(parent, [good, atBound(max)], SPARSE_MEAN);
    reject(atBound(max + 1), new RegExp(`weight tensor 0 has ${max + 1} non-zero steps, above ${max}`));
    // a bias-only delta is a delta
    const biasOnly = zeroDelta(NO_GROWTH);
    biasOnly.b[1]![3] = 7;
    combineContributions(parent, [good, encodeDelta(biasOnly)], SPARSE_MEAN);
  });

  it('rejects byte-identical and near-duplicate contributions (bad-model-duplicate)', () => {
    const parent = partlyTrainedModel();
    const honest = [0, 1, 2].map((i) => randomDelta(NO_GROWTH, `dup/${i}`));
    const bytes = honest.map(encodeDelta);
    combineContributions(parent, bytes, SPARSE_MEAN); // independent deltas are fine
    const same = verdict(() => combineContributions(parent, [...bytes, bytes[1]!], MEAN));
    assert.equal(same.reason, 'bad-model-duplicate');
    assert.match(same.message, /contributions 1 and 3 are byte-identical/);
    const copy = encodeDelta(copyWithNoise(honest[0]!, 'copier'));
    const near = verdict(() =>
      combineContributions(parent, [bytes[1]!, bytes[0]!, bytes[2]!, copy], SPARSE_MEAN),
    );
    assert.equal(near.reason, 'bad-model-duplicate');
    assert.match(near.message, /contributions 1 and 3: weight-step cosine 0\.\d{4} ≥ /);
    // the copy of a real trainer's delta too
    const t = new LocalTrainer({ shard: { index: 3, count: 6 }, seed: 'dup/real', deltaDensity: 1 / 128 });
    t.setBase(parent, [0]);
    t.train(2000);
    const real = t.delta();
    const e = verdict(() =>
      combineContributions(
        parent,
        [encodeDelta(real), encodeDelta(copyWithNoise(real, 'copier/real'))],
        MEAN,
      ),
    );
    assert.equal(e.reason, 'bad-model-duplicate');
  });

  it('the duplicate test is exact at the threshold', () => {
    const t = DUPLICATE_THRESHOLD_100;
    // cosine exactly t/100: dot = t, na = nb = 100 (na·nb = 10⁴)
    assert.equal(nearDuplicate(t, 100, 100), true);
    assert.equal(nearDuplicate(t - 1, 100, 100), false);
    assert.equal(nearDuplicate(-100, 100, 100), false);
    assert.equal(nearDuplicate(0, 0, 5), false);
  });

  it('only VerdictError escapes, whatever the bytes', () => {
    const parent = partlyTrainedModel();
    const good = encodeDelta(randomDelta(NO_GROWTH, 'fuzz'));
    const rng = new Xoshiro128('fuzz');
    for (let k = 0; k < 300; k++) {
      const bad = good.slice(0, 1 + rng.below(good.length));
      for (let f = 0; f < 3; f++) bad[rng.below(bad.length)] = rng.below(256);
      try {
        combineContributions(parent, [bad], k % 2);
      } catch (e) {
        assert.ok(e instanceof VerdictError, String(e));
      }
    }
  });

  it('the largest delta the bounds allow at MAX_GROWTH fits MAX_CONTRIBUTION_DELTA_SIZE', () => {
    // Every weight tensor at its entry bound k with two-level steps (±63, ±126) and as many gaps of
    // 253 (a 3-byte varint, the cheapest way to lengthen a gap) as its size allows; every bias at
    // ±32,767 (dense). No delta within the bounds encodes longer.
    const d = zeroDelta(MAX_GROWTH);
    let predicted = 1 + MAX_GROWTH.length;
    for (const w of d.w) {
      const k = Math.min(w.length, maxContributionEntries(w.length));
      const m = Math.min(k, Math.floor((w.length - k) / 253));
      let at = -1;
      for (let j = 0; j < k; j++) {
        at += 1 + (j < m ? 253 : 0);
        w[at] = (j % 2 ? -1 : 1) * (j % 3 ? 63 : 126);
      }
      predicted += 1 + varintSize(k) + 1 + k + 2 * m + Math.ceil(k / 4);
    }
    for (const b of d.b) {
      for (let i = 0; i < b.length; i++) b[i] = i % 2 ? 32_767 : -32_767;
      predicted += 1 + 2 * b.length;
    }
    const bytes = encodeDelta(d);
    console.log(
      `      largest bounded delta at MAX_GROWTH: ${bytes.length} bytes (limit ${MAX_CONTRIBUTION_DELTA_SIZE})`,
    );
    assert.equal(bytes.length, predicted);
    assert.ok(bytes.length <= MAX_CONTRIBUTION_DELTA_SIZE);
    decodeContribution(bytes, 0, MAX_GROWTH);
  });
});
