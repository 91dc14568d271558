import { strict as assert } from 'node:assert';
import { type Comparison, evaluationSeed } from '../../../../consensus/index.js';
import { NO_GROWTH } from '../../../../training/arch.js';
import { encodeDelta } from '../../../../training/delta.js';
import { TrainingError } from '../../../../training/errors.js';
import { createNetworkEvaluator, type NetworkEvaluator } from '../../../../training/evaluator.js';
import { jsKernel, type ScoreKernel } from '../../../../training/kernel/index.js';
import { LocalTrainer } from '../../../../training/local.js';
import { type NetworkModel, networkModelHash } from '../../../../training/model.js';
import { ScoreHelper } from '../../../../training/parallel/helper.js';
import { Xoshiro128 } from '../../../../training/prng.js';
import {
  domainCount,
  evalBatch,
  sampleDomain,
  sampleIndex,
  sampleRow,
} from '../../../../training/sampling.js';
import { partlyTrainedModel, testSeed, wasmKernel } from '../helpers.js';
import { randomDelta } from './helpers.js';

const COUNT = 4096;
const LEVELS = [0];

/** 1 where `model` answers sample i of the seed's batch correctly, from the kernel's predictions. */
function correctBySample(k: ScoreKernel, model: NetworkModel, seed: Uint8Array, count: number): Uint8Array {
  const batch = evalBatch(seed, count, LEVELS);
  const out = new Uint8Array(count);
  batch.domains.forEach((set, d) => {
    const preds = new Uint8Array(set.n);
    k.scoreHead(model.heads[d]!, set, preds);
    for (let r = 0; r < set.n; r++) out[sampleIndex(d, r)] = preds[r] === set.labels[r] ? 1 : 0;
  });
  return out;
}

/** A compressed delta of a short training round from `base` (as a node's trainer sends it). */
function trainedDelta(base: NetworkModel, shard: number, seed: string): Uint8Array {
  const t = new LocalTrainer({ shard: { index: shard, count: 6 }, seed, deltaDensity: 1 / 128 });
  t.setBase(base, LEVELS);
  t.train(3000);
  return encodeDelta(t.delta());
}

function checkComparison(
  c: Comparison,
  parentRight: Uint8Array,
  childRight: Uint8Array,
  count: number,
): void {
  assert.equal(c.disagreements.length, c.parentOnly + c.childOnly);
  assert.equal(c.childRight.length, c.disagreements.length);
  let childOnly = 0;
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (parentRight[i] === childRight[i]) continue;
    assert.equal(c.disagreements[k], i, `disagreement ${k}`);
    assert.equal(c.childRight[k], childRight[i]);
    childOnly += childRight[i]!;
    k++;
  }
  assert.equal(k, c.disagreements.length);
  assert.equal(childOnly, c.childOnly);
}

