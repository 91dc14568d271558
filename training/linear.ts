/**
 * The linear task: a small but real deterministic evaluator, the network model until the MLP of
 * the training layer (multi-domain, quantized) replaces it. Task: 3-class classification of 8 int8 features, generated procedurally from the
 * evaluation seed; the true label is the argmax of a fixed hidden integer matrix times the
 * features. Model: 3×8 Int32 weights; prediction: argmax of W·x (ties → lowest class); score: number
 * of correct predictions. Delta: 24 int8 values added to the weights. All integer math.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DecodeError, type Evaluator, type Hash, sha256d, VerdictError } from '../consensus/index.js';

export const FEATURES = 8;
export const CLASSES = 3;
const HIDDEN: readonly number[] = [
  5, -3, 2, 7, -1, 0, 4, -6, -2, 6, -5, 1, 3, -4, 0, 2, 1, 1, 3, -7, 2, 5, -3, 4,
];

export type LinearModel = Int32Array;

export function initialModel(): LinearModel {
  return new Int32Array(FEATURES * CLASSES);
}

export function sampleAt(seed: Hash, i: number): { x: Int8Array; label: number } {
  const msg = new Uint8Array(36);
  msg.set(seed);
  new DataView(msg.buffer).setUint32(32, i, true);
  const h = sha256(msg);
  const x = new Int8Array(h.buffer, h.byteOffset, FEATURES);
  return { x: Int8Array.from(x), label: predict(HIDDEN, x) };
}

function predict(w: ArrayLike<number>, x: Int8Array): number {
  let best = 0;
  let bestV = -Infinity;
  for (let c = 0; c < CLASSES; c++) {
    let v = 0;
    for (let f = 0; f < FEATURES; f++) v += w[c * FEATURES + f]! * x[f]!;
    if (v > bestV) {
      bestV = v;
      best = c;
    }
  }
  return best;
}

export const linearEvaluator: Evaluator<LinearModel> = {
  applyDelta(parent, delta) {
    if (delta.length !== FEATURES * CLASSES) {
      throw new VerdictError(
        'bad-model-update',
        `delta has ${delta.length} bytes, expected ${FEATURES * CLASSES}`,
      );
    }
    const d = new Int8Array(delta.buffer, delta.byteOffset, delta.length);
    const out = new Int32Array(parent.length);
    for (let i = 0; i < out.length; i++) out[i] = parent[i]! + d[i]!;
    return out;
  },
  modelHash(model) {
    return sha256d(linearEvaluator.encodeModel(model));
  },
  encodeModel(model) {
    const bytes = new Uint8Array(model.length * 4);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < model.length; i++) dv.setInt32(i * 4, model[i]!, true);
    return bytes;
  },
  decodeModel(bytes) {
    if (bytes.length !== FEATURES * CLASSES * 4) {
      throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'linear model length' });
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const m = new Int32Array(FEATURES * CLASSES);
    for (let i = 0; i < m.length; i++) m[i] = dv.getInt32(i * 4, true);
    return m;
  },
  initialModel,
  score(model, seed, count) {
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const { x, label } = sampleAt(seed, i);
      if (predict(model, x) === label) correct++;
    }
    return correct;
  },
  compare(parent, child, seed, count) {
    let parentScore = 0;
    let newScore = 0;
    let parentOnly = 0;
    let childOnly = 0;
    for (let i = 0; i < count; i++) {
      const { x, label } = sampleAt(seed, i);
      const p = predict(parent, x) === label;
      const c = predict(child, x) === label;
      if (p) parentScore++;
      if (c) newScore++;
      if (p && !c) parentOnly++;
      if (c && !p) childOnly++;
    }
    return {
      parentScore,
      newScore,
      parentOnly,
      childOnly,
      byDomain: [{ parent: parentScore, child: newScore }],
    };
  },
  // The linear model has a fixed size.
  grow: () => null,
  domains: 1,
  // The linear task has no generated domain with a level.
  maxLevels: [],
  levelCheck: () => [],
};

/** A delta that moves `model` toward the hidden matrix by at most `step` per weight. */
export function improvingDelta(model: LinearModel, step = 3): Uint8Array {
  const d = new Int8Array(model.length);
  for (let i = 0; i < model.length; i++) {
    const diff = HIDDEN[i]! - model[i]!;
    d[i] = Math.max(-step, Math.min(step, diff));
  }
  return new Uint8Array(d.buffer);
}
