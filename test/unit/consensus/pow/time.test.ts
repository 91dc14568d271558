import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../../consensus/errors.js';
import { checkBlockTime, medianTimePast } from '../../../../consensus/pow/time.js';
import { testParams } from '../../../utils/params.js';

const verdict = (reason: string, level: string) => (e: unknown) =>
  e instanceof VerdictError && e.reason === reason && e.level === level;

describe('consensus/pow/time', () => {
  const params = testParams();

  describe('medianTimePast', () => {
    it('median of 11 ascending times is the 6th', () => {
      const times = Array.from({ length: 11 }, (_, i) => 1000 + i * 10);
      assert.equal(medianTimePast(times, params), 1050);
    });

    it('uses only the last medianTimeSpan times', () => {
      const times = [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100,
      ];
      assert.equal(medianTimePast(times, params), 600);
      assert.equal(medianTimePast(times, { medianTimeSpan: 3 }), 1000);
    });

    it('sorts: out-of-order times give the same median', () => {
      assert.equal(medianTimePast([50, 10, 40, 20, 30], params), 30);
    });

    it('fewer times near genesis; even count takes the upper middle (index n/2, as Bitcoin)', () => {
      assert.equal(medianTimePast([7], params), 7);
      assert.equal(medianTimePast([10, 20], params), 20);
      assert.equal(medianTimePast([10, 20, 30, 40], params), 30);
    });

    it('does not mutate its input', () => {
      const times = [3, 1, 2];
      medianTimePast(times, params);
      assert.deepEqual(times, [3, 1, 2]);
    });

    it('equals a reference median on random windows', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 40 }),
          (ts) => {
            const w = ts.slice(-11).sort((a, b) => a - b);
            const m = medianTimePast(ts, params);
            return m === w[Math.floor(w.length / 2)] && w.filter((t) => t < m).length <= w.length / 2;
          },
        ),
      );
    });

    it('rejects an empty chain', () => {
      assert.throws(() => medianTimePast([], params), verdict('time-too-old', 'invalid'));
    });
  });

  describe('checkBlockTime', () => {
    const mtp = 1_700_000_000;
    const now = 1_700_001_000;

    it('accepts mtp + 1 and now + maxFutureDrift', () => {
      checkBlockTime(mtp + 1, mtp, now, params);
      checkBlockTime(now + params.maxFutureDrift, mtp, now, params);
    });

    it("'time-too-old' (invalid) when time <= median time past", () => {
      assert.throws(() => checkBlockTime(mtp, mtp, now, params), verdict('time-too-old', 'invalid'));
      assert.throws(() => checkBlockTime(mtp - 100, mtp, now, params), verdict('time-too-old', 'invalid'));
    });

    it("'time-too-new' (context, not punishable) when time > now + maxFutureDrift", () => {
      assert.throws(
        () => checkBlockTime(now + params.maxFutureDrift + 1, mtp, now, params),
        verdict('time-too-new', 'context'),
      );
    });

    it('the same block becomes acceptable once the clock catches up', () => {
      const t = now + params.maxFutureDrift + 1;
      assert.throws(() => checkBlockTime(t, mtp, now, params), verdict('time-too-new', 'context'));
      checkBlockTime(t, mtp, now + 1, params);
    });
  });
});
