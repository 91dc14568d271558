import { strict as assert } from 'node:assert';
import { VerdictError } from '../../../../consensus/index.js';
import {
  CLASSES,
  linearEvaluator as ev,
  FEATURES,
  improvingDelta,
  initialModel,
  type LinearModel,
} from '../../../../training/linear.js';
import { Xoshiro128 } from '../../../../training/prng.js';
import { testSeed } from '../helpers.js';

const N = FEATURES * CLASSES;

function delta(values: Record<number, number>): Uint8Array {
  const d = new Int8Array(N);
  for (const [i, v] of Object.entries(values)) d[Number(i)] = v;
  return new Uint8Array(d.buffer);
}

function randomDelta(rng: Xoshiro128): Uint8Array {
  const d = new Int8Array(N);
  for (let i = 0; i < N; i++) d[i] = rng.below(21) - 10;
  d[rng.below(N)] = 5; // never all zero
  return new Uint8Array(d.buffer);
}

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerdictError) return e.reason;
    throw e;
  }
  assert.fail('expected a VerdictError');
}

describe('training/federation linear evaluator', () => {
  const parent: LinearModel = Int32Array.from({ length: N }, (_, i) => (i % 5) - 2);

  it('one contribution is applyDelta; without(0) is the parent', () => {
    const d = improvingDelta(initialModel());
    for (const rule of [0, 1]) {
      const c = ev.combine(parent, [d], rule);
      assert.deepEqual(c.model, ev.applyDelta(parent, d));
      assert.deepEqual(c.without(0), parent);
    }
  });

  it('sparse-mean and mean per weight, rounding halves away from zero', () => {
    // weights 0..3 carry the test values; each delta also has its own weight (4 + i) so that the
    // three are far from parallel
    const a = delta({ 0: 3, 1: -3, 2: -1, 3: -5, 4: 40 });
    const b = delta({ 0: -2, 1: 2, 2: -2, 3: -4, 5: 40 });
    const c = delta({ 3: -6, 6: 40 });
    const sparse = ev.combine(parent, [a, b, c], 0).model;
    const mean = ev.combine(parent, [a, b, c], 1).model;
    // Σ: 1, −1, −3, −15; counts 2, 2, 2, 3
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => sparse[i]! - parent[i]!),
      [1, -1, -2, -5, 40],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => mean[i]! - parent[i]!),
      [0, 0, -1, -5, 13],
    );
  });

  it('without(i) equals the combination of the others (random sets of 5, both rules)', () => {
    const rng = new Xoshiro128('linear/without');
    for (let s = 0; s < 10; s++) {
      const ds = [0, 1, 2, 3, 4].map(() => randomDelta(rng));
      for (const rule of [0, 1]) {
        const c = ev.combine(parent, ds, rule);
        for (let i = 0; i < ds.length; i++) {
          assert.deepEqual(
            c.without(i),
            ev.combine(
              parent,
              ds.filter((_, j) => j !== i),
              rule,
            ).model,
          );
        }
      }
    }
  });

  it('rejects unknown rules, zero, short and −128 deltas, and duplicates', () => {
    const rng = new Xoshiro128('linear/reject');
    const a = randomDelta(rng);
    const b = randomDelta(rng);
    assert.equal(
      reason(() => ev.combine(parent, [a], 2)),
      'bad-model-rule',
    );
    assert.equal(
      reason(() => ev.combine(parent, [a, new Uint8Array(N)], 0)),
      'bad-model-contribution',
    );
    assert.equal(
      reason(() => ev.combine(parent, [a, new Uint8Array(N - 1)], 0)),
      'bad-model-contribution',
    );
    assert.equal(
      reason(() => ev.combine(parent, [delta({ 0: -128 })], 0)),
      'bad-model-contribution',
    );
    assert.equal(
      reason(() => ev.combine(parent, [a, b, a.slice()], 1)),
      'bad-model-duplicate',
    );
    const near = a.slice();
    near[0] = (near[0]! + 1) & 0xff;
    assert.equal(
      reason(() => ev.combine(parent, [a, near], 0)),
      'bad-model-duplicate',
    );
  });

  it('compare lists the disagreements; correctOn agrees with it', () => {
    const child = ev.combine(parent, [improvingDelta(parent)], 0).model;
    const seed = testSeed(3, 9);
    const c = ev.compare(parent, child, seed, 2000, []);
    assert.equal(c.disagreements.length, c.parentOnly + c.childOnly);
    assert.equal(
      c.childRight.reduce((x, y) => x + y, 0),
      c.childOnly,
    );
    for (let k = 1; k < c.disagreements.length; k++) assert.ok(c.disagreements[k]! > c.disagreements[k - 1]!);
    assert.deepEqual(ev.correctOn([child], seed, 2000, [], c.disagreements)[0]!, c.childRight);
    assert.deepEqual(
      ev.correctOn([parent], seed, 2000, [], c.disagreements)[0]!,
      c.childRight.map((v) => 1 - v),
    );
    const all = Uint32Array.from({ length: 2000 }, (_, i) => i);
    assert.equal(
      ev.correctOn([child], seed, 2000, [], all)[0]!.reduce((x, y) => x + y, 0),
      c.newScore,
    );
  });
});
