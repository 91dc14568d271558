import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError, VerdictError } from '../../../../consensus/errors.js';
import {
  bitsToTarget,
  checkProofOfWork,
  hashToBigInt,
  MAX_TARGET,
  targetToBits,
} from '../../../../consensus/pow/compact.js';

function isVerdict(reason: string) {
  return (e: unknown): boolean => e instanceof VerdictError && e.reason === reason && e.level === 'invalid';
}

function hashOf(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

describe('consensus/pow/compact', () => {
  describe('Bitcoin Core arith_uint256 / pow vectors', () => {
    it('0x1d00ffff <-> 0x00000000ffff0000...', () => {
      const t = bitsToTarget(0x1d00ffff);
      assert.equal(t.toString(16).padStart(64, '0'), `00000000ffff${'0'.repeat(52)}`);
      assert.equal(targetToBits(t), 0x1d00ffff);
    });

    it('decodes canonical encodings to the expected targets and re-encodes them identically', () => {
      const vectors: [number, bigint][] = [
        [0x01120000, 0x12n],
        [0x02123400, 0x1234n],
        [0x03123456, 0x123456n],
        [0x04123456, 0x12345600n],
        [0x05009234, 0x92340000n],
        [0x20123456, 0x123456n << 232n],
      ];
      for (const [bits, target] of vectors) {
        assert.equal(bitsToTarget(bits), target, bits.toString(16));
        assert.equal(targetToBits(target), bits, bits.toString(16));
      }
    });

    it('GetCompact of targets whose top byte has the high bit takes a longer encoding', () => {
      assert.equal(targetToBits(0x80n), 0x02008000);
      assert.equal(targetToBits(0x92340000n), 0x05009234);
      assert.equal(targetToBits(MAX_TARGET), 0x2100ffff);
    });

    it('rejects negative encodings (0x04923456, 0x01fedcba)', () => {
      assert.throws(() => bitsToTarget(0x04923456), isVerdict('bad-diffbits'));
      assert.throws(() => bitsToTarget(0x01fedcba), isVerdict('bad-diffbits'));
    });

    it('rejects encodings of zero (0, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04800000)', () => {
      for (const bits of [0, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x04800000]) {
        assert.throws(() => bitsToTarget(bits), isVerdict('bad-diffbits'), bits.toString(16));
      }
    });

    it('rejects overflow (0xff123456 and just past 2^256)', () => {
      assert.throws(() => bitsToTarget(0xff123456), isVerdict('bad-diffbits'));
      assert.throws(() => bitsToTarget(0x21010000), isVerdict('bad-diffbits'));
      assert.throws(() => bitsToTarget(0x22000100), isVerdict('bad-diffbits'));
    });
  });

  describe('canonical form', () => {
    it('rejects a mantissa that could be shorter (leading zero byte without need)', () => {
      assert.equal(bitsToTarget(0x03123400), 0x123400n);
      assert.throws(() => bitsToTarget(0x04001234), isVerdict('bad-diffbits'));
      assert.throws(() => bitsToTarget(0x220000ff), isVerdict('bad-diffbits'));
    });

    it('rejects encodings whose low bytes are shifted out (0x01123456)', () => {
      assert.throws(() => bitsToTarget(0x01123456), isVerdict('bad-diffbits'));
    });

    it('rejects values that are not uint32', () => {
      for (const bits of [-1, 2 ** 32, 1.5, Number.NaN]) {
        assert.throws(() => bitsToTarget(bits), isVerdict('bad-diffbits'), String(bits));
      }
    });

    it('targetToBits rejects targets outside [1, 2^256-1]', () => {
      assert.throws(() => targetToBits(0n), isVerdict('bad-diffbits'));
      assert.throws(() => targetToBits(-1n), isVerdict('bad-diffbits'));
      assert.throws(() => targetToBits(MAX_TARGET + 1n), isVerdict('bad-diffbits'));
    });
  });

  describe('properties (fast-check)', () => {
    it('every accepted uint32 round-trips exactly and decodes as mantissa * 256^(size-3)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
          let target: bigint;
          try {
            target = bitsToTarget(bits);
          } catch (e) {
            return e instanceof VerdictError && e.reason === 'bad-diffbits';
          }
          const size = bits >>> 24;
          const mantissa = BigInt(bits & 0x7fffff);
          const expected =
            size >= 3 ? mantissa << BigInt(8 * (size - 3)) : mantissa >> BigInt(8 * (3 - size));
          return target === expected && target > 0n && target <= MAX_TARGET && targetToBits(target) === bits;
        }),
        { numRuns: 20_000 },
      );
    });

    it('canonical bits built from a random mantissa and size always round-trip', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0x008000, max: 0x7fffff }),
          fc.integer({ min: 3, max: 32 }),
          (m, size) => {
            const bits = ((size << 24) | m) >>> 0;
            return targetToBits(bitsToTarget(bits)) === bits;
          },
        ),
      );
    });

    it('encoding truncates to the mantissa: 3 top bytes, or 2 when the top byte has its high bit', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: MAX_TARGET }), (t) => {
          const back = bitsToTarget(targetToBits(t));
          const len = Math.ceil(t.toString(16).length / 2);
          const topByte = t >> BigInt(8 * (len - 1));
          const kept = topByte >= 0x80n ? 2 : 3;
          const dropped = BigInt(Math.max(0, 8 * (len - kept)));
          return back <= t && back === (t >> dropped) << dropped;
        }),
        { numRuns: 2_000 },
      );
    });
  });

  describe('hashToBigInt', () => {
    it('reads big-endian: byte 0 is most significant', () => {
      const low = new Uint8Array(32);
      low[31] = 1;
      assert.equal(hashToBigInt(low), 1n);
      const high = new Uint8Array(32);
      high[0] = 1;
      assert.equal(hashToBigInt(high), 1n << 248n);
      assert.equal(hashToBigInt(new Uint8Array(32).fill(0xff)), MAX_TARGET);
    });

    it('round-trips with a big-endian encoder', () => {
      fc.assert(fc.property(fc.bigInt({ min: 0n, max: MAX_TARGET }), (n) => hashToBigInt(hashOf(n)) === n));
    });

    it('rejects hashes that are not 32 bytes', () => {
      assert.throws(() => hashToBigInt(new Uint8Array(31)), DecodeError);
      assert.throws(() => hashToBigInt(new Uint8Array(33)), DecodeError);
    });
  });

  describe('checkProofOfWork', () => {
    const powLimitBits = 0x1f00ffff;
    const bits = 0x1e0fffff;
    const target = bitsToTarget(bits);

    it('accepts a hash equal to the target and below it', () => {
      checkProofOfWork(hashOf(target), bits, powLimitBits);
      checkProofOfWork(hashOf(0n), bits, powLimitBits);
    });

    it("'high-hash' when the hash is one above the target", () => {
      assert.throws(() => checkProofOfWork(hashOf(target + 1n), bits, powLimitBits), isVerdict('high-hash'));
    });

    it("'bad-diffbits' when the target is easier than powLimit, even for a zero hash", () => {
      checkProofOfWork(hashOf(0n), powLimitBits, powLimitBits);
      assert.throws(() => checkProofOfWork(hashOf(0n), 0x1f010000, powLimitBits), isVerdict('bad-diffbits'));
    });

    it("'bad-diffbits' for invalid bits", () => {
      assert.throws(() => checkProofOfWork(hashOf(0n), 0x04923456, powLimitBits), isVerdict('bad-diffbits'));
      assert.throws(() => checkProofOfWork(hashOf(0n), 0x01003456, powLimitBits), isVerdict('bad-diffbits'));
    });
  });
});
