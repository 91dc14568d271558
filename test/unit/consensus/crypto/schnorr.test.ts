import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  CryptoError,
  getPublicKey,
  nobleVerifier,
  type SigCheck,
  sign,
  verify,
} from '../../../../consensus/crypto/index.js';
import { bip340Ref, edgeVectors, N, to32, toBig } from '../../../utils/schnorrVectors.js';

const secretKeyArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((b) => toBig(b) > 0n && toBig(b) < N);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

function expectCryptoError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof CryptoError && err.code === code);
}

describe('consensus/crypto/schnorr', () => {
  describe('edge vectors (constructed from the BIP340 pseudocode)', () => {
    const vectors = edgeVectors();

    it('has valid and invalid vectors covering every construction', () => {
      assert.ok(vectors.filter((v) => v.expected).length >= 30);
      assert.ok(vectors.filter((v) => !v.expected).length >= 35);
    });

    it('the reference verifier gives the verdict each vector was built for', () => {
      for (const v of vectors) assert.equal(bip340Ref.verify(v.pubkey, v.msg, v.sig), v.expected, v.name);
    });

    for (const v of vectors) {
      it(`verify: ${v.name} -> ${v.expected}`, () => {
        assert.equal(verify(v.sig, v.msg, v.pubkey), v.expected);
      });
    }
  });

  describe('sign / getPublicKey', () => {
    it('match the BIP340 reference byte for byte', () => {
      fc.assert(
        fc.property(secretKeyArb, bytes32, bytes32, (sk, msg, aux) => {
          const pk = getPublicKey(sk);
          assert.deepEqual(pk, bip340Ref.pubkey(sk));
          const sig = sign(msg, sk, aux);
          assert.deepEqual(sig, bip340Ref.sign(msg, sk, aux));
          assert.equal(verify(sig, msg, pk), true);
        }),
        { numRuns: 150 },
      );
    });

    it('is deterministic in auxRand and still valid for another auxRand', () => {
      const sk = to32(12345n);
      const msg = new Uint8Array(32).fill(7);
      const a = sign(msg, sk, new Uint8Array(32));
      assert.deepEqual(sign(msg, sk, new Uint8Array(32)), a);
      const b = sign(msg, sk, new Uint8Array(32).fill(1));
      assert.notDeepEqual(a, b);
      assert.equal(verify(b, msg, getPublicKey(sk)), true);
    });

    it('signs with the smallest and largest secret keys, 1 and n-1', () => {
      for (const d of [1n, N - 1n]) {
        const sk = to32(d);
        const msg = new Uint8Array(32).fill(0xff);
        assert.equal(verify(sign(msg, sk, new Uint8Array(32)), msg, getPublicKey(sk)), true);
      }
    });

    it('rejects invalid secret keys with a typed error', () => {
      const msg = new Uint8Array(32);
      const aux = new Uint8Array(32);
      for (const sk of [to32(0n), to32(N), new Uint8Array(32).fill(0xff)]) {
        expectCryptoError(() => getPublicKey(sk), 'CRYPTO_INVALID_SECRET_KEY');
        expectCryptoError(() => sign(msg, sk, aux), 'CRYPTO_INVALID_SECRET_KEY');
      }
      expectCryptoError(() => getPublicKey(new Uint8Array(31).fill(1)), 'CRYPTO_BAD_LENGTH');
      expectCryptoError(() => sign(msg, new Uint8Array(33).fill(1), aux), 'CRYPTO_BAD_LENGTH');
    });

    it('rejects wrong message and auxRand lengths with a typed error', () => {
      const sk = to32(5n);
      expectCryptoError(() => sign(new Uint8Array(31), sk, new Uint8Array(32)), 'CRYPTO_BAD_LENGTH');
      expectCryptoError(() => sign(new Uint8Array(64), sk, new Uint8Array(32)), 'CRYPTO_BAD_LENGTH');
      expectCryptoError(() => sign(new Uint8Array(32), sk, new Uint8Array(0)), 'CRYPTO_BAD_LENGTH');
    });
  });

  describe('verify', () => {
    it('agrees with the reference on random valid and bit-flipped signatures', () => {
      fc.assert(
        fc.property(
          secretKeyArb,
          bytes32,
          fc.nat({ max: 1023 }),
          fc.constantFrom('none', 'sig', 'msg', 'pubkey'),
          (sk, msg, bit, what) => {
            const check = { msg, sig: sign(msg, sk, new Uint8Array(32)), pubkey: getPublicKey(sk) };
            const mutated = what === 'none' ? check : { ...check, [what]: flip(check[what], bit) };
            const ok = verify(mutated.sig, mutated.msg, mutated.pubkey);
            assert.equal(ok, bip340Ref.verify(mutated.pubkey, mutated.msg, mutated.sig));
            assert.equal(ok, what === 'none');
          },
        ),
        { numRuns: 200 },
      );
    });

    it('never throws on arbitrary input, and rejects wrong lengths', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 70 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 40 }),
          (sig, msg, pk) => {
            const ok = verify(sig, msg, pk);
            if (sig.length !== 64 || msg.length !== 32 || pk.length !== 32) assert.equal(ok, false);
            else assert.equal(ok, bip340Ref.verify(pk, msg, sig));
          },
        ),
        { numRuns: 500 },
      );
    });

    it('rejects non-Uint8Array arguments without throwing', () => {
      const junk = [undefined, null, 'ab', 42, [1, 2, 3]] as unknown as Uint8Array[];
      for (const j of junk) {
        assert.equal(verify(j, new Uint8Array(32), new Uint8Array(32)), false);
        assert.equal(verify(new Uint8Array(64), j, new Uint8Array(32)), false);
        assert.equal(verify(new Uint8Array(64), new Uint8Array(32), j), false);
      }
    });
  });

  describe('nobleVerifier', () => {
    const checks: SigCheck[] = [];
    for (let i = 1; i <= 6; i++) {
      const sk = to32(BigInt(i) * 7919n);
      const msg = to32(BigInt(i));
      checks.push({ msg, sig: sign(msg, sk, new Uint8Array(32)), pubkey: getPublicKey(sk) });
    }

    it('resolves -1 for an empty batch and for all-valid checks', async () => {
      assert.equal(await nobleVerifier.verifyBatch([]), -1);
      assert.equal(await nobleVerifier.verifyBatch(checks), -1);
    });

    it('resolves the index of the first invalid check', async () => {
      const bad = checks.slice();
      bad[4] = { ...checks[4]!, msg: checks[3]!.msg };
      bad[2] = { ...checks[2]!, sig: new Uint8Array(63) };
      assert.equal(await nobleVerifier.verifyBatch(bad), 2);
      assert.equal(await nobleVerifier.verifyBatch(bad.slice(3)), 1);
      assert.equal(nobleVerifier.verifySync(bad[4]!), false);
      assert.equal(nobleVerifier.verifySync(checks[4]!), true);
    });
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = (bit >> 3) % out.length;
  out[i]! ^= 1 << (bit & 7);
  return out;
}
