import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../../consensus/errors.js';
import type { NetworkParams } from '../../../../consensus/params/types.js';
import { bitsToTarget, targetToBits } from '../../../../consensus/pow/compact.js';
import {
  checkBits,
  isRetargetHeight,
  nextBits,
  retargetStartHeight,
} from '../../../../consensus/pow/retarget.js';
import { testParams as baseParams } from '../../../utils/params.js';

/** Bitcoin mainnet's PoW parameters in a local NetworkParams (not a real qenex network). */
function testParams(overrides: Partial<NetworkParams> = {}): NetworkParams {
  return baseParams({ powLimitBits: 0x1d00ffff, ...overrides });
}

const bad = (e: unknown) => e instanceof VerdictError && e.reason === 'bad-diffbits' && e.level === 'invalid';

describe('consensus/pow/retarget', () => {
  const params = testParams();
  const expectedSpan = 2016 * 600;

  describe('Bitcoin Core pow_tests vectors (ctx.height = pindexLast height + 1)', () => {
    it('get_next_work: block 32256 -> 0x1d00d86a', () => {
      const ctx = {
        height: 32256,
        parentBits: 0x1d00ffff,
        parentTime: 1262152739,
        intervalStartTime: 1261130161,
      };
      assert.equal(nextBits(ctx, params), 0x1d00d86a);
    });

    it('get_next_work_pow_limit: slow period stays capped at powLimit 0x1d00ffff', () => {
      const ctx = {
        height: 2016,
        parentBits: 0x1d00ffff,
        parentTime: 1233061996,
        intervalStartTime: 1231006505,
      };
      assert.equal(nextBits(ctx, params), 0x1d00ffff);
    });

    it('get_next_work_lower_limit_actual: fast period clamped to expected/4 -> 0x1c0168fd', () => {
      const ctx = {
        height: 68544,
        parentBits: 0x1c05a3f4,
        parentTime: 1279297671,
        intervalStartTime: 1279008237,
      };
      assert.equal(nextBits(ctx, params), 0x1c0168fd);
    });

    it('get_next_work_upper_limit_actual: slow period clamped to expected*4 -> 0x1d00e1fd', () => {
      const ctx = {
        height: 48384,
        parentBits: 0x1c387f6f,
        parentTime: 1269211443,
        intervalStartTime: 1263163443,
      };
      assert.equal(nextBits(ctx, params), 0x1d00e1fd);
    });
  });

  describe('clamps', () => {
    const parentBits = 0x1c05a3f4;
    const parent = bitsToTarget(parentBits);
    const at = (span: number) =>
      nextBits(
        { height: 4032, parentBits, parentTime: 1_000_000 + span, intervalStartTime: 1_000_000 },
        params,
      );

    it('on-schedule period keeps the target', () => {
      assert.equal(at(expectedSpan), parentBits);
    });

    it('timespans below expected/4 (even zero or negative) give exactly target/4', () => {
      const quarter = targetToBits(parent / 4n);
      assert.equal(at(expectedSpan / 4), quarter);
      assert.equal(at(1), quarter);
      assert.equal(at(0), quarter);
      assert.equal(at(-5000), quarter);
      assert.notEqual(at(expectedSpan / 4 + 600), quarter);
    });

    it('timespans above expected*4 give exactly target*4', () => {
      const times4 = targetToBits(parent * 4n);
      assert.equal(at(expectedSpan * 4), times4);
      assert.equal(at(expectedSpan * 100), times4);
      assert.notEqual(at(expectedSpan * 4 - 600), times4);
    });

    it('twice as slow doubles the target (scaled from the decoded parent target)', () => {
      assert.equal(at(expectedSpan * 2), targetToBits(parent * 2n));
    });

    it('never exceeds powLimit', () => {
      const limit = bitsToTarget(params.powLimitBits);
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: limit }), fc.integer({ min: -1e6, max: 1e8 }), (t, span) => {
          const b = nextBits(
            { height: 2016, parentBits: targetToBits(t), parentTime: span, intervalStartTime: 0 },
            params,
          );
          return bitsToTarget(b) <= limit;
        }),
      );
    });
  });

  describe('non-retarget heights and noRetargeting', () => {
    it('between retargets the parent bits carry over, whatever the times', () => {
      for (const height of [1, 2015, 2017, 4031]) {
        const ctx = { height, parentBits: 0x1c05a3f4, parentTime: 10, intervalStartTime: 10_000_000 };
        assert.equal(nextBits(ctx, params), 0x1c05a3f4, String(height));
      }
    });

    it('noRetargeting keeps parent bits even at a retarget height', () => {
      const p = testParams({ noRetargeting: true, powLimitBits: 0x207fffff });
      const ctx = { height: 2016, parentBits: 0x207fffff, parentTime: 1, intervalStartTime: 0 };
      assert.equal(nextBits(ctx, p), 0x207fffff);
      assert.equal(nextBits(ctx, testParams({ powLimitBits: 0x207fffff })), 0x201fffff);
      assert.equal(isRetargetHeight(2016, p), false);
    });

    it('retargetStartHeight names the block whose time is intervalStartTime', () => {
      assert.equal(retargetStartHeight(2016, params), 0);
      assert.equal(retargetStartHeight(32256, params), 30240);
      assert.equal(retargetStartHeight(32257, params), null);
      assert.equal(retargetStartHeight(0, params), null);
    });

    it("rejects height < 1 and invalid parent bits with 'bad-diffbits'", () => {
      const ctx = { height: 0, parentBits: 0x1d00ffff, parentTime: 0, intervalStartTime: 0 };
      assert.throws(() => nextBits(ctx, params), bad);
      assert.throws(() => nextBits({ ...ctx, height: 1.5 }, params), bad);
      assert.throws(() => nextBits({ ...ctx, height: 5, parentBits: 0x04923456 }, params), bad);
      assert.throws(() => nextBits({ ...ctx, height: 2016, parentBits: 0 }, params), bad);
    });
  });

  describe('checkBits', () => {
    it('accepts equal bits', () => {
      checkBits(0x1d00ffff, 0x1d00ffff);
    });
    it("'bad-diffbits' when header bits differ from the required bits", () => {
      assert.throws(() => checkBits(0x1d00fffe, 0x1d00ffff), bad);
      assert.throws(() => checkBits(0x1c05a3f4, 0x1d00ffff), bad);
    });
  });
});
