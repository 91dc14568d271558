import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../../consensus/errors.js';
import { bitsToTarget, MAX_TARGET, targetToBits } from '../../../../consensus/pow/compact.js';
import { workFromBits, workFromTarget } from '../../../../consensus/pow/work.js';

const TWO_256 = 1n << 256n;

describe('consensus/pow/work', () => {
  it("Bitcoin's genesis bits 0x1d00ffff carry 0x100010001 work (its chainwork)", () => {
    assert.equal(workFromBits(0x1d00ffff), 0x100010001n);
  });

  it('regtest limit 0x207fffff carries 2 work', () => {
    assert.equal(workFromBits(0x207fffff), 2n);
  });

  it('extremes: target 1 -> 2^255, target 2^256-1 -> 1', () => {
    assert.equal(workFromBits(0x01010000), 1n << 255n);
    assert.equal(workFromTarget(MAX_TARGET), 1n);
  });

  it('equals floor(2^256 / (target + 1)) and matches Bitcoin ~t/(t+1)+1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_TARGET }), (t) => {
        const bits = targetToBits(t);
        const target = bitsToTarget(bits);
        const w = workFromBits(bits);
        const bitcoin = (MAX_TARGET - target) / (target + 1n) + 1n;
        return w === bitcoin && w * (target + 1n) <= TWO_256 && (w + 1n) * (target + 1n) > TWO_256;
      }),
      { numRuns: 2_000 },
    );
  });

  it('harder target => at least as much work', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: MAX_TARGET }),
        fc.bigInt({ min: 1n, max: MAX_TARGET }),
        (a, b) => {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          return workFromTarget(lo) >= workFromTarget(hi);
        },
      ),
    );
  });

  it("rejects invalid bits and targets with 'bad-diffbits'", () => {
    const bad = (e: unknown) => e instanceof VerdictError && e.reason === 'bad-diffbits';
    assert.throws(() => workFromBits(0x04923456), bad);
    assert.throws(() => workFromBits(0), bad);
    assert.throws(() => workFromTarget(0n), bad);
    assert.throws(() => workFromTarget(MAX_TARGET + 1n), bad);
  });
});
