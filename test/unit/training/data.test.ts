import { strict as assert } from 'node:assert';
import { DIGIT_EVAL_POOL, digitSplits } from '../../../training/data/digits.js';
import { mathAnswer, mathFeatures, mathTaskFrom } from '../../../training/data/math.js';
import { TEXT_EVAL_POOL, textFeatures, textSplits } from '../../../training/data/text.js';
import { permutation, Xoshiro128 } from '../../../training/prng.js';
import { LocalShard } from '../../../training/shard.js';

describe('training/data', () => {
  it('digits: 10,000 pinned images, 2,000 held out, 7-bit pixels', () => {
    const s = digitSplits();
    assert.equal(s.evalPool.n, DIGIT_EVAL_POOL);
    assert.equal(s.evalPool.n + s.train.n, 10_000);
    assert.ok(s.train.images.every((v) => v <= 127));
    assert.ok(s.evalPool.labels.every((l) => l <= 9));
  });

  it('text: deduplicated SpamAssassin features, 1,200 held out, both classes in each split', () => {
    const s = textSplits();
    assert.equal(s.evalPool.n, TEXT_EVAL_POOL);
    assert.equal(s.evalPool.n + s.train.n, 5933);
    for (const set of [s.evalPool, s.train]) {
      const spam = set.labels.reduce((a, b) => a + b, 0);
      assert.ok(spam > set.n * 0.2 && spam < set.n * 0.5);
      assert.ok(set.val.every((v) => v === 42 || v === 84 || v === 126));
    }
  });

  it('text features: ASCII-only lower-casing, subject salted apart from the body', () => {
    const a = textFeatures('Subject: FREE money\n\nfree MONEY now');
    const b = textFeatures('Subject: free MONEY\n\nFREE money now');
    assert.deepEqual(a, b);
    const c = textFeatures('Subject: x\n\nfree money now');
    assert.notDeepEqual(a, c);
    assert.deepEqual(textFeatures('Subject: x\n\ncafé'), textFeatures('Subject: x\n\ncaf'));
  });

  it('math: the bin of a ± b, one-hot digits', () => {
    const t = { op: 0, a: 987, b: 654 } as const;
    assert.equal(mathAnswer(t), 8); // 1641 / 200
    assert.equal(mathAnswer({ op: 1, a: 5, b: 999 }), 0); // 5 − 999 + 999 = 5
    assert.equal(mathAnswer({ op: 1, a: 999, b: 0 }), 9); // 1998
    const idx = new Uint16Array(7);
    mathFeatures(t, idx, 0);
    assert.deepEqual([...idx], [0, 2 + 7, 12 + 8, 22 + 9, 32 + 4, 42 + 5, 52 + 6]);
    for (let i = 0; i < 1000; i++) {
      const r = mathTaskFrom(i * 2654435761, i * 40503);
      assert.ok(r.a >= 0 && r.a < 1000 && r.b >= 0 && r.b < 1000);
    }
  });

  it('shards are disjoint slices of the training split', () => {
    const a = new LocalShard({ index: 0, count: 2 }, 'a').sizes;
    const b = new LocalShard({ index: 1, count: 2 }, 'b').sizes;
    assert.equal(a.digits + b.digits, digitSplits().train.n);
    assert.equal(a.text + b.text, textSplits().train.n);
  });

  it('seeded PRNG and permutations are reproducible', () => {
    assert.deepEqual(permutation(50, new Xoshiro128('x')), permutation(50, new Xoshiro128('x')));
    assert.notDeepEqual(permutation(50, new Xoshiro128('x')), permutation(50, new Xoshiro128('y')));
    // the generator also fixes the genesis weights, whose hash model.test.ts pins
    const r = new Xoshiro128('qenex');
    const xs = Array.from({ length: 1000 }, () => r.below(10));
    for (let v = 0; v < 10; v++) assert.ok(xs.filter((x) => x === v).length > 60);
  });
});
