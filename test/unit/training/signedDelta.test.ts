import { strict as assert } from 'node:assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { DecodeError, devnetParams, getPublicKey, hash160 } from '../../../consensus/index.js';
import { diffModels, encodeDelta, zeroDelta } from '../../../training/delta.js';
import { TrainingError } from '../../../training/errors.js';
import { initialNetworkModel, networkModelHash } from '../../../training/model.js';
import {
  creditContributors,
  decodeSignedDelta,
  encodeSignedDelta,
  MAX_REPORTED_SAMPLES,
  type SignedDelta,
  signDelta,
  uniqueDeltas,
  verifySignedDelta,
} from '../../../training/signedDelta.js';
import { partlyTrainedModel } from './helpers.js';

const sk = (i: number): Uint8Array => sha256(Uint8Array.of(i, 1, 2, 3));
const code = (c: string) => (e: unknown) => e instanceof TrainingError && e.code === c;

describe('training/signedDelta', () => {
  const base = initialNetworkModel();
  const baseHash = networkModelHash(base);
  let delta: Uint8Array;
  let msg: SignedDelta;
  before(() => {
    delta = encodeDelta(diffModels(base, partlyTrainedModel()));
    msg = signDelta({ baseModelHash: baseHash, samples: 3000, delta }, sk(1));
  });

  it('signs, encodes, decodes and verifies', () => {
    assert.deepEqual(msg.contributor, hash160(getPublicKey(sk(1))));
    const back = decodeSignedDelta(encodeSignedDelta(msg));
    assert.deepEqual(back, msg);
    const v = verifySignedDelta(back, baseHash, devnetParams);
    assert.deepEqual(encodeDelta(v.delta), delta);
  });

  it('rejects a delta against a stale base', () => {
    const stale = networkModelHash(partlyTrainedModel());
    assert.throws(() => verifySignedDelta(msg, stale, devnetParams), code('TRAINING_STALE_BASE'));
  });

  it('rejects a bad signature, a tampered delta, count or payout address', () => {
    const sig = msg.sig.slice();
    sig[5]! ^= 1;
    assert.throws(
      () => verifySignedDelta({ ...msg, sig }, baseHash, devnetParams),
      code('TRAINING_BAD_SIGNATURE'),
    );
    const d2 = delta.slice();
    d2[d2.length - 1] = d2[d2.length - 1] === 1 ? 2 : 1;
    assert.throws(
      () => verifySignedDelta({ ...msg, delta: d2 }, baseHash, devnetParams),
      (e: unknown) =>
        e instanceof TrainingError && ['TRAINING_BAD_SIGNATURE', 'TRAINING_BAD_DELTA'].includes(e.code),
    );
    assert.throws(
      () => verifySignedDelta({ ...msg, samples: 3001 }, baseHash, devnetParams),
      code('TRAINING_BAD_SIGNATURE'),
    );
    // the payout address is signed: swapping it breaks the signature
    const other = signDelta({ baseModelHash: baseHash, samples: 1, delta }, sk(2));
    assert.throws(
      () => verifySignedDelta({ ...msg, contributor: other.contributor }, baseHash, devnetParams),
      code('TRAINING_BAD_SIGNATURE'),
    );
    assert.throws(
      () => verifySignedDelta({ ...msg, contributor: new Uint8Array(19) }, baseHash, devnetParams),
      code('TRAINING_BAD_CONTRIBUTOR'),
    );
    // re-signed by a copier under their own key: valid alone, but uniqueDeltas drops the copy
    const copy = signDelta({ baseModelHash: baseHash, samples: 99_999, delta }, sk(3));
    const list = [
      verifySignedDelta(msg, baseHash, devnetParams),
      verifySignedDelta(copy, baseHash, devnetParams),
    ];
    assert.equal(uniqueDeltas(list).length, 1);
    assert.deepEqual(uniqueDeltas(list)[0]!.message.contributor, msg.contributor);
  });

  it('rejects malformed, zero, oversized deltas and absurd sample counts', () => {
    const bad = signDelta({ baseModelHash: baseHash, samples: 5, delta: Uint8Array.of(1, 7) }, sk(1));
    assert.throws(() => verifySignedDelta(bad, baseHash, devnetParams), code('TRAINING_BAD_DELTA'));
    const zero = signDelta({ baseModelHash: baseHash, samples: 5, delta: encodeDelta(zeroDelta()) }, sk(1));
    assert.throws(() => verifySignedDelta(zero, baseHash, devnetParams), code('TRAINING_BAD_DELTA'));
    const small = { ...devnetParams, maxModelUpdateSize: 1000 };
    assert.throws(() => verifySignedDelta(msg, baseHash, small), code('TRAINING_DELTA_OVERSIZE'));
    for (const samples of [0, MAX_REPORTED_SAMPLES + 1]) {
      const m = signDelta({ baseModelHash: baseHash, samples, delta }, sk(1));
      assert.throws(() => verifySignedDelta(m, baseHash, devnetParams), code('TRAINING_BAD_CONTRIBUTOR'));
    }
  });

  it('the envelope decoder rejects trailing bytes, truncation and unknown versions', () => {
    const bytes = encodeSignedDelta(msg);
    const isDecode = (e: unknown): boolean => e instanceof DecodeError;
    assert.throws(() => decodeSignedDelta(Uint8Array.from([...bytes, 0])), isDecode);
    assert.throws(() => decodeSignedDelta(bytes.subarray(0, bytes.length - 1)), isDecode);
    const v = bytes.slice();
    v[0] = 2;
    assert.throws(() => decodeSignedDelta(v), isDecode);
  });

  it('pays a chosen address; creditContributors merges signers that name the same address', () => {
    const payout = new Uint8Array(20).fill(9);
    const a = signDelta({ baseModelHash: baseHash, samples: 3000, delta, contributor: payout }, sk(4));
    assert.deepEqual(a.contributor, payout);
    const va = verifySignedDelta(a, baseHash, devnetParams);
    const d2 = encodeDelta(diffModels(partlyTrainedModel(), base));
    const b = signDelta(
      { baseModelHash: baseHash, samples: 100_000_000, delta: d2, contributor: payout },
      sk(5),
    );
    const c = signDelta({ baseModelHash: baseHash, samples: 11, delta: d2.slice() }, sk(6));
    const vb = verifySignedDelta(b, baseHash, devnetParams);
    const vc = verifySignedDelta({ ...c }, baseHash, devnetParams);
    // c repeats b's payload byte for byte: dropped; a and b are different signers: both kept
    assert.deepEqual(
      uniqueDeltas([va, vb, vc]).map((v) => v.message.pubkey),
      [a.pubkey, b.pubkey],
    );
    assert.deepEqual(creditContributors([va, vb, vc]), [
      { pubKeyHash: payout, samples: 100_003_000 },
      { pubKeyHash: c.contributor, samples: 11 },
    ]);
  });
});
