import { strict as assert } from 'node:assert';
import {
  type Comparison,
  devnetParams,
  type Evaluator,
  type GrowthWindow,
  isqrt,
  type ModelUpdate,
  sha256d,
  VerdictError,
  verifyImprovement,
} from '../../../../consensus/index.js';

/**
 * A stub evaluator whose models are numbers and whose comparison returns fixed counts, so each
 * rule of verifyImprovement is hit exactly at its boundary.
 */
function stub(c: Comparison, maxLevels: readonly number[] = [7]): Evaluator<number> {
  return {
    // a model "grows" from size m to m + 10, up to 20
    grow: (m, d) => (d === 0 && m + 10 <= 20 ? m + 10 : null),
    rules: ['sum'],
    // the combined model adds up the contributions' delta lengths
    combine: (p, ds) => ({
      model: p + ds.reduce((t, d) => t + d.length, 0),
      without: (i) => p + ds.reduce((t, d, j) => (j === i ? t : t + d.length), 0),
    }),
    correctOn: (ms, _s, _n, _l, samples) => ms.map(() => new Uint8Array(samples.length)),
    modelHash: (m) => sha256d(Uint8Array.of(m)),
    score: () => 0,
    compare: () => c,
    domains: 1,
    maxLevels,
    levelCheck: () => [],
    encodeModel: (m) => Uint8Array.of(m),
    decodeModel: (b) => b[0]!,
    initialModel: () => 0,
  };
}

const n = devnetParams.evalSamples; // 16,384
const parent = 0;
const parentHash = sha256d(Uint8Array.of(0));
const childHash = sha256d(Uint8Array.of(1));

function update(claimedPpm: number, levels: readonly number[] = [0]): ModelUpdate {
  return {
    baseModelHash: parentHash,
    claimedPpm,
    levels,
    grow: null,
    rule: 0,
    contributions: [contribution(Uint8Array.of(1))],
  };
}

/** A contribution carrying `delta` (signatures are block sanity's business, not checked here). */
function contribution(delta: Uint8Array) {
  return {
    payout: new Uint8Array(20),
    pubkey: new Uint8Array(32),
    samples: 1,
    delta,
    sig: new Uint8Array(64),
  };
}

const deltaLength = (u: ModelUpdate) => u.contributions.reduce((t, c) => t + c.delta.length, 0);

/** Verifies `u` on the model `from` (hash of [from]); a growth block commits to the grown model. */
function run(
  c: Comparison,
  u: ModelUpdate,
  levels: readonly number[] = [0],
  window: GrowthWindow | null = null,
  from = parent,
) {
  const fromHash = sha256d(Uint8Array.of(from));
  return verifyImprovement(
    stub(c),
    from,
    fromHash,
    { ...u, baseModelHash: fromHash },
    u.grow !== null ? sha256d(Uint8Array.of(from + 10)) : sha256d(Uint8Array.of(from + deltaLength(u))),
    new Uint8Array(32),
    levels,
    devnetParams,
    window,
  );
}

const growth: ModelUpdate = {
  baseModelHash: parentHash,
  claimedPpm: 0,
  levels: [0],
  grow: 0,
  rule: 0,
  contributions: [],
};

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerdictError) return e.reason;
    throw e;
  }
  return 'accepted';
}

/**
 * A comparison with `b` child-only and `c` parent-only answers around a base of 8,000 correct;
 * its log-loss sums are `loss`, by default a 0–1 loss (D = ±256 where the two disagree).
 */
function cmp(
  b: number,
  c: number,
  loss: Comparison['lossGain'] = { sum: 256 * (b - c), sumSq: 65_536 * (b + c) },
): Comparison {
  return {
    lossGain: loss,
    parentScore: 8000 + c,
    newScore: 8000 + b,
    parentOnly: c,
    childOnly: b,
    byDomain: [{ parent: 8000 + c, child: 8000 + b }],
    disagreements: Uint32Array.from({ length: b + c }, (_, i) => i),
    childRight: Uint8Array.from({ length: b + c }, (_, i) => (i < b ? 1 : 0)),
  };
}