describe('training/federation evaluator (combine, compare disagreements, correctOn)', function () {
  this.timeout(120_000);
  const js = createNetworkEvaluator({ kernel: jsKernel });
  let wasm: NetworkEvaluator;
  let parent: NetworkModel;
  let deltas: Uint8Array[];
  before(() => {
    wasm = createNetworkEvaluator({ kernel: wasmKernel() });
    parent = partlyTrainedModel();
    deltas = [0, 1, 2].map((i) => trainedDelta(parent, i + 1, `fed-eval/${i}`));
  });

  it('maps sample indices to domain rows and back', () => {
    const rows = [0, 0];
    for (let i = 0; i < 10_000; i++) {
      const d = sampleDomain(i);
      assert.equal(sampleRow(i), rows[d], `sample ${i}`);
      assert.equal(sampleIndex(d, rows[d]!), i);
      rows[d]!++;
    }
    assert.deepEqual(rows, [domainCount(10_000, 0), domainCount(10_000, 1)]);
  });

  it('combines through the evaluator: rules, and one contribution is applyDelta', () => {
    assert.deepEqual([...js.rules], ['sparse-mean', 'mean']);
    for (const rule of [0, 1]) {
      assert.deepEqual(
        networkModelHash(js.combine(parent, [deltas[0]!], rule).model),
        networkModelHash(js.applyDelta(parent, deltas[0]!)),
      );
    }
  });

  it('compare lists the disagreements in sample order, with who is right (both kernels)', () => {
    const child = js.combine(parent, deltas, 0).model;
    for (let s = 0; s < 3; s++) {
      const seed = evaluationSeed(testSeed(s, 7));
      const pr = correctBySample(jsKernel, parent, seed, COUNT);
      const cr = correctBySample(jsKernel, child, seed, COUNT);
      const cj = js.compare(parent, child, seed, COUNT, LEVELS);
      const cw = wasm.compare(parent, child, seed, COUNT, LEVELS);
      assert.ok(cj.parentOnly + cj.childOnly > 0);
      checkComparison(cj, pr, cr, COUNT);
      assert.deepEqual(cw, cj);
    }
    // one head changed: every disagreement is a sample of that domain
    const mathOnly: NetworkModel = { ...parent, heads: [parent.heads[0]!, child.heads[1]!] };
    const c = js.compare(parent, mathOnly, evaluationSeed(testSeed(9, 7)), COUNT, LEVELS);
    assert.ok(c.disagreements.length > 0);
    assert.ok(c.disagreements.every((i) => sampleDomain(i) === 1));
    // no change, no disagreement
    const same = js.compare(parent, parent, evaluationSeed(testSeed(9, 7)), COUNT, LEVELS);
    assert.equal(same.disagreements.length, 0);
    assert.equal(same.childRight.length, 0);
  });

  it('correctOn scores exactly the listed samples, like full scoring (both kernels)', () => {
    const c = js.combine(parent, deltas, 1);
    const models = [parent, c.model, c.without(0), c.without(2)];
    const rng = new Xoshiro128('correctOn');
    for (let s = 0; s < 3; s++) {
      const seed = evaluationSeed(testSeed(s, 8));
      const all = Uint32Array.from({ length: COUNT }, (_, i) => i);
      const some = all.filter(() => rng.below(5) === 0);
      for (const m of models) {
        const full = correctBySample(jsKernel, m, seed, COUNT);
        for (const ev of [js, wasm]) {
          const right = ev.correctOn([m], seed, COUNT, LEVELS, some)[0]!;
          assert.deepEqual(
            right,
            Uint8Array.from(some, (i) => full[i]!),
          );
          const every = ev.correctOn([m], seed, COUNT, LEVELS, all)[0]!;
          assert.equal(
            every.reduce((a, b) => a + b, 0),
            ev.score(m, seed, COUNT, LEVELS),
          );
        }
      }
      assert.deepEqual(
        js.correctOn([parent], seed, COUNT, LEVELS, new Uint32Array(0))[0]!,
        new Uint8Array(0),
      );
    }
  });

  it('correctOn on the disagreements reproduces childRight for the child and its opposite for the parent', () => {
    const c = js.combine(parent, deltas, 0);
    const seed = evaluationSeed(testSeed(4, 8));
    const cmp = js.compare(parent, c.model, seed, COUNT, LEVELS);
    assert.deepEqual(js.correctOn([c.model], seed, COUNT, LEVELS, cmp.disagreements)[0]!, cmp.childRight);
    assert.deepEqual(
      js.correctOn([parent], seed, COUNT, LEVELS, cmp.disagreements)[0]!,
      cmp.childRight.map((v) => 1 - v),
    );
  });

  it('correctOn rejects samples out of order or out of range', () => {
    const seed = evaluationSeed(testSeed(5, 8));
    for (const bad of [Uint32Array.of(3, 2), Uint32Array.of(1, 1), Uint32Array.of(COUNT)]) {
      assert.throws(
        () => js.correctOn([parent], seed, COUNT, LEVELS, bad)[0]!,
        (e: unknown) => e instanceof TrainingError && e.type.code === 'TRAINING_BAD_OPTIONS',
      );
    }
  });

  it('the kernels agree on compare and correctOn for leave-one-out models of random contributions', () => {
    const bytes = [0, 1, 2, 3, 4].map((i) => encodeDelta(randomDelta(NO_GROWTH, `kernels/${i}`)));
    const seed = evaluationSeed(testSeed(6, 8));
    for (const rule of [0, 1]) {
      const c = wasm.combine(parent, bytes, rule);
      const cmp = wasm.compare(parent, c.model, seed, COUNT, LEVELS);
      assert.deepEqual(js.compare(parent, c.model, seed, COUNT, LEVELS), cmp);
      for (let i = 0; i < bytes.length; i++) {
        const w = c.without(i);
        assert.deepEqual(
          wasm.correctOn([w], seed, COUNT, LEVELS, cmp.disagreements)[0]!,
          js.correctOn([w], seed, COUNT, LEVELS, cmp.disagreements)[0]!,
        );
      }
    }
  });

  it('a scoring helper thread changes no result (compare, correctOn), and its failures fall back to this thread', async () => {
    // the worker runs the JS kernel, this thread WASM: the answers must still be identical
    const helper = await ScoreHelper.start({ kernel: 'js' });
    try {
      const par = createNetworkEvaluator({ kernel: wasmKernel(), helper });
      const bytes = [0, 1, 2, 3, 4].map((i) => encodeDelta(randomDelta(NO_GROWTH, `helper/${i}`)));
      for (let s = 0; s < 2; s++) {
        const seed = evaluationSeed(testSeed(11 + s, 8));
        const c = par.combine(parent, bytes, s);
        const cmp = par.compare(parent, c.model, seed, COUNT, LEVELS);
        assert.deepEqual(cmp, js.compare(parent, c.model, seed, COUNT, LEVELS));
        const without = bytes.map((_, i) => c.without(i));
        assert.deepEqual(
          par.correctOn(without, seed, COUNT, LEVELS, cmp.disagreements),
          js.correctOn(without, seed, COUNT, LEVELS, cmp.disagreements),
        );
      }
      // the child of each compare (both heads changed) and every other leave-one-out model,
      // answered by the worker or, not begun when wanted, taken back and scored here
      assert.equal(helper.done + helper.stolen, 2 * (2 + 2 * 2));
      assert.equal(helper.failed, 0);
      // a job the worker fails (no such domain) is answered null: the evaluator scores it itself
      const seed = evaluationSeed(testSeed(13, 8));
      const job = {
        seed,
        count: COUNT,
        levels: LEVELS,
        samples: null,
        head: parent.heads[0]!,
        losses: false,
      };
      const bad = helper.submit({ ...job, domain: 7, rows: 1 });
      await new Promise((r) => setTimeout(r, 200)); // the worker takes it and fails
      assert.equal(bad?.wait(), null);
      assert.equal(helper.failed, 1);
      assert.ok(helper.available, 'a failed job does not retire the helper');
      // behind a job the worker is busy with (~0.4 s on the JS kernel), a second one has not begun
      // when it is wanted: this thread takes it back (null: score it yourself)
      const big = 131_072;
      const bigRows = evalBatch(seed, big, LEVELS).domains[0]!.n;
      const stolenBefore = helper.stolen;
      const first = helper.submit({ ...job, count: big, domain: 0, rows: bigRows });
      await new Promise((r) => setTimeout(r, 100));
      const second = helper.submit({ ...job, domain: 0, rows: evalBatch(seed, COUNT, LEVELS).domains[0]!.n });
      assert.equal(second?.wait(), null);
      assert.equal(helper.stolen, stolenBefore + 1);
      assert.ok(first?.wait(), 'the job the worker began is answered');
      assert.ok(helper.available, 'a job taken back does not retire the helper');
      // a closed helper takes no jobs; the evaluator still gives the same answers alone
      await helper.close();
      assert.equal(helper.available, false);
      const child = par.combine(parent, bytes, 0).model;
      assert.deepEqual(
        par.compare(parent, child, seed, COUNT, LEVELS),
        js.compare(parent, child, seed, COUNT, LEVELS),
      );
    } finally {
      await helper.close();
    }
  });

  it('a lazy helper starts at its first job (scored by this thread) and takes the next ones', async () => {
    const helper = new ScoreHelper({ lazy: true, kernel: 'js' });
    try {
      const seed = evaluationSeed(testSeed(14, 8));
      const rows = evalBatch(seed, COUNT, LEVELS).domains[1]!.n;
      const job = {
        seed,
        count: COUNT,
        levels: LEVELS,
        domain: 1,
        samples: null,
        head: parent.heads[1]!,
        rows,
        losses: true,
      };
      assert.equal(helper.submit(job), null);
      for (let i = 0; i < 200 && !helper.available; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(helper.available, 'started in the background');
      const ticket = helper.submit(job);
      await new Promise((r) => setTimeout(r, 500)); // begun (and done) by the worker, not taken back
      const answer = ticket?.wait();
      const preds = new Uint8Array(rows);
      const losses = new Int32Array(rows);
      const set = evalBatch(seed, COUNT, LEVELS).domains[1]!;
      const correct = jsKernel.scoreHead(parent.heads[1]!, set, preds, losses);
      assert.deepEqual(answer, { correct, preds, losses });
      assert.ok(
        losses.some((l) => l > 0),
        'the worker computed the losses',
      );
    } finally {
      await helper.close();
    }
  });
});
