import { strict as assert } from 'node:assert';
import { blocksCsv, samplesCsv } from '../../../scripts/soak/csv.js';
import { ModelInfoShapeError, parseModelInfo } from '../../../scripts/soak/modelInfo.js';
import { summarize } from '../../../scripts/soak/summary.js';
import type { SoakBlock, SoakSample } from '../../../scripts/soak/types.js';

function sample(elapsedS: number, height: number, level: number | null, accuracy: number): SoakSample {
  return {
    elapsedS,
    timeIso: new Date(1_800_000_000_000 + elapsedS * 1000).toISOString(),
    node: 0,
    height,
    modelVersion: height,
    parameters: 1000,
    domains: [{ domain: 'digits', level, correct: accuracy * 100, total: 100, accuracy }],
  };
}

function block(height: number, elapsedS: number, ppm: number): SoakBlock {
  return {
    height,
    hash: 'ab'.repeat(32),
    time: 1_800_000_000 + elapsedS,
    elapsedS,
    improvementPpm: ppm,
    claimedPpm: ppm,
    contributors: 2,
    contributorPay: 1.5,
  };
}

describe('scripts/soak data', () => {
  it('parses getmodelinfo with per-domain levels and held-out scores', () => {
    const info = parseModelInfo({
      modelversion: 7,
      parameters: 12_345,
      domains: [{ domain: 'digits', level: 2, heldout: { correct: 90, total: 100, accuracy: 0.9 } }],
    });
    assert.equal(info.legacy, false);
    assert.deepEqual(info.domains, [{ domain: 'digits', level: 2, correct: 90, total: 100, accuracy: 0.9 }]);
  });

  it('rejects a getmodelinfo answer of another shape with a clear error', () => {
    assert.throws(
      () => parseModelInfo({ modelversion: 1, parameters: 1, domains: [{ domain: 'digits', level: 1 }] }),
      (e: unknown) => e instanceof ModelInfoShapeError && /heldout/.test(e.message),
    );
  });

  it('summarizes updates per window, the last half and level changes', () => {
    const samples = [
      sample(0, 0, 0, 0.1),
      sample(600, 300, 0, 0.5),
      sample(900, 450, 1, 0.6),
      sample(1200, 600, 1, 0.7),
    ];
    const blocks = [block(10, 20, 5000), block(20, 700, 300), block(30, 1100, 100)];
    const s = summarize({
      nodes: 2,
      plannedMinutes: 20,
      durationS: 1200,
      complete: true,
      samples,
      failedPolls: 0,
      blocks,
    });
    assert.deepEqual(
      s.updatesPerWindow.map((w) => [w.fromMin, w.toMin, w.updates]),
      [
        [0, 10, 1],
        [10, 20, 2],
      ],
    );
    assert.equal(s.updatesLastHalf, 2);
    assert.equal(s.updatesFirstHalf, 1);
    // last half 600..1200 s with updates at 700 and 1100: the longest gap is 700 → 1100, 6.67 min
    assert.equal(s.longestGapLastHalfMin, 6.67);
    assert.equal(s.atHalf?.height, 300);
    assert.equal(s.atEnd?.domains.digits?.accuracy, 0.7);
    assert.deepEqual(
      s.levelChanges.map((c) => [c.domain, c.from, c.to, c.height]),
      [['digits', 0, 1, 450]],
    );
    assert.equal(s.totalImprovementPpm, 5400);
  });

  it('writes CSV rows with a column group per domain', () => {
    const csv = samplesCsv([sample(0, 0, null, 0.25)])
      .trim()
      .split('\n');
    assert.equal(
      csv[0],
      'elapsed_s,time_iso,node,height,modelversion,parameters,digits_accuracy,digits_correct,digits_total,digits_level',
    );
    assert.equal(csv[1]!.split(',').length, 10);
    assert.equal(
      blocksCsv([block(5, 10, 42)])
        .trim()
        .split('\n').length,
      2,
    );
  });
});
