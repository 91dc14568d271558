import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../consensus/errors.js';
import {
  blockWeight,
  compareChainWeight,
  cumulativeWeight,
  maxBlockWeight,
} from '../../../consensus/forkChoice.js';
import type { NetworkParams } from '../../../consensus/params/types.js';
import { workFromBits } from '../../../consensus/pow/work.js';
import { testParams } from '../../utils/params.js';

function chainWeight(blocks: readonly (readonly [bigint, number])[], params: NetworkParams): bigint {
  return blocks.reduce((w, [work, imp]) => cumulativeWeight(w, blockWeight(work, imp, params)), 0n);
}

describe('consensus/forkChoice', () => {
  const params = testParams();

  describe('blockWeight', () => {
    it('is work x (1 + improvement), floored', () => {
      assert.equal(blockWeight(1_000_000n, 0, params), 1_000_000n);
      assert.equal(blockWeight(1_000_000n, 1000, params), 1_001_000n);
      assert.equal(blockWeight(1_000_000n, 1_000_000, params), 2_000_000n);
      assert.equal(blockWeight(3n, 500_000, params), 4n); // 4.5 floored
      assert.equal(blockWeight(workFromBits(0x1d00ffff), 0, params), 0x100010001n);
    });

    it('improvement beyond maxImprovementPpm adds nothing more', () => {
      assert.equal(blockWeight(10n, 50_000_000, params), 20n);
    });

    it('no weight without work, even with a huge improvement', () => {
      assert.equal(blockWeight(0n, 1_000_000, params), 0n);
      assert.equal(blockWeight(0n, 2 ** 40, params), 0n);
    });

    it('weight >= work and <= 2 x work', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 1n << 256n }), fc.nat(), (work, imp) => {
          const w = blockWeight(work, imp, params);
          return w >= work && w <= 2n * work;
        }),
      );
    });

    it('rejects negative work and negative improvement', () => {
      assert.throws(
        () => blockWeight(-1n, 0, params),
        (e: unknown) => e instanceof VerdictError,
      );
      assert.throws(
        () => blockWeight(1n, -1, params),
        (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-improvement',
      );
      assert.throws(
        () => cumulativeWeight(-1n, 1n),
        (e: unknown) => e instanceof VerdictError,
      );
    });
  });

  describe('maxBlockWeight', () => {
    it('bounds the weight of any block with those bits: its work at the improvement cap', () => {
      const bits = 0x1d00ffff;
      assert.equal(maxBlockWeight(bits, params), 2n * workFromBits(bits));
      fc.assert(
        fc.property(
          fc.nat(),
          (imp) => blockWeight(workFromBits(bits), imp, params) <= maxBlockWeight(bits, params),
        ),
      );
    });

    it('rejects bits that encode no target', () => {
      assert.throws(
        () => maxBlockWeight(0x01003456, params),
        (e: unknown) => e instanceof VerdictError,
      );
    });
  });

  describe('compareChainWeight', () => {
    it('more work wins', () => {
      const a = chainWeight(
        [
          [100n, 0],
          [100n, 0],
          [100n, 0],
        ],
        params,
      );
      const b = chainWeight(
        [
          [100n, 0],
          [150n, 0],
        ],
        params,
      );
      assert.equal(compareChainWeight({ weight: a, seq: 2 }, { weight: b, seq: 1 }), 1);
      assert.equal(compareChainWeight({ weight: b, seq: 1 }, { weight: a, seq: 2 }), -1);
    });

    it('improvement adds weight: equal work, the improving chain wins', () => {
      const plain = chainWeight(
        [
          [100n, 0],
          [100n, 0],
        ],
        params,
      );
      const improved = chainWeight(
        [
          [100n, 0],
          [100n, 10_000],
        ],
        params,
      );
      assert.equal(improved, 201n);
      assert.equal(compareChainWeight({ weight: improved, seq: 9 }, { weight: plain, seq: 0 }), 1);
    });

    it('a zero-work block adds nothing, whatever its improvement', () => {
      const base = chainWeight([[100n, 0]], params);
      const withFree = chainWeight(
        [
          [100n, 0],
          [0n, 1_000_000],
        ],
        params,
      );
      assert.equal(withFree, base);
      assert.equal(compareChainWeight({ weight: withFree, seq: 5 }, { weight: base, seq: 1 }), -1);
    });

    it('ties go to the first seen (lower seq)', () => {
      assert.equal(compareChainWeight({ weight: 500n, seq: 3 }, { weight: 500n, seq: 4 }), 1);
      assert.equal(compareChainWeight({ weight: 500n, seq: 4 }, { weight: 500n, seq: 3 }), -1);
      assert.equal(compareChainWeight({ weight: 500n, seq: 3 }, { weight: 500n, seq: 3 }), 0);
    });

    it('is antisymmetric and sorts best-first with the documented idiom', () => {
      const tip = fc.record({ weight: fc.bigInt({ min: 0n, max: 1000n }), seq: fc.nat(20) });
      fc.assert(fc.property(tip, tip, (a, b) => compareChainWeight(a, b) === -compareChainWeight(b, a)));
      const tips = [
        { weight: 10n, seq: 2 },
        { weight: 30n, seq: 5 },
        { weight: 30n, seq: 1 },
        { weight: 20n, seq: 0 },
      ];
      tips.sort((x, y) => compareChainWeight(y, x));
      assert.deepEqual(
        tips.map((t) => t.seq),
        [1, 5, 0, 2],
      );
    });
  });
});