describe('proof of improvement: significance and levels', () => {
  it('accepts a significant gain above the threshold and reports the disagreements', () => {
    // gain 200 on 1,000 disagreements (0–1 loss): t ≈ 200/√1000 = 6.3; 200/16384 = 12,207 ppm
    const r = run(cmp(600, 400), update(1000));
    assert.equal(r.improvementPpm, Math.floor((200 * 1e6) / n));
    assert.deepEqual([r.childOnly, r.parentOnly], [600, 400]);
  });

  it('bad-model-significance: a gain above the 0.1% threshold that sampling noise explains', () => {
    // gain 100 (6,103 ppm, six times the threshold) on 1,900 disagreements: t ≈ 2.29 < 3
    assert.equal(
      reason(() => run(cmp(1000, 900), update(1000))),
      'bad-model-significance',
    );
    // the same count gain, but the child's log-loss is higher than the parent's
    assert.equal(
      reason(() => run(cmp(600, 400, { sum: -5_000, sumSq: 50_000_000 }), update(1000))),
      'bad-model-significance',
    );
    // a loss gain that is large but spread so unevenly that its t stays below 3
    assert.equal(
      reason(() => run(cmp(600, 400, { sum: 100_000, sumSq: 20_000_000_000 }), update(1000))),
      'bad-model-significance',
    );
  });

  it('the paired log-loss test sits exactly at z = 3: S² · (n − 1) · 10⁴ ≥ 300² · (n·Q − S²)', () => {
    // n = 16,384: S²·(n + 8) = 9·n·Q holds for S = 147,456 and Q = 147,456 · 16,392
    assert.equal(n, 16_384);
    const S = 147_456;
    const Q = 147_456 * 16_392;
    assert.equal(
      reason(() => run(cmp(600, 400, { sum: S, sumSq: Q }), update(1000))),
      'accepted',
    );
    assert.equal(
      reason(() => run(cmp(600, 400, { sum: S, sumSq: Q + 1 }), update(1000))),
      'bad-model-significance',
    );
    // no loss gain at all is never significant, however it is spread
    assert.equal(
      reason(() => run(cmp(600, 400, { sum: 0, sumSq: 0 }), update(1000))),
      'bad-model-significance',
    );
  });

  it('bad-model-improvement: a significant gain below the threshold', () => {
    // gain 16 with no disagreement against it: z = 4 but 976 ppm < 1000
    assert.equal(
      reason(() => run(cmp(16, 0), update(1000))),
      'bad-model-improvement',
    );
  });

  it('bad-model-claim: a claim above what every node measures', () => {
    const measured = Math.floor((200 * 1e6) / n);
    assert.equal(
      reason(() => run(cmp(600, 400), update(measured))),
      'accepted',
    );
    assert.equal(
      reason(() => run(cmp(600, 400), update(measured + 1))),
      'bad-model-claim',
    );
  });

  it('bad-model-level: the update must name the levels the chain is at after its parent', () => {
    assert.equal(
      reason(() => run(cmp(600, 400), update(1000, [1]), [0])),
      'bad-model-level',
    );
    assert.equal(
      reason(() => run(cmp(600, 400), update(1000, [0]), [1])),
      'bad-model-level',
    );
    assert.equal(
      reason(() => run(cmp(600, 400), update(1000, []), [0])),
      'bad-model-level',
    );
    assert.equal(
      reason(() => run(cmp(600, 400), update(1000, [1]), [1])),
      'accepted',
    );
  });

  const W = devnetParams.growthStallBlocks;
  /** A window whose only domain gained nothing: stalled. */
  const stalled: GrowthWindow = { sinceGrowth: W, gainPpm: [0] };

  it('capacity growth: valid once a domain stalled for growthStallBlocks, unscored, no bonus', () => {
    const r = run(cmp(0, 0), growth, [0], stalled);
    assert.equal(r.model, parent + 10);
    assert.equal(r.improvementPpm, 0);
    assert.deepEqual(r.gainPpm, []);
    // only the grown domain has to have stalled
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], { sinceGrowth: W, gainPpm: [999, 50_000] })),
      'accepted',
    );
    // a domain that did not stall cannot grow while another did; nor one that does not exist
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], { sinceGrowth: W, gainPpm: [5_000, 0] })),
      'bad-model-growth',
    );
    assert.equal(
      reason(() => run(cmp(0, 0), { ...growth, grow: 1 }, [0], stalled)),
      'bad-model-growth',
    );
  });

  it('bad-model-growth: growing while every domain improves, too soon after a growth, past the maximum size, or with a rule, claim or contributions', () => {
    const improving: GrowthWindow = { sinceGrowth: W, gainPpm: [devnetParams.growthStallPpm] };
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], improving)),
      'bad-model-growth',
    );
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], { sinceGrowth: W - 1, gainPpm: [0] })),
      'bad-model-growth',
    );
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], null)),
      'bad-model-growth',
    );
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], stalled, 20)),
      'bad-model-growth',
    );
    const withRule = { ...growth, rule: 1 };
    assert.equal(
      reason(() => run(cmp(0, 0), withRule, [0], stalled)),
      'bad-model-growth',
    );
    assert.equal(
      reason(() => run(cmp(0, 0), { ...growth, claimedPpm: 1000 }, [0], stalled)),
      'bad-model-growth',
    );
    const c = contribution(Uint8Array.of(1));
    assert.equal(
      reason(() => run(cmp(0, 0), { ...growth, contributions: [c] }, [0], stalled)),
      'bad-model-growth',
    );
    // a domain that does not exist, or one that did not stall while another did
    assert.equal(
      reason(() => run(cmp(0, 0), { ...growth, grow: 1 }, [0], stalled)),
      'bad-model-growth',
    );
    const two: GrowthWindow = { sinceGrowth: W, gainPpm: [5_000, 0] };
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [0], two)),
      'bad-model-growth',
    );
    // the levels are checked on growth updates too
    assert.equal(
      reason(() => run(cmp(0, 0), growth, [1], stalled)),
      'bad-model-level',
    );
  });

  it('bad-model-hash: a growth block committing to another model than the grown one', () => {
    const r = () =>
      verifyImprovement(
        stub(cmp(0, 0)),
        parent,
        parentHash,
        growth,
        childHash,
        new Uint8Array(32),
        [0],
        devnetParams,
        stalled,
      );
    assert.equal(reason(r), 'bad-model-hash');
  });

  it('records each domain’s verified gain in ppm of the evaluation samples', () => {
    const r = run(cmp(600, 400), update(1000));
    assert.deepEqual(r.gainPpm, [Math.floor((200 * 1e6) / n)]);
  });
});

