import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import fc from 'fast-check';
import {
  getPublicKey,
  nobleVerifier,
  type SigCheck,
  type SigVerifier,
  sign,
} from '../../../../consensus/index.js';
import { bcryptoVerifier, VerifyError, VerifyPool } from '../../../../node/verify/index.js';
import { bip340Ref, edgeVectors, N, to32, toBig } from '../../../utils/schnorrVectors.js';

const ZERO32 = new Uint8Array(32);
const secretKeyArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((b) => toBig(b) > 0n && toBig(b) < N);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

function makeValid(i: number): SigCheck {
  const sk = to32(BigInt(i + 1) * 0x9e3779b97f4a7c15n);
  const msg = to32(BigInt(i) * 0x1234567n + 99n);
  return { msg, sig: sign(msg, sk, ZERO32), pubkey: getPublicKey(sk) };
}

/** Every invalid index, found by asking for the first failure of the remainder until none is left. */
async function allFailures(v: SigVerifier, checks: readonly SigCheck[]): Promise<number[]> {
  const out: number[] = [];
  let offset = 0;
  for (;;) {
    const i = await v.verifyBatch(checks.slice(offset));
    if (i < 0) return out;
    out.push(offset + i);
    offset += i + 1;
  }
}

function isVerifyError(code: string): (err: unknown) => boolean {
  return (err) => err instanceof VerifyError && err.code === code;
}

