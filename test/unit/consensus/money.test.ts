import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../consensus/errors.js';
import {
  baseSubsidy,
  blockReward,
  COIN,
  contributorPool,
  creditPayouts,
  improvementBonus,
  isMoneyRange,
  issuedAtHeight,
  splitCoinbase,
  totalBaseIssuance,
} from '../../../consensus/money.js';
import type { NetworkParams } from '../../../consensus/params/types.js';
import { testParams } from '../../utils/params.js';

/** 50 QXC halving every 210,000 blocks, 21M cap, 80/20 split, bonus up to x2. Local to this test. */

const verdict = (reason: string) => (e: unknown) =>
  e instanceof VerdictError && e.reason === reason && e.level === 'invalid';

/** Mine blocks from genesis, every one claiming `improvementPpm`, until a reward is 0. */
function mineUntilCap(params: NetworkParams, improvementPpm: number) {
  let issued = 0n;
  let height = 0;
  let last = 0n;
  for (;;) {
    const r = blockReward({ height, improvementPpm, issuedBefore: issued }, params);
    if (r === 0n) return { issued, zeroHeight: height, lastReward: last };
    issued += r;
    last = r;
    height++;
  }
}

describe('consensus/money', () => {
  // Scale 1: the bonus is base × ppm / 10⁶, the schedule arithmetic below is checked at that scale.
  const params = testParams({ bonusScale: 1n });

  describe('baseSubsidy', () => {
    it('50 QXC from genesis, halving every 210,000 blocks', () => {
      assert.equal(COIN, 100_000_000n);
      assert.equal(baseSubsidy(0, params), 50n * COIN);
      assert.equal(baseSubsidy(209_999, params), 50n * COIN);
      assert.equal(baseSubsidy(210_000, params), 25n * COIN);
      assert.equal(baseSubsidy(420_000, params), 1_250_000_000n);
      assert.equal(baseSubsidy(32 * 210_000, params), 1n);
      assert.equal(baseSubsidy(33 * 210_000, params), 0n);
    });

    it('is zero from the 64th halving even when the shift would leave bits', () => {
      const p = testParams({ initialSubsidy: 1n << 70n, halvingInterval: 10 });
      assert.equal(baseSubsidy(63 * 10, p), 1n << 7n);
      assert.equal(baseSubsidy(64 * 10 - 1, p), 1n << 7n);
      assert.equal(baseSubsidy(64 * 10, p), 0n);
      assert.equal(baseSubsidy(1_000_000, p), 0n);
    });

    it("rejects a negative or fractional height with 'bad-cb-height'", () => {
      assert.throws(() => baseSubsidy(-1, params), verdict('bad-cb-height'));
      assert.throws(() => baseSubsidy(0.5, params), verdict('bad-cb-height'));
    });
  });

  describe('base schedule total', () => {
    it('simulated era by era: 2,099,999,997,690,000 units, within the 21M cap', () => {
      let total = 0n;
      let eras = 0;
      for (let era = 0; ; era++) {
        const first = era * params.halvingInterval;
        const last = first + params.halvingInterval - 1;
        const s = baseSubsidy(first, params);
        assert.equal(baseSubsidy(last, params), s, `subsidy constant through era ${era}`);
        if (s === 0n) break;
        total += BigInt(params.halvingInterval) * s;
        eras++;
        assert.equal(issuedAtHeight(last, params), total, `issuedAtHeight at end of era ${era}`);
      }
      assert.equal(eras, 33);
      assert.equal(total, 2_099_999_997_690_000n);
      assert.equal(totalBaseIssuance(params), total);
      assert.ok(total <= params.maxSupply);
      assert.equal(params.maxSupply - total, 2_310_000n);
    });

    it('issuedAtHeight is inclusive of the block at that height', () => {
      assert.equal(issuedAtHeight(0, params), 50n * COIN);
      assert.equal(issuedAtHeight(209_999, params), 210_000n * 50n * COIN);
      assert.equal(issuedAtHeight(210_000, params), 210_000n * 50n * COIN + 25n * COIN);
      assert.equal(issuedAtHeight(6_929_999, params), 2_099_999_997_690_000n);
      assert.equal(issuedAtHeight(1e15, params), 2_099_999_997_690_000n);
    });

    it('issuedAtHeight matches a block-by-block sum (small schedule)', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 1n, max: 1n << 70n }),
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 0, max: 1500 }),
          (initialSubsidy, halvingInterval, height) => {
            const p = testParams({ initialSubsidy, halvingInterval });
            let sum = 0n;
            for (let h = 0; h <= height; h++) sum += baseSubsidy(h, p);
            return issuedAtHeight(height, p) === sum && sum <= totalBaseIssuance(p);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('blockReward', () => {
    it('adds floor(base * improvement / 1e6), with improvement capped at maxImprovementPpm', () => {
      const at = (height: number, improvementPpm: number) =>
        blockReward({ height, improvementPpm, issuedBefore: 0n }, params);
      assert.equal(at(0, 0), 50n * COIN);
      assert.equal(at(0, 1000), 50n * COIN + 5_000_000n);
      assert.equal(at(0, 1_000_000), 100n * COIN);
      assert.equal(at(0, 5_000_000), 100n * COIN);
      // 1.25e9 * 333_333 / 1e6 = 416_666_250 exactly; 1 unit * 999_999 / 1e6 floors to 0.
      assert.equal(at(420_000, 333_333), 1_250_000_000n + 416_666_250n);
      assert.equal(at(32 * 210_000, 999_999), 1n);
    });

    it('scales the bonus by bonusScale and caps it at one base subsidy', () => {
      const p = testParams({ bonusScale: 10n });
      const at = (height: number, improvementPpm: number) =>
        blockReward({ height, improvementPpm, issuedBefore: 0n }, p);
      assert.equal(at(0, 1000), 50n * COIN + 50_000_000n); // 0.1% gain: +1% of the base
      assert.equal(at(0, 50_000), 75n * COIN); // 5%: +50%
      assert.equal(at(0, 100_000), 100n * COIN); // 10%: the cap
      assert.equal(at(0, 900_000), 100n * COIN);
      assert.equal(at(210_000, 20_000), 25n * COIN + 5n * COIN);
    });

    it('supply boundary: maxSupply-1 -> 1, maxSupply -> 0, above -> bad-supply', () => {
      const r = (issuedBefore: bigint) =>
        blockReward({ height: 0, improvementPpm: 1_000_000, issuedBefore }, params);
      assert.equal(r(params.maxSupply - 1n), 1n);
      assert.equal(r(params.maxSupply), 0n);
      assert.throws(() => r(params.maxSupply + 1n), verdict('bad-supply'));
      assert.throws(() => r(-1n), verdict('bad-supply'));
    });

    it("rejects negative or fractional improvement with 'bad-model-improvement'", () => {
      const r = (improvementPpm: number) =>
        blockReward({ height: 0, improvementPpm, issuedBefore: 0n }, params);
      assert.throws(() => r(-1), verdict('bad-model-improvement'));
      assert.throws(() => r(0.5), verdict('bad-model-improvement'));
    });

    it('every block claiming the max bonus (x2): issuance hits exactly 21M at the end of era 0', () => {
      const { issued, zeroHeight, lastReward } = mineUntilCap(params, 1_000_000);
      assert.equal(issued, params.maxSupply);
      assert.equal(zeroHeight, 210_000);
      assert.equal(lastReward, 100n * COIN);
      assert.equal(
        blockReward({ height: zeroHeight + 1, improvementPpm: 1_000_000, issuedBefore: issued }, params),
        0n,
      );
    });

    it('with a non-dividing bonus the cap trims one block to the exact remainder', () => {
      const p = testParams({ maxImprovementPpm: 333_333, bonusScale: 1n });
      const { issued, zeroHeight, lastReward } = mineUntilCap(p, 1_000_000);
      // Era 0: 210,000 x 6,666,665,000; era 1: 210,000 x 3,333,332,500; then 525,000,000 left.
      assert.equal(issued, p.maxSupply);
      assert.equal(zeroHeight, 420_001);
      assert.equal(lastReward, 525_000_000n);
      assert.equal(blockReward({ height: 420_000, improvementPpm: 0, issuedBefore: 0n }, p), 1_250_000_000n);
    });

    it('never lets total issuance pass maxSupply (random improvements, jumps in issuedBefore)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 64 * 210_000 }),
          fc.integer({ min: 0, max: 10_000_000 }),
          fc.bigInt({ min: 0n, max: params.maxSupply }),
          (height, improvementPpm, issuedBefore) => {
            const r = blockReward({ height, improvementPpm, issuedBefore }, params);
            return r >= 0n && issuedBefore + r <= params.maxSupply && r <= 2n * baseSubsidy(height, params);
          },
        ),
      );
    });
  });

  describe('splitCoinbase', () => {
    it('80/20 of 100 QXC', () => {
      assert.deepEqual(splitCoinbase(100n * COIN, params), { genesis: 20n * COIN, miner: 80n * COIN });
    });

    it('the miner side gets the rounding', () => {
      assert.deepEqual(splitCoinbase(9n, params), { genesis: 1n, miner: 8n });
      assert.deepEqual(splitCoinbase(4n, params), { genesis: 0n, miner: 4n });
      assert.deepEqual(splitCoinbase(0n, params), { genesis: 0n, miner: 0n });
      assert.deepEqual(splitCoinbase(5_000_000_001n, params), {
        genesis: 1_000_000_000n,
        miner: 4_000_000_001n,
      });
    });

    it('parts sum to the total and genesis = floor(total * 20 / 100)', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: params.maxSupply }), (total) => {
          const { genesis, miner } = splitCoinbase(total, params);
          return genesis + miner === total && genesis * 5n <= total && (genesis + 1n) * 5n > total;
        }),
      );
    });

    it("rejects a negative total with 'bad-cb-amount'", () => {
      assert.throws(() => splitCoinbase(-1n, params), verdict('bad-cb-amount'));
    });
  });

  describe('isMoneyRange', () => {
    it('accepts [0, maxSupply], rejects outside', () => {
      assert.equal(isMoneyRange(0n, params), true);
      assert.equal(isMoneyRange(params.maxSupply, params), true);
      assert.equal(isMoneyRange(params.maxSupply + 1n, params), false);
      assert.equal(isMoneyRange(-1n, params), false);
    });
  });

  describe('contributor payouts', () => {
    const pkh = (b: number) => new Uint8Array(20).fill(b);

    it('bonus is reward(claim) − reward(0), and 0 once the cap leaves no room for it', () => {
      const input = { height: 5, improvementPpm: 10_000, issuedBefore: 0n };
      assert.equal(improvementBonus(input, params), (50n * COIN) / 100n);
      const nearCap = { ...input, issuedBefore: params.maxSupply - 50n * COIN };
      assert.equal(improvementBonus(nearCap, params), 0n);
      const partial = { ...input, issuedBefore: params.maxSupply - 50n * COIN - 7n };
      assert.equal(improvementBonus(partial, params), 7n);
    });

    it('pools 60% of the bonus for the contributors', () => {
      assert.equal(contributorPool(1_000_003n, params), 600_001n);
      assert.equal(contributorPool(1n, params), 0n);
      assert.throws(() => contributorPool(-1n, params), verdict('bad-cb-amount'));
    });

    it('splits the pool by credit, floors each share, merges one address, leaves out zero shares', () => {
      const pool = 600_001n;
      const out = creditPayouts(pool, [
        { pubKeyHash: pkh(1), credit: 1 },
        { pubKeyHash: pkh(2), credit: 0 },
        { pubKeyHash: pkh(3), credit: 1_000_000 },
        { pubKeyHash: pkh(1), credit: 2 },
      ]);
      const total = 1_000_003n;
      // pkh(1) gets its credits summed (3): floor(600,001 × 3 / total) = 1; pkh(2) earned nothing
      assert.deepEqual(out, [
        { pubKeyHash: pkh(1), value: (pool * 3n) / total },
        { pubKeyHash: pkh(3), value: (pool * 1_000_000n) / total },
      ]);
      assert.deepEqual(
        creditPayouts(400n, [
          { pubKeyHash: pkh(1), credit: 3 },
          { pubKeyHash: pkh(2), credit: 1 },
        ]),
        [
          { pubKeyHash: pkh(1), value: 300n },
          { pubKeyHash: pkh(2), value: 100n },
        ],
      );
    });

    it('pays nothing when no credit is positive or the pool is empty; rejects a bad credit or pool', () => {
      assert.deepEqual(creditPayouts(1000n, [{ pubKeyHash: pkh(1), credit: 0 }]), []);
      assert.deepEqual(creditPayouts(0n, [{ pubKeyHash: pkh(1), credit: 5 }]), []);
      assert.throws(() => creditPayouts(-1n, []), verdict('bad-cb-amount'));
      assert.throws(
        () => creditPayouts(100n, [{ pubKeyHash: pkh(1), credit: -1 }]),
        verdict('bad-model-contributors'),
      );
      assert.throws(
        () => creditPayouts(100n, [{ pubKeyHash: pkh(1), credit: 0.5 }]),
        verdict('bad-model-contributors'),
      );
    });

    it('never owes more than the pool (property)', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 50n * COIN }),
          fc.array(fc.integer({ min: 0, max: 1024 }), { minLength: 1, maxLength: 64 }),
          (pool, credits) => {
            const out = creditPayouts(
              pool,
              credits.map((c, i) => ({ pubKeyHash: pkh(i % 7), credit: c })),
            );
            const paid = out.reduce((t, p) => t + p.value, 0n);
            return paid <= pool && out.every((p) => p.value > 0n);
          },
        ),
      );
    });
  });
});
