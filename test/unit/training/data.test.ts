import { strict as assert } from 'node:assert';
import { MATH_INPUTS } from '../../../training/arch.js';
import { DIGIT_EVAL_POOL, DIGIT_INPUTS, DIGIT_SIDE, digitSplits } from '../../../training/data/digits.js';
import {
  LM_ACTIVE,
  LM_CHUNK,
  LM_HELD_OUT_PERIOD,
  LM_INPUTS,
  LM_SEPARATOR,
  LM_SHA256,
  LM_VOCAB,
  lmCorpus,
  lmFeatures,
  lmHeldOutPositions,
  lmIsHeldOut,
  lmPublicPosition,
  lmShardChunks,
  lmShardPosition,
} from '../../../training/data/lm.js';
import {
  MATH_LEVELS,
  MATH_MAX_ACTIVE,
  MATH_MAX_LEVEL,
  mathAnswer,
  mathBin,
  mathFeatures,
  mathRange,
  mathTaskFrom,
} from '../../../training/data/math.js';
import { permutation, Xoshiro128 } from '../../../training/prng.js';

/** The ordinal of corpus chunk k among the public chunks (k must be public). */
const publicOrdinal = (k: number): number => k - Math.floor(k / LM_HELD_OUT_PERIOD);
const chunkOf = (pos: number): number => Math.floor(pos / LM_CHUNK);

function features(classes: Uint8Array, pos: number): number[] {
  const out = new Uint16Array(LM_ACTIVE);
  lmFeatures(classes, pos, out, 0);
  return [...out];
}

function assertAscendingIn(xs: ArrayLike<number>, limit: number, what: string): void {
  for (let i = 0; i < xs.length; i++) {
    assert.ok(xs[i]! >= 0 && xs[i]! < limit, `${what}: feature ${xs[i]} out of [0, ${limit})`);
    if (i > 0)
      assert.ok(xs[i]! > xs[i - 1]!, `${what}: features not strictly ascending: ${[...Array.from(xs)]}`);
  }
}

