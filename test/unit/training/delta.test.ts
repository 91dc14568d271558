import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VerdictError } from '../../../consensus/index.js';
import { ARCH, BIAS_MAX } from '../../../training/arch.js';
import {
  applyModelDelta,
  decodeDelta,
  diffModels,
  encodeDelta,
  isZeroDelta,
  MAX_DELTA_BYTES,
  zeroDelta,
} from '../../../training/delta.js';
import { TrainingError } from '../../../training/errors.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { jsKernel } from '../../../training/kernel/index.js';
import {
  encodeNetworkModel,
  initialNetworkModel,
  networkModelHash,
  zeroModel,
} from '../../../training/model.js';
import { partlyTrainedModel } from './helpers.js';

const isBadDelta = (e: unknown): boolean => e instanceof TrainingError && e.code === 'TRAINING_BAD_DELTA';

/** Header bytes: version and one growth byte per head. */
const H = 1 + ARCH.length;

describe('training/delta', () => {
  it('trained − base round-trips: encode, decode, apply gives the trained model exactly', () => {
    const base = initialNetworkModel();
    const trained = partlyTrainedModel();
    const d = diffModels(base, trained);
    assert.ok(!isZeroDelta(d));
    const bytes = encodeDelta(d);
    assert.ok(bytes.length <= MAX_DELTA_BYTES);
    const back = decodeDelta(bytes);
    assert.deepEqual(encodeDelta(back), bytes);
    assert.deepEqual(networkModelHash(applyModelDelta(base, back)), networkModelHash(trained));
  });

  it('uses sparse, dense and zero tensor encodings canonically', () => {
    const d = zeroDelta();
    // version, a growth byte per head, one kind byte per tensor (2 heads × 2 layers × w, b)
    assert.equal(encodeDelta(d).length, H + 8);
    d.w[0]![5] = 3;
    d.b[1]![0] = -300;
    const bytes = encodeDelta(d);
    assert.equal(bytes[H], 2); // first weights: sparse
    const back = decodeDelta(bytes);
    assert.equal(back.w[0]![5], 3);
    assert.equal(back.b[1]![0], -300);
    d.w[0]!.fill(1);
    assert.equal(encodeDelta(d)[H], 1); // now dense
    // the same tensor written the non-canonical way (dense where sparse is shorter) is rejected
    const z = zeroDelta();
    z.w[0]![0] = 1;
    const canonical = encodeDelta(z);
    const dense = new Uint8Array(canonical.length - 3 + z.w[0]!.length);
    dense.set(canonical.subarray(0, H));
    dense[H] = 1;
    dense[H + 1] = 1; // value of w[0][0]
    dense.set(canonical.subarray(H + 4), H + 1 + z.w[0]!.length);
    assert.throws(() => decodeDelta(dense), isBadDelta);
  });

  it('writes two-level tensors (every weight step ±s or ±2s) as kind 3, canonically', () => {
    const d = zeroDelta();
    // entries 3 (+4), 10 (−8), 11 (+4), 700 (−4), 701 (+8): s = 4
    const at: Array<[number, number]> = [
      [3, 4],
      [10, -8],
      [11, 4],
      [700, -4],
      [701, 8],
    ];
    for (const [i, v] of at) d.w[0]![i] = v;
    const bytes = encodeDelta(d);
    // kind 3 | k 5 | s 4 | gaps 3 6 0 688 (compact size fd b0 02) 0 | codes: + −2 + − / +2
    assert.deepEqual(
      [...bytes.subarray(H, H + 12)],
      [3, 5, 4, 3, 6, 0, 0xfd, 0xb0, 0x02, 0, 0b01_00_11_00, 0b10],
    );
    assert.equal(bytes[H + 12], 0, 'the next tensor (biases, zero) follows');
    assert.deepEqual(decodeDelta(bytes).w[0], d.w[0]);
    // 12 bytes, where the sparse kind would take 14 (kind, k, 7 bytes of gaps, a byte per value)
    const mutate = (i: number, v: number): Uint8Array => {
      const b = bytes.slice();
      b[H + i] = v;
      return b;
    };
    // scale 2 with the same codes decodes to ±2/±4: still canonical (s is the smallest magnitude)
    assert.equal(decodeDelta(mutate(2, 2)).w[0]![10], -4);
    // scale 0, and a scale whose 2s passes the weight-step bound
    assert.throws(() => decodeDelta(mutate(2, 0)), isBadDelta);
    assert.throws(() => decodeDelta(mutate(2, 64)), isBadDelta);
    // padding bits of the last code byte set
    assert.throws(() => decodeDelta(mutate(11, 0b1010)), isBadDelta);
    // every code at magnitude 2 (s = 4 meaning ±8): the canonical form is s = 8 at magnitude 1
    assert.throws(() => decodeDelta(mutate(10, 0b11_10_11_10)), isBadDelta);
    const all8 = zeroDelta();
    for (const [i, v] of at) all8.w[0]![i] = v < 0 ? -8 : 8;
    const e = encodeDelta(all8);
    assert.equal(e[H + 2], 8, 'scale = the smallest magnitude');
    assert.deepEqual(decodeDelta(e).w[0], all8.w[0]);
    // three magnitudes are not two-level: sparse
    d.w[0]![3] = 5;
    assert.equal(encodeDelta(d)[H], 2);
    // kind 3 on a bias tensor is not a kind
    const b = zeroDelta();
    for (const [i, v] of at.slice(0, 3)) b.b[0]![i] = v;
    const bb = encodeDelta(b);
    assert.equal(bb[H + 1], 2, 'biases stay sparse');
    const asKind3 = Uint8Array.from([...bb.subarray(0, H + 1), 3, ...bb.subarray(H + 2)]);
    assert.throws(() => decodeDelta(asKind3), isBadDelta);
  });

  it('saturates when applied: weights at ±127, biases at ±BIAS_MAX', () => {
    const base = zeroModel();
    base.heads[0]!.layers[0]!.w[0] = 120;
    base.heads[0]!.layers[0]!.b[0] = BIAS_MAX - 10;
    const d = zeroDelta();
    d.w[0]![0] = 100;
    d.b[0]![0] = 1000;
    const m = applyModelDelta(base, decodeDelta(encodeDelta(d)));
    assert.equal(m.heads[0]!.layers[0]!.w[0], 127);
    assert.equal(m.heads[0]!.layers[0]!.b[0], BIAS_MAX);
    assert.equal(base.heads[0]!.layers[0]!.w[0], 120, 'base untouched');
  });

  it('rejects −128 steps, bad kinds, zero sparse entries, out-of-range indices, trailing bytes', () => {
    const d = zeroDelta();
    d.w[0]![0] = 5;
    const good = encodeDelta(d); // 02 | 00 00 | 02 01 00 05 | 00 ...
    assert.deepEqual([...good.subarray(0, H + 4)], [2, 0, 0, 2, 1, 0, 5]);
    const mutate = (i: number, v: number): Uint8Array => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    assert.throws(() => decodeDelta(mutate(H + 3, 0x80)), isBadDelta);
    assert.throws(() => decodeDelta(mutate(H + 3, 0)), isBadDelta);
    assert.throws(() => decodeDelta(mutate(H, 7)), isBadDelta);
    assert.throws(() => decodeDelta(mutate(0, 1)), isBadDelta);
    // a growth past a head's maximum
    assert.throws(() => decodeDelta(mutate(1, 5)), isBadDelta);
    assert.throws(() => decodeDelta(mutate(2, 3)), isBadDelta);
    assert.equal(decodeDelta(mutate(H + 2, 0xfc)).w[0]![252], 5); // gap 252: index 252, still canonical
    // gap 16,777,215 (varint fe ff ff ff 00) runs past the 333,888-entry tensor
    assert.throws(
      () => decodeDelta(Uint8Array.from([...good.subarray(0, H + 2), 0xfe, 0xff, 0xff, 0xff, 0x00, 5])),
      isBadDelta,
    );
    assert.throws(() => decodeDelta(Uint8Array.from([...good, 0])), isBadDelta);
    assert.throws(() => decodeDelta(good.subarray(0, good.length - 1)), isBadDelta);
    assert.throws(
      () => decodeDelta(new Uint8Array(MAX_DELTA_BYTES + 1)),
      (e: unknown) => e instanceof TrainingError && e.code === 'TRAINING_DELTA_OVERSIZE',
    );
  });

  it('random bytes only ever raise TrainingError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          decodeDelta(b);
          return true;
        } catch (e) {
          return e instanceof TrainingError;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the evaluator turns a malformed delta into VerdictError(bad-model-update)', () => {
    const ev = createNetworkEvaluator({ kernel: jsKernel });
    const m = ev.initialModel();
    assert.throws(
      () => ev.applyDelta(m, Uint8Array.from([1, 9])),
      (e: unknown) => e instanceof VerdictError && e.reason === 'bad-model-update',
    );
    const d = zeroDelta();
    d.b[0]![0] = 1;
    const next = ev.applyDelta(m, encodeDelta(d));
    assert.notDeepEqual(encodeNetworkModel(next), encodeNetworkModel(m));
  });
});