describe('node/verify', function () {
  this.timeout(120_000);
  let pool: VerifyPool;

  before(async () => {
    pool = new VerifyPool({ threads: 2, minBatchPerThread: 4 }, {});
    await pool.start();
  });

  after(async () => {
    await pool.stop();
  });

  describe('edge vectors', () => {
    const vectors = edgeVectors();
    const checks: SigCheck[] = vectors.map((v) => ({ msg: v.msg, sig: v.sig, pubkey: v.pubkey }));
    const expectedFailures = vectors.flatMap((v, i) => (v.expected ? [] : [i]));

    it('bcryptoVerifier.verifySync gives each vector its BIP340 verdict (as noble does)', () => {
      for (const [i, v] of vectors.entries()) {
        assert.equal(bcryptoVerifier.verifySync(checks[i]!), v.expected, v.name);
        assert.equal(nobleVerifier.verifySync(checks[i]!), v.expected, v.name);
      }
    });

    for (const [name, verifier] of [
      ['noble', nobleVerifier],
      ['bcrypto', bcryptoVerifier],
      ['pool', { verifyBatch: (c: readonly SigCheck[]) => pool.verifyBatch(c) }],
    ] as const) {
      it(`${name}.verifyBatch finds exactly the invalid vectors, in order and reversed`, async () => {
        assert.deepEqual(await allFailures(verifier, checks), expectedFailures);
        const reversed = checks.slice().reverse();
        const expectedReversed = expectedFailures.map((i) => checks.length - 1 - i).reverse();
        assert.deepEqual(await allFailures(verifier, reversed), expectedReversed);
      });
    }
  });

  describe('random equivalence (fast-check)', () => {
    const caseArb = fc.record({
      sk: secretKeyArb,
      msg: bytes32,
      aux: bytes32,
      mutate: fc.boolean(),
      what: fc.constantFrom('sig' as const, 'msg' as const, 'pubkey' as const),
      bit: fc.nat({ max: 511 }),
    });

    it('noble, bcrypto (sync and batch) and the pool agree on >= 2,000 cases, half mutated', async () => {
      let total = 0;
      let mutated = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(caseArb, { minLength: 200, maxLength: 240 }), async (cases) => {
          const checks: SigCheck[] = cases.map((c) => {
            const valid = { msg: c.msg, sig: sign(c.msg, c.sk, c.aux), pubkey: getPublicKey(c.sk) };
            return c.mutate ? { ...valid, [c.what]: flip(valid[c.what], c.bit) } : valid;
          });
          const verdicts = checks.map((c) => nobleVerifier.verifySync(c));
          for (const [i, c] of checks.entries()) {
            assert.equal(verdicts[i], !cases[i]!.mutate, 'a mutated signature must be invalid');
            assert.equal(bcryptoVerifier.verifySync(c), verdicts[i]);
          }
          const expected = verdicts.flatMap((ok, i) => (ok ? [] : [i]));
          assert.deepEqual(await allFailures(bcryptoVerifier, checks), expected);
          assert.deepEqual(await allFailures(pool, checks), expected);
          assert.equal(await nobleVerifier.verifyBatch(checks), expected[0] ?? -1);
          total += cases.length;
          mutated += expected.length;
        }),
        // no shrinking: each run signs ~200 keys, so shrinking would take minutes
        { numRuns: 10, endOnFailure: true },
      );
      assert.ok(total >= 2000, `only ${total} cases`);
      assert.ok(mutated > total * 0.4 && mutated < total * 0.6, `${mutated} of ${total} mutated`);
    });

    it('bit flips agree with the BIP340 reference as well', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const valid = { msg: c.msg, sig: sign(c.msg, c.sk, c.aux), pubkey: getPublicKey(c.sk) };
          const check = c.mutate ? { ...valid, [c.what]: flip(valid[c.what], c.bit) } : valid;
          assert.equal(
            bcryptoVerifier.verifySync(check),
            bip340Ref.verify(check.pubkey, check.msg, check.sig),
          );
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('VerifyPool', () => {
    const valid: SigCheck[] = [];
    before(() => {
      for (let i = 0; i < 1000; i++) valid.push(makeValid(i));
    });

    it('resolves -1 for an empty batch and for 1,000 valid checks', async () => {
      assert.equal(await pool.verifyBatch([]), -1);
      assert.equal(await pool.verifyBatch(valid), -1);
      assert.equal(await bcryptoVerifier.verifyBatch(valid), -1);
    });

    it('returns the first failure wherever the invalid checks are', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1000 }),
          fc.uniqueArray(fc.nat({ max: 999 }), { maxLength: 4 }),
          fc.nat({ max: 511 }),
          async (size, positions, bit) => {
            const batch = valid.slice(0, size);
            const inside = positions.filter((p) => p < size);
            for (const p of inside) batch[p] = { ...batch[p]!, sig: flip(batch[p]!.sig, bit) };
            const expected = inside.length === 0 ? -1 : Math.min(...inside);
            assert.equal(await pool.verifyBatch(batch), expected);
            assert.equal(await bcryptoVerifier.verifyBatch(batch), expected);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('treats malformed checks as invalid without throwing, wherever they are', async () => {
      const junk: SigCheck[] = [
        { ...valid[0]!, sig: valid[0]!.sig.subarray(0, 63) },
        { ...valid[0]!, msg: new Uint8Array(0) },
        { ...valid[0]!, pubkey: new Uint8Array(33) },
        { ...valid[0]!, msg: 'not bytes' as unknown as Uint8Array },
        { ...valid[0]!, sig: undefined as unknown as Uint8Array },
      ];
      for (const j of junk) {
        assert.equal(bcryptoVerifier.verifySync(j), false);
        for (const at of [0, 17, 499]) {
          const batch = valid.slice(0, 500);
          batch[at] = j;
          assert.equal(await pool.verifyBatch(batch), at);
          assert.equal(await bcryptoVerifier.verifyBatch(batch), at);
        }
        // an earlier bad signature wins over a later malformed check
        const batch = valid.slice(0, 500);
        batch[300] = j;
        batch[250] = { ...batch[250]!, msg: flip(batch[250]!.msg, 3) };
        assert.equal(await pool.verifyBatch(batch), 250);
        assert.equal(await bcryptoVerifier.verifyBatch(batch), 250);
      }
    });

    it('reads views at a non-zero offset correctly and leaves the caller’s bytes intact', async () => {
      const batch = valid.slice(0, 200).map((c) => {
        const backing = new Uint8Array(7 + 128 + 5);
        backing.set(c.msg, 7);
        backing.set(c.sig, 7 + 32);
        backing.set(c.pubkey, 7 + 96);
        return {
          msg: backing.subarray(7, 39),
          sig: backing.subarray(39, 103),
          pubkey: backing.subarray(103, 135),
        };
      });
      assert.equal(await pool.verifyBatch(batch), -1);
      assert.equal(await bcryptoVerifier.verifyBatch(batch), -1);
      assert.equal(bcryptoVerifier.verifySync(batch[0]!), true);
      assert.deepEqual(batch[199]!.sig, valid[199]!.sig);
      const shifted = { ...batch[5]!, msg: new Uint8Array(batch[5]!.msg.buffer, 6, 32) };
      assert.equal(bcryptoVerifier.verifySync(shifted), false);
    });

    it('answers concurrent batches independently', async () => {
      const batches = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => {
        const b = valid.slice(k * 100, k * 100 + 300);
        if (k % 2 === 0) b[k * 30] = { ...b[k * 30]!, pubkey: flip(b[k * 30]!.pubkey, 9) };
        return b;
      });
      const results = await Promise.all(batches.map((b) => pool.verifyBatch(b)));
      assert.deepEqual(results, [0, -1, 60, -1, 120, -1, 180, -1]);
    });

    it('works with more threads than cores and with everything inline', async () => {
      const batch = valid.slice(0, 400);
      batch[333] = { ...batch[333]!, sig: flip(batch[333]!.sig, 500) };
      for (const opts of [
        { threads: 3, minBatchPerThread: 1 },
        { threads: 1, minBatchPerThread: 10_000 },
      ]) {
        const p = new VerifyPool(opts, {});
        await p.start();
        try {
          assert.equal(await p.verifyBatch(batch), 333);
          assert.equal(await p.verifyBatch(valid.slice(0, 400)), -1);
        } finally {
          await p.stop();
        }
      }
    });

    it('has a start/stop lifecycle with typed errors', async () => {
      const p = new VerifyPool({ minBatchPerThread: 8 }, {});
      assert.equal(p.threads, availableParallelism());
      await assert.rejects(p.verifyBatch(valid.slice(0, 10)), isVerifyError('VERIFY_POOL_NOT_STARTED'));
      await p.start();
      await p.start();
      assert.equal(p.isRunning, true);
      const inFlight = assert.rejects(p.verifyBatch(valid), isVerifyError('VERIFY_POOL_STOPPED'));
      await p.stop();
      await inFlight;
      assert.equal(p.isRunning, false);
      await assert.rejects(p.verifyBatch(valid.slice(0, 10)), isVerifyError('VERIFY_POOL_NOT_STARTED'));
      await p.stop();
      await p.start();
      assert.equal(await p.verifyBatch(valid.slice(0, 100)), -1);
      await p.stop();
    });

    it('stops cleanly while its workers load bcrypto or verify (never terminates one inside it)', async () => {
      // Terminating a worker inside bcrypto (its module init, or a verification) failed a
      // Node-API call, and bcrypto's assertion aborted the whole process: SIGABRT in about 1 of
      // 23 runs of this file before the pool learned to ask its workers to stop.
      for (let round = 0; round < 20; round++) {
        const p = new VerifyPool({ threads: 2, minBatchPerThread: 8 }, {});
        const starting = assert.rejects(p.start(), isVerifyError('VERIFY_POOL_STOPPED'));
        await p.stop(); // the workers are still loading bcrypto
        await starting;
        await p.start();
        const inFlight = assert.rejects(p.verifyBatch(valid), isVerifyError('VERIFY_POOL_STOPPED'));
        await p.stop(); // the workers are inside verifyBatch
        await inFlight;
        assert.equal(p.isRunning, false);
      }
    });

    it('rejects bad options with a typed error', () => {
      for (const opts of [
        { threads: 0 },
        { threads: 1.5 },
        { minBatchPerThread: 0 },
        { minBatchPerThread: -3 },
      ]) {
        assert.throws(() => new VerifyPool(opts, {}), isVerifyError('VERIFY_BAD_OPTIONS'));
      }
    });
  });
});