describe('proof of improvement: contributions and credit', () => {
  // contributions with deltas of 1, 2 and 4 bytes: child 7, without(0) = 6, without(1) = 5, without(2) = 3
  const three: ModelUpdate = {
    ...update(1_000),
    contributions: [1, 2, 4].map((k) => contribution(new Uint8Array(k))),
  };
  // 6 disagreement samples; the child is right on the first 4, the parent on the last 2
  const base = cmp(200, 0);
  const six: Comparison = {
    ...base,
    disagreements: Uint32Array.of(3, 10, 11, 40, 41, 99),
    childRight: Uint8Array.of(1, 1, 1, 1, 0, 0),
  };
  const flags: Record<number, number[]> = {
    6: [0, 0, 1, 1, 0, 0], // without contribution 0: loses 2 gains → credit 2
    5: [1, 1, 1, 1, 1, 1], // without 1: keeps every gain and wins both losses back → −2, clipped to 0
    3: [0, 0, 0, 0, 0, 1], // without 2: loses all 4 gains, wins 1 loss back → 3
  };
  function creditStub(): Evaluator<number> {
    const e = stub(six);
    return {
      ...e,
      correctOn: (ms, _s, _n, _l, samples) => {
        assert.deepEqual([...samples], [...six.disagreements.subarray(0, samples.length)]);
        return ms.map((m) => Uint8Array.from(flags[m]!.slice(0, samples.length)));
      },
    };
  }
  // without the noise margin, to check the counting; the margin has its own test
  const exact = { ...devnetParams, creditZ100: 0 };
  const verify = (u: ModelUpdate, params = exact, header = sha256d(Uint8Array.of(7))) =>
    verifyImprovement(creditStub(), parent, parentHash, u, header, new Uint8Array(32), [0], params);

  it('credits each contribution with the gains that needed it less the losses it caused, clipped at 0', () => {
    assert.deepEqual(verify(three).credit, [2, 0, 3]);
  });

  it('measures the credit on the first creditSamples disagreements only', () => {
    assert.deepEqual(verify(three, { ...exact, creditSamples: 4 }).credit, [2, 0, 4]);
  });

  it('takes a noise margin of isqrt(z² · (gains + losses)) off each credit', () => {
    // contribution 0: g 2, l 0; contribution 2: g 4, l 1
    assert.deepEqual(verify(three, { ...exact, creditZ100: 100 }).credit, [2 - 1, 0, 3 - 2]);
    assert.deepEqual(verify(three, { ...exact, creditZ100: 50 }).credit, [2 - 0, 0, 3 - 1]);
    assert.deepEqual(verify(three, { ...exact, creditZ100: 200 }).credit, [0, 0, 0]);
    assert.deepEqual(isqrtTable(), [0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4]);
    assert.equal(isqrt(1_000_000), 1000);
    assert.equal(isqrt(999_999), 999);
  });

  it('bad-model-aggregate: the header commits to another model than the combined contributions', () => {
    assert.equal(
      reason(() => verify(three, exact, sha256d(Uint8Array.of(6)))),
      'bad-model-aggregate',
    );
  });

  it('bad-model-rule: a rule the evaluator does not know', () => {
    assert.equal(
      reason(() => verify({ ...three, rule: 1 })),
      'bad-model-rule',
    );
  });
});

function isqrtTable(): number[] {
  return Array.from({ length: 17 }, (_, n) => isqrt(n));
}