describe('training/data', () => {
  describe('lm corpus', () => {
    it('is pinned: sha256, documents, English and code sizes, public and held-out chunks', () => {
      const c = lmCorpus();
      assert.equal(c.sha256, LM_SHA256);
      assert.equal(LM_SHA256, '513286bc4fb0fbdc18dfad7f24e090a4eb693819841631603a3a306e1ac719d4');
      assert.equal(c.n, 6_503_415);
      assert.equal(c.classes.length, c.n);
      assert.equal(c.documents, 620); // 500 Brown files + 120 lodash documents
      assert.equal(c.englishBytes, 5_958_941);
      assert.equal(c.codeBytes, 543_855);
      // n = every class + one separator between consecutive documents
      assert.equal(c.englishBytes + c.codeBytes + c.documents - 1, c.n);
      assert.equal(c.codeStart, c.englishBytes + 500);
      assert.equal(c.classes[c.codeStart - 1], LM_SEPARATOR);
      assert.equal(c.publicPositions, 6_179_831);
      assert.equal(c.heldOutPositions, 323_584);
      assert.equal(c.publicPositions + c.heldOutPositions, c.n);
      assert.equal(c.publicChunks, 1509);
      let separators = 0;
      for (const v of c.classes) {
        if (v === LM_SEPARATOR) separators++;
        else assert.ok(v < LM_VOCAB);
      }
      assert.equal(separators, c.documents - 1);
      assert.notEqual(c.classes[0], LM_SEPARATOR);
      assert.notEqual(c.classes[c.n - 1], LM_SEPARATOR);
    });

    it('lmPublicPosition never returns a held-out chunk or a separator (10,000 random u32 and the ends)', () => {
      const c = lmCorpus();
      const rng = new Xoshiro128('test/data/public');
      const us = [
        0,
        1,
        0x7fffffff,
        0xfffffffe,
        0xffffffff,
        ...Array.from({ length: 10_000 }, () => rng.nextU32()),
      ];
      const chunks = new Set<number>();
      for (const u of us) {
        const pos = lmPublicPosition(u);
        assert.ok(Number.isInteger(pos) && pos >= 0 && pos < c.n, `${u} -> ${pos}`);
        assert.ok(!lmIsHeldOut(pos), `u ${u} drew held-out position ${pos}`);
        assert.notEqual(chunkOf(pos) % LM_HELD_OUT_PERIOD, LM_HELD_OUT_PERIOD - 1);
        assert.ok(c.classes[pos]! < LM_VOCAB, `u ${u} drew a separator at ${pos}`);
        chunks.add(chunkOf(pos));
      }
      // and it spreads over the corpus (10,000 draws over 1,509 public chunks)
      assert.ok(chunks.size > 1400, `${chunks.size} chunks drawn`);
      assert.equal(lmPublicPosition(0), 0);
    });

    it('held-out positions are in held-out chunks only, and never separators', () => {
      const c = lmCorpus();
      const held = lmHeldOutPositions(8192);
      for (const pos of held) {
        assert.ok(lmIsHeldOut(pos), `${pos}`);
        assert.ok(c.classes[pos]! < LM_VOCAB);
      }
      assert.equal(new Set(held).size, held.length);
    });

    it('lmShardPosition stays in its shard’s public chunks; the shards partition the public chunks', () => {
      const c = lmCorpus();
      const count = 3;
      const seen: Set<number>[] = [];
      for (let index = 0; index < count; index++) {
        const shard = { index, count };
        const rng = new Xoshiro128(`test/data/shard/${index}`);
        const chunks = new Set<number>();
        for (let i = 0; i < 10_000; i++) {
          const u = i < 2 ? (i === 0 ? 0 : 0xffffffff) : rng.nextU32();
          const pos = lmShardPosition(shard, u);
          assert.ok(pos >= 0 && pos < c.n);
          assert.ok(!lmIsHeldOut(pos), `shard ${index} drew held-out position ${pos}`);
          assert.equal(publicOrdinal(chunkOf(pos)) % count, index, `shard ${index}: position ${pos}`);
          assert.ok(c.classes[pos]! < LM_VOCAB);
          chunks.add(chunkOf(pos));
        }
        assert.ok(
          chunks.size > 450,
          `shard ${index}: ${chunks.size} of ${lmShardChunks(shard)} chunks drawn`,
        );
        seen.push(chunks);
      }
      for (let a = 0; a < count; a++)
        for (let b = a + 1; b < count; b++) for (const k of seen[a]!) assert.ok(!seen[b]!.has(k));
      assert.equal(
        [0, 1, 2].reduce((s, index) => s + lmShardChunks({ index, count }), 0),
        c.publicChunks,
      );
      assert.equal(lmShardChunks({ index: 0, count: 1 }), c.publicChunks);
    });

    it('lmFeatures: LM_ACTIVE distinct ascending indices below LM_INPUTS', () => {
      const c = lmCorpus();
      const rng = new Xoshiro128('test/data/features');
      const positions = [0, 1, c.codeStart, c.n - 1, ...Array.from({ length: 5000 }, () => rng.below(c.n))];
      for (const pos of positions) {
        if (c.classes[pos] === LM_SEPARATOR) continue;
        const f = features(c.classes, pos);
        assert.equal(f.length, LM_ACTIVE);
        assertAscendingIn(f, LM_INPUTS, `position ${pos}`);
      }
    });

    it('context never crosses a document separator', () => {
      const c = lmCorpus();
      const atStart = features(c.classes, 0);
      let checked = 0;
      for (let s = 0; s < c.n; s++) {
        if (c.classes[s] !== LM_SEPARATOR) continue;
        // a document's first character sees the same (empty) context as the corpus's first one
        assert.deepEqual(features(c.classes, s + 1), atStart, `document after separator ${s}`);
        // and the first 40 positions of every document see only that document: the same
        // features as with the document alone (nothing before it)
        const doc = c.classes.subarray(s + 1);
        for (let k = 1; k < 40 && doc[k] !== LM_SEPARATOR; k++) {
          assert.deepEqual(features(c.classes, s + 1 + k), features(doc, k), `separator ${s}, offset ${k}`);
          checked++;
        }
      }
      assert.ok(checked > 600 * 39, `${checked} positions checked`);
      // not vacuous: context does reach back within a document
      assert.notDeepEqual(features(c.classes, 100), features(c.classes.subarray(90), 10));
    });
  });

  describe('math', () => {
    it('the bin of a level-0 task; one-hot operator slot and digits (ones first)', () => {
      const t = { level: 0, x: [987, 654], op: [0] } as const;
      assert.equal(mathAnswer(t), 8); // 1641 in [0, 1998]: ⌊10 · 1641 / 1999⌋
      assert.equal(mathAnswer({ level: 0, x: [5, 999], op: [1] }), 0); // −994 in [−999, 999]
      assert.equal(mathAnswer({ level: 0, x: [999, 0], op: [1] }), 9); // 999 in [−999, 999]
      const idx = new Uint16Array(MATH_MAX_ACTIVE);
      assert.equal(mathFeatures(t, idx, 0), 7);
      assert.deepEqual([...idx.subarray(0, 7)], [0, 6 + 7, 16 + 8, 26 + 9, 66 + 4, 76 + 5, 86 + 6]);
      // level 6 has ×: 12 × 34 = 408 in [0, 998001]
      assert.equal(mathAnswer({ level: 6, x: [12, 34], op: [2] }), 0);
      assert.equal(mathAnswer({ level: 6, x: [999, 999], op: [2] }), 9);
    });

    it('finer precision: the answer is the last digit of the bin at 10^p bins; ranges stay exact', () => {
      // 987 + 654 = 1641 in [0, 1998] (1,999 values)
      assert.equal(MATH_LEVELS[10]!.precision, 2);
      assert.equal(MATH_LEVELS[16]!.precision, 3);
      assert.equal(mathBin({ level: 10, x: [987, 654], op: [0] }), 82); // ⌊100 · 1641 / 1999⌋
      assert.equal(mathAnswer({ level: 10, x: [987, 654], op: [0] }), 2);
      assert.equal(mathBin({ level: 16, x: [987, 654], op: [0] }), 820); // ⌊1000 · 1641 / 1999⌋
      assert.equal(mathAnswer({ level: 16, x: [987, 654], op: [0] }), 0);
      assert.equal(mathAnswer({ level: 16, x: [987, 656], op: [0] }), 1, 'two more: the next bin');
      assert.equal(mathAnswer({ level: 0, x: [987, 654], op: [0] }), 8, 'precision 1 as before');
      // the coarse digits of a finer bin are the coarser bin
      assert.equal(Math.floor(mathBin({ level: 10, x: [987, 654], op: [0] }) / 10), 8);
      MATH_LEVELS.forEach((L, level) => {
        if (L.precision === 1) return;
        const t = mathTaskFrom(level, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
        const [lo, hi] = mathRange(t);
        assert.ok(hi - lo + 1 >= 10 ** L.precision, `level ${level}: fewer values than bins`);
        assert.ok(10 ** L.precision * (hi - lo) < 2 ** 53, `level ${level}: inexact in doubles`);
      });
    });

    for (let level = 0; level <= MATH_MAX_LEVEL; level++) {
      const L = MATH_LEVELS[level]!;
      it(`level ${level} (${L.terms} terms of ${L.digits} digits, ${L.ops} operators): answers 0..9, every bin, features`, () => {
        const rng = new Xoshiro128(`test/data/math/${level}`);
        const bins = new Array<number>(10).fill(0);
        const ops = new Set<number>();
        const idx = new Uint16Array(MATH_MAX_ACTIVE);
        for (let i = 0; i < 2000; i++) {
          const t = mathTaskFrom(level, rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32());
          assert.equal(t.x.length, L.terms);
          assert.equal(t.op.length, L.terms - 1);
          for (const x of t.x) assert.ok(Number.isInteger(x) && x >= 0 && x < 10 ** L.digits);
          for (const o of t.op) {
            assert.ok(o >= 0 && o < L.ops);
            ops.add(o);
          }
          const a = mathAnswer(t);
          assert.ok(Number.isInteger(a) && a >= 0 && a <= 9, `level ${level}: answer ${a}`);
          bins[a]!++;
          idx.fill(0);
          const n = mathFeatures(t, idx, 0);
          assert.equal(n, L.terms * L.digits + L.terms - 1);
          assertAscendingIn(idx.subarray(0, n), MATH_INPUTS, `level ${level} task ${t.x}/${t.op}`);
        }
        assert.ok(
          bins.every((b) => b > 0),
          `level ${level}: bins ${bins}`,
        );
        assert.equal(ops.size, L.ops);
      });
    }

    it('mathFeatures writes at the offset and returns the count written', () => {
      const t = mathTaskFrom(3, 1, 2, 3, 4);
      const a = new Uint16Array(MATH_MAX_ACTIVE);
      const b = new Uint16Array(MATH_MAX_ACTIVE + 5);
      const n = mathFeatures(t, a, 0);
      assert.equal(mathFeatures(t, b, 5), n);
      assert.deepEqual(b.subarray(5, 5 + n), a.subarray(0, n));
    });
  });

  describe('digits (reference workload, not consensus)', () => {
    it('10,000 pinned images, 2,000 held out, 7-bit 14×14 pixels', () => {
      const s = digitSplits();
      assert.equal(DIGIT_SIDE, 14);
      assert.equal(DIGIT_INPUTS, 196);
      assert.equal(s.evalPool.n, DIGIT_EVAL_POOL);
      assert.equal(s.evalPool.n + s.train.n, 10_000);
      assert.equal(s.train.images.length, s.train.n * DIGIT_INPUTS);
      assert.ok(s.train.images.every((v) => v <= 127));
      assert.ok(s.evalPool.labels.every((l) => l <= 9));
      assert.equal(new Set(s.train.labels).size, 10);
    });
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
