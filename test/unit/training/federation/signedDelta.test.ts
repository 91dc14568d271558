import { strict as assert } from 'node:assert';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  contributionSigChecks,
  DecodeError,
  devnetParams,
  getPublicKey,
  hash160,
  MAX_REPORTED_SAMPLES,
  nobleVerifier,
} from '../../../../consensus/index.js';
import { DEFAULT_DELTA_DENSITY } from '../../../../training/compress.js';
import { diffModels, encodeDelta, zeroDelta } from '../../../../training/delta.js';
import { FederationError } from '../../../../training/federation/errors.js';
import {
  decodeSignedDelta,
  encodeSignedDelta,
  type SignedDelta,
  signDelta,
  toContribution,
  uniqueDeltas,
  verifySignedDelta,
} from '../../../../training/federation/signedDelta.js';
import { LocalTrainer } from '../../../../training/local.js';
import { initialNetworkModel, networkModelHash } from '../../../../training/model.js';
import { partlyTrainedModel } from '../helpers.js';

const sk = (i: number): Uint8Array => sha256(Uint8Array.of(i, 1, 2, 3));
/** A FederationError of this level whose reason matches. */
const refused =
  (level: 'context' | 'invalid', reason: RegExp = /./) =>
  (e: unknown) =>
    e instanceof FederationError && e.level === level && reason.test(e.reason);

describe('training/federation/signedDelta', () => {
  const base = initialNetworkModel();
  const baseHash = networkModelHash(base);
  let delta: Uint8Array;
  let msg: SignedDelta;
  before(() => {
    const t = new LocalTrainer({
      shard: { index: 0, count: 2 },
      seed: 'signed delta',
      deltaDensity: DEFAULT_DELTA_DENSITY,
    });
    t.setBase(base, [0]);
    t.train(1_000);
    delta = encodeDelta(t.delta());
    msg = signDelta({ baseModelHash: baseHash, samples: 1_000, delta }, sk(1));
  });

  it('signs, encodes, decodes and verifies; it is the block contribution consensus checks', async () => {
    assert.deepEqual(msg.contributor, hash160(getPublicKey(sk(1))));
    const back = decodeSignedDelta(encodeSignedDelta(msg));
    assert.deepEqual(back, msg);
    verifySignedDelta(back, baseHash, devnetParams);
    const update = {
      baseModelHash: baseHash,
      claimedPpm: 0,
      levels: [0],
      grow: null,
      rule: 0,
      contributions: [toContribution(msg)],
    };
    assert.equal(await nobleVerifier.verifyBatch(contributionSigChecks(update)), -1);
    const otherBase = { ...update, baseModelHash: new Uint8Array(32).fill(1) };
    assert.equal(await nobleVerifier.verifyBatch(contributionSigChecks(otherBase)), 0);
  });

  it('a delta against a stale base is a context rejection', () => {
    const stale = networkModelHash(partlyTrainedModel());
    assert.throws(() => verifySignedDelta(msg, stale, devnetParams), refused('context', /stale base/));
  });

  it('rejects a bad signature, a tampered delta, count or payout address', () => {
    const sig = msg.sig.slice();
    sig[5]! ^= 1;
    assert.throws(
      () => verifySignedDelta({ ...msg, sig }, baseHash, devnetParams),
      refused('invalid', /signature/),
    );
    const d2 = delta.slice();
    d2[d2.length - 1] = d2[d2.length - 1] === 1 ? 2 : 1;
    assert.throws(() => verifySignedDelta({ ...msg, delta: d2 }, baseHash, devnetParams), refused('invalid'));
    assert.throws(
      () => verifySignedDelta({ ...msg, samples: 1_001 }, baseHash, devnetParams),
      refused('invalid', /signature/),
    );
    // the payout address is signed: swapping it breaks the signature
    const other = signDelta({ baseModelHash: baseHash, samples: 1, delta }, sk(2));
    assert.throws(
      () => verifySignedDelta({ ...msg, contributor: other.contributor }, baseHash, devnetParams),
      refused('invalid', /signature/),
    );
    assert.throws(
      () => verifySignedDelta({ ...msg, contributor: new Uint8Array(19) }, baseHash, devnetParams),
      refused('invalid', /20-byte/),
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

  it('rejects malformed, zero, over-bounded and oversized deltas and absurd sample counts', () => {
    const bad = signDelta({ baseModelHash: baseHash, samples: 5, delta: Uint8Array.of(1, 7) }, sk(1));
    assert.throws(() => verifySignedDelta(bad, baseHash, devnetParams), refused('invalid'));
    const zero = signDelta({ baseModelHash: baseHash, samples: 5, delta: encodeDelta(zeroDelta()) }, sk(1));
    assert.throws(() => verifySignedDelta(zero, baseHash, devnetParams), refused('invalid', /zero delta/));
    // a whole (uncompressed) difference: more entries per tensor than a block may carry
    const dense = encodeDelta(diffModels(base, partlyTrainedModel()));
    const whole = signDelta({ baseModelHash: baseHash, samples: 5, delta: dense }, sk(1));
    assert.throws(
      () => verifySignedDelta(whole, baseHash, devnetParams),
      refused('invalid', /non-zero steps, above/),
    );
    const small = { ...devnetParams, maxModelUpdateSize: 1000 };
    assert.throws(() => verifySignedDelta(msg, baseHash, small), refused('invalid', /bytes/));
    for (const samples of [0, MAX_REPORTED_SAMPLES + 1]) {
      const m = signDelta({ baseModelHash: baseHash, samples, delta }, sk(1));
      assert.throws(() => verifySignedDelta(m, baseHash, devnetParams), refused('invalid', /sample count/));
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

  it('pays a chosen address', () => {
    const payout = new Uint8Array(20).fill(9);
    const a = signDelta({ baseModelHash: baseHash, samples: 3000, delta, contributor: payout }, sk(4));
    assert.deepEqual(a.contributor, payout);
    assert.deepEqual(toContribution(verifySignedDelta(a, baseHash, devnetParams).message).payout, payout);
  });
});
