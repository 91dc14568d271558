/**
 * The linear task: a small but real deterministic evaluator, the network model until the MLP of
 * the training layer (multi-domain, quantized) replaces it. Task: 3-class classification of 8 int8 features, generated procedurally from the
 * evaluation seed; the true label is the argmax of a fixed hidden integer matrix times the
 * features. Model: 3×8 Int32 weights; prediction: argmax of W·x (ties → lowest class); score: number
 * of correct predictions. Delta: 24 int8 values added to the weights (−128 is not a step). All
 * integer math. Contributions combine like the network's (federation/): the rules of
 * FEDERATION_RULES per weight, rejecting a zero or malformed delta ('bad-model-contribution') and
 * two byte-identical or near-duplicate deltas ('bad-model-duplicate', the same cosine rule).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Combination,
  DecodeError,
  type Evaluator,
  equalBytes,
  type Hash,
  sha256d,
  VerdictError,
} from '../consensus/index.js';
import { TrainingError } from './errors.js';
import {
  duplicateError,
  FEDERATION_RULES,
  federationRule,
  nearDuplicate,
  roundedMean,
} from './federation/index.js';

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

const DELTA_SIZE = FEATURES * CLASSES;
const STEP_MAX = 127;

/** The i-th contribution's steps; VerdictError('bad-model-contribution') unless 24 non-zero int8 steps. */
function contributionSteps(delta: Uint8Array, i: number): Int8Array {
  const bad = (reason: string): VerdictError =>
    new VerdictError('bad-model-contribution', `contribution ${i}: ${reason}`);
  if (!(delta instanceof Uint8Array) || delta.length !== DELTA_SIZE) {
    throw bad(`delta of ${delta?.length} bytes, expected ${DELTA_SIZE}`);
  }
  const d = new Int8Array(delta.buffer, delta.byteOffset, delta.length);
  if (d.includes(-128)) throw bad('step −128');
  if (d.every((v) => v === 0)) throw bad('zero delta');
  return d;
}

function linearCombine(
  parent: LinearModel,
  deltas: readonly Uint8Array[],
  ruleId: number,
): Combination<LinearModel> {
  const rule = federationRule(ruleId);
  const steps = deltas.map(contributionSteps);
  const n = steps.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (equalBytes(deltas[i]!, deltas[j]!)) {
        throw new VerdictError('bad-model-duplicate', `contributions ${i} and ${j} are byte-identical`);
      }
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let f = 0; f < DELTA_SIZE; f++) {
        const a = steps[i]![f]!;
        const b = steps[j]![f]!;
        dot += a * b;
        na += a * a;
        nb += b * b;
      }
      if (nearDuplicate(dot, na, nb)) throw duplicateError(i, j, dot, na, nb);
    }
  }
  const sum = new Int32Array(DELTA_SIZE);
  const count = new Int32Array(DELTA_SIZE);
  for (const d of steps) {
    for (let f = 0; f < DELTA_SIZE; f++) {
      sum[f] = sum[f]! + d[f]!;
      if (d[f] !== 0) count[f] = count[f]! + 1;
    }
  }
  // parent + the combination of every contribution except `skip` (-1: none)
  const build = (skip: number): LinearModel => {
    const out = parent.slice();
    const left = skip < 0 ? n : n - 1;
    for (let f = 0; f < DELTA_SIZE; f++) {
      const v = skip < 0 ? 0 : steps[skip]![f]!;
      const k = rule === 'mean' ? left : count[f]! - (v !== 0 ? 1 : 0);
      if (k > 0) out[f] = out[f]! + roundedMean(sum[f]! - v, k, STEP_MAX);
    }
    return out;
  };
  return {
    model: build(-1),
    without(i) {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `no contribution ${i} of ${n}` });
      }
      return build(i);
    },
  };
}

/** The linear evaluator; `applyDelta` adds one delta (tests and tools). */
export const linearEvaluator: Evaluator<LinearModel> & {
  applyDelta(parent: LinearModel, delta: Uint8Array): LinearModel;
} = {
  rules: FEDERATION_RULES,
  combine: linearCombine,
  correctOn(models, seed, _count, _levels, samples) {
    return models.map((model) => {
      const out = new Uint8Array(samples.length);
      samples.forEach((s, k) => {
        const { x, label } = sampleAt(seed, s);
        out[k] = predict(model, x) === label ? 1 : 0;
      });
      return out;
    });
  },
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
    const disagreements: number[] = [];
    const childRight: number[] = [];
    for (let i = 0; i < count; i++) {
      const { x, label } = sampleAt(seed, i);
      const p = predict(parent, x) === label;
      const c = predict(child, x) === label;
      if (p) parentScore++;
      if (c) newScore++;
      if (p === c) continue;
      if (p) parentOnly++;
      else childOnly++;
      disagreements.push(i);
      childRight.push(c ? 1 : 0);
    }
    return {
      parentScore,
      newScore,
      parentOnly,
      childOnly,
      byDomain: [{ parent: parentScore, child: newScore }],
      disagreements: Uint32Array.from(disagreements),
      childRight: Uint8Array.from(childRight),
      // this test model's loss is 0–1 (0 right, 256 wrong): D = ±256 where the two disagree
      lossGain: { sum: 256 * (childOnly - parentOnly), sumSq: 65_536 * (childOnly + parentOnly) },
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
