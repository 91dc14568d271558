import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError, toHex } from '../../../consensus/index.js';
import {
  ARCH,
  BIAS_MAX,
  DOMAINS,
  MATH_INPUTS,
  MODEL_VERSION,
  parameterCount,
} from '../../../training/arch.js';
import { LM_INPUTS } from '../../../training/data/lm.js';
import {
  cloneModel,
  decodeNetworkModel,
  encodeNetworkModel,
  heUniformBound,
  initialNetworkModel,
  networkModelHash,
  zeroModel,
} from '../../../training/model.js';

/** modelHash(initialNetworkModel()) of model version 2: what genesis commits to. */
const INITIAL_MODEL_HASH = '4090d0ffcd05556a110329912073c235560fb211428035990b87ec17f53235fc';

function isDecodeError(e: unknown): boolean {
  return e instanceof DecodeError;
}

describe('training/model', () => {
  it('initial model is deterministic and pinned', () => {
    const a = initialNetworkModel();
    const b = initialNetworkModel();
    assert.deepEqual(encodeNetworkModel(a), encodeNetworkModel(b));
    assert.equal(a.version, MODEL_VERSION);
    assert.equal(MODEL_VERSION, 2);
    assert.deepEqual(
      a.heads.map((h) => h.domain),
      [...DOMAINS],
    );
    assert.equal(toHex(networkModelHash(a)), INITIAL_MODEL_HASH);
  });

  it('has the documented size and weight bounds', () => {
    const m = initialNetworkModel();
    // lm: 10,434·32+32 + 32·96+96; math: 186·128+128 + 128·10+10
    assert.equal(LM_INPUTS, 10_434);
    assert.equal(MATH_INPUTS, 186);
    assert.equal(parameterCount(), 362_314);
    // 6 header bytes, 2 per head, 5 per layer, a byte per weight, 4 per bias
    assert.equal(encodeNetworkModel(m).length, 363_142);
    m.heads.forEach((h, i) => {
      h.layers.forEach((l, j) => {
        const r = heUniformBound(l.inputs, l.shift);
        assert.ok(r > 0 && r <= 127);
        assert.ok(l.w.every((v) => v >= -r && v <= r));
        assert.equal(l.inputs, ARCH[i]!.layers[j]!.inputs);
      });
    });
  });

  it('round-trips through the canonical encoding', () => {
    const m = initialNetworkModel();
    m.heads[0]!.layers[0]!.b[3] = -BIAS_MAX;
    m.heads[1]!.layers[1]!.b[0] = BIAS_MAX;
    const bytes = encodeNetworkModel(m);
    const back = decodeNetworkModel(bytes);
    assert.deepEqual(encodeNetworkModel(back), bytes);
    assert.deepEqual(networkModelHash(back), networkModelHash(m));
  });

  it('rejects trailing bytes, truncation, bad magic, weight −128 and out-of-range biases', () => {
    const bytes = encodeNetworkModel(zeroModel());
    const trailing = new Uint8Array(bytes.length + 1);
    trailing.set(bytes);
    assert.throws(() => decodeNetworkModel(trailing), isDecodeError);
    assert.throws(() => decodeNetworkModel(bytes.subarray(0, bytes.length - 1)), isDecodeError);
    const magic = bytes.slice();
    magic[0] = 0;
    assert.throws(() => decodeNetworkModel(magic), isDecodeError);
    const w = cloneModel(zeroModel());
    const wb = encodeNetworkModel(w);
    wb[6 + 2 + 5] = 0x80; // first weight of the first layer
    assert.throws(() => decodeNetworkModel(wb), isDecodeError);
    const b = zeroModel();
    b.heads[0]!.layers[0]!.b[0] = BIAS_MAX + 1;
    assert.throws(() => decodeNetworkModel(encodeNetworkModel(b)), isDecodeError);
  });

  it('throws only DecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodeNetworkModel(b);
          return false;
        } catch (e) {
          return isDecodeError(e);
        }
      }),
      { numRuns: 300 },
    );
  });
});
