import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../consensus/errors.js';
import {
  bestTip,
  blockWeight,
  cumulativeWeight,
  maxBlockWeight,
  tieWinner,
} from '../../../consensus/forkChoice.js';
import type { NetworkParams } from '../../../consensus/params/types.js';
import { workFromBits } from '../../../consensus/pow/work.js';
import { sha256Of } from '../../../consensus/primitives/hash.js';
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

  describe('bestTip and tieWinner', () => {
    /** A distinct 32-byte hash per label. */
    const h = (label: string | number): Uint8Array => sha256Of(new TextEncoder().encode(`tip ${label}`));

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
      const tips = [
        { hash: h('a'), weight: a },
        { hash: h('b'), weight: b },
      ];
      assert.equal(bestTip(tips), tips[0]);
      assert.equal(bestTip([...tips].reverse()), tips[0]);
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
      const win = { hash: h('improved'), weight: improved };
      assert.equal(bestTip([{ hash: h('plain'), weight: plain }, win]), win);
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
    });

    it('a tie goes to the same tip whatever order the tips come in', () => {
      const tips = fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 6 });
      fc.assert(
        fc.property(tips, fc.nat(), (labels, rot) => {
          const tied = labels.map((l) => ({ hash: h(l), weight: 500n }));
          const turned = [...tied.slice(rot % tied.length), ...tied.slice(0, rot % tied.length)];
          const lighter = { hash: h('lighter'), weight: 499n };
          return (
            bestTip([lighter, ...turned]) === tieWinner(tied) &&
            tieWinner([...tied].reverse()) === tieWinner(tied)
          );
        }),
      );
    });

    it('breaks ties neither by arrival nor by the lowest hash: each of two tips wins about half', () => {
      const n = 2000;
      let firstWins = 0;
      let lowerWins = 0;
      for (let i = 0; i < n; i++) {
        const a = { hash: h(`x${i}`), weight: 7n };
        const b = { hash: h(`y${i}`), weight: 7n };
        const w = tieWinner([a, b]);
        if (w === a) firstWins++;
        const lower = Buffer.compare(a.hash, b.hash) < 0 ? a : b;
        if (w === lower) lowerWins++;
      }
      // Binomial(2000, 1/2): sd 22; ±150 is 6.7 sd.
      assert.ok(Math.abs(firstWins - n / 2) < 150, `first listed won ${firstWins} of ${n}`);
      assert.ok(Math.abs(lowerWins - n / 2) < 150, `lower hash won ${lowerWins} of ${n}`);
    });

    it('attack: a withheld block with a very low hash does not win ties more often', () => {
      // Under a lowest-hash rule this block would win every tie; its miner would withhold it.
      const withheld = { hash: new Uint8Array(32).fill(0, 0, 31).fill(1, 31), weight: 9n };
      const n = 2000;
      let wins = 0;
      for (let i = 0; i < n; i++) {
        if (tieWinner([withheld, { hash: h(`honest ${i}`), weight: 9n }]) === withheld) wins++;
      }
      assert.ok(Math.abs(wins - n / 2) < 150, `the withheld block won ${wins} of ${n} ties`);
    });

    it('rejects an empty list', () => {
      assert.throws(() => tieWinner([]), RangeError);
      assert.throws(() => bestTip([]), RangeError);
    });
  });
});
