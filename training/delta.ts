/**
 * Model deltas: the difference between two models in the consensus domain, so applying one is
 * exact integer addition. Weights move by int8 steps in [−127, 127], biases by int16 steps in
 * [−32767, 32767]; application saturates: w' = clamp(w + d, −127, 127),
 * b' = clamp(b + d, −BIAS_MAX, BIAS_MAX).
 *
 * Encoding: version u8 (2) | growth u8 per head (the model shape archAt(growth) it applies to) |
 * per tensor, in architecture order (each layer's weights, then its biases):
 *   kind u8 — 0 all zero | 1 dense: every value (int8, or int16 LE for biases)
 *           | 2 sparse: varint k (≥ 1), k × (varint gap, value), index = previous index + 1 + gap
 *           | 3 two-level sparse (weights only): varint k (≥ 1), scale s u8, k × varint gap,
 *             then ⌈k/4⌉ bytes of 2-bit codes (entry j at bits 2(j mod 4), low bits first; code
 *             bit 0 = negative, bit 1 = magnitude 2s instead of s; padding bits zero)
 * Kind 3 is what a trainer's compressed delta looks like (training/compress.ts: top-k entries,
 * two magnitudes): about 1.6 bytes per entry instead of 2–3.
 * Canonical: kind 0 iff the tensor is zero; otherwise the shortest of dense, sparse and (when
 * every non-zero value is ±s or ±2s with s = the smallest magnitude, and 2s ≤ 127 if ±2s occurs)
 * two-level, ties going to the lower kind; sparse values are non-zero; −128 and −32768 never
 * appear. The decoder enforces all of it, rejects trailing bytes and anything longer than
 * MAX_DELTA_BYTES. A delta applies only to a model of its growth (TRAINING_BAD_DELTA otherwise).
 */
import { DecodeError, Reader, varintSize, Writer } from '../consensus/index.js';
import {
  ARCH,
  archAt,
  BIAS_MAX,
  DELTA_B_MAX,
  DELTA_W_MAX,
  type Growth,
  type LayerSpec,
  MAX_GROWTH,
  NO_GROWTH,
  validGrowth,
  WEIGHT_MAX,
} from './arch.js';
import { TrainingError } from './errors.js';
import { modelGrowth, type NetworkModel, type QuantLayer } from './model.js';

export const DELTA_VERSION = 2;

export interface ModelDelta {
  /** Growth steps per head of the models it applies to. */
  readonly growth: Growth;
  /** One entry per layer, in architecture order (heads, then layers). */
  readonly w: readonly Int8Array[];
  readonly b: readonly Int16Array[];
}

function layersAt(growth: Growth): readonly LayerSpec[] {
  return archAt(growth).flatMap((h) => h.layers);
}

/** Bytes of a delta for models of `growth` with every tensor dense (the uncompressed baseline). */
export function denseDeltaBytes(growth: Growth): number {
  return 1 + ARCH.length + layersAt(growth).reduce((n, l) => n + 2 + l.inputs * l.outputs + 2 * l.outputs, 0);
}

/** Largest canonical delta: every tensor dense, at the largest growth. */
export const MAX_DELTA_BYTES = denseDeltaBytes(MAX_GROWTH);

export function zeroDelta(growth: Growth = NO_GROWTH): ModelDelta {
  const layers = layersAt(growth);
  return {
    growth,
    w: layers.map((l) => new Int8Array(l.inputs * l.outputs)),
    b: layers.map((l) => new Int16Array(l.outputs)),
  };
}

function layersOf(m: NetworkModel): QuantLayer[] {
  return m.heads.flatMap((h) => [...h.layers]);
}

function clamp(v: number, max: number): number {
  return v > max ? max : v < -max ? -max : v;
}

/** `target − base`, each step clamped to the delta bounds. */
export function diffModels(base: NetworkModel, target: NetworkModel): ModelDelta {
  const growth = modelGrowth(base);
  if (!sameGrowth(modelGrowth(target), growth)) throw badDelta('models of different growth');
  const bl = layersOf(base);
  const tl = layersOf(target);
  const d = zeroDelta(growth);
  bl.forEach((l, i) => {
    const t = tl[i]!;
    const dw = d.w[i]!;
    for (let k = 0; k < dw.length; k++) dw[k] = clamp(t.w[k]! - l.w[k]!, DELTA_W_MAX);
    const db = d.b[i]!;
    for (let k = 0; k < db.length; k++) db[k] = clamp(t.b[k]! - l.b[k]!, DELTA_B_MAX);
  });
  return d;
}

/** Saturating application (a new model; `base` is untouched). */
export function applyModelDelta(base: NetworkModel, d: ModelDelta): NetworkModel {
  if (!sameGrowth(d.growth, modelGrowth(base)))
    throw badDelta(`delta for growth [${d.growth.join(',')}], model at [${modelGrowth(base).join(',')}]`);
  let li = 0;
  return {
    version: base.version,
    heads: base.heads.map((h) => ({
      domain: h.domain,
      layers: h.layers.map((l) => {
        const dw = d.w[li]!;
        const db = d.b[li]!;
        li++;
        const w = new Int8Array(l.w.length);
        for (let k = 0; k < w.length; k++) w[k] = clamp(l.w[k]! + dw[k]!, WEIGHT_MAX);
        const b = new Int32Array(l.b.length);
        for (let k = 0; k < b.length; k++) b[k] = clamp(l.b[k]! + db[k]!, BIAS_MAX);
        return { ...l, w, b };
      }),
    })),
  };
}

export function sameGrowth(a: Growth, b: Growth): boolean {
  return a.length === b.length && a.every((g, i) => g === b[i]);
}

export function isZeroDelta(d: ModelDelta): boolean {
  return d.w.every((t) => t.every((v) => v === 0)) && d.b.every((t) => t.every((v) => v === 0));
}

/** Encoded sizes of one tensor and its canonical kind. */
interface TensorSizes {
  readonly nz: number;
  readonly kind: 0 | 1 | 2 | 3;
  /** The two-level scale s (kind 3 only). */
  readonly scale: number;
}

function tensorSizes(t: Int8Array | Int16Array, width: number): TensorSizes {
  let nz = 0;
  let gaps = 0;
  let prev = -1;
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (v === 0) continue;
    nz++;
    gaps += varintSize(i - prev - 1);
    prev = i;
    const a = v < 0 ? -v : v;
    if (a < min) min = a;
    if (a > max) max = a;
  }
  if (nz === 0) return { nz, kind: 0, scale: 0 };
  const dense = t.length * width;
  const sparse = varintSize(nz) + gaps + nz * width;
  let best: 1 | 2 | 3 = sparse < dense ? 2 : 1;
  let bestSize = Math.min(sparse, dense);
  // two-level: weights only, every magnitude s or 2s (s = the smallest)
  if (width === 1 && (max === min || max === 2 * min)) {
    let twoLevel = true;
    if (max !== min) {
      for (let i = 0; i < t.length && twoLevel; i++) {
        const v = t[i]!;
        const a = v < 0 ? -v : v;
        if (a !== 0 && a !== min && a !== max) twoLevel = false;
      }
    }
    const size = varintSize(nz) + 1 + gaps + ((nz + 3) >> 2);
    if (twoLevel && size < bestSize) {
      best = 3;
      bestSize = size;
    }
  }
  return { nz, kind: best, scale: best === 3 ? min : 0 };
}

function writeTensor(w: Writer, t: Int8Array | Int16Array, width: number): void {
  const { nz, kind, scale } = tensorSizes(t, width);
  const put = (v: number): void => {
    w.u8(v & 0xff);
    if (width === 2) w.u8((v >> 8) & 0xff);
  };
  w.u8(kind);
  if (kind === 0) return;
  if (kind === 1) {
    for (let i = 0; i < t.length; i++) put(t[i]!);
    return;
  }
  w.varint(nz);
  if (kind === 3) w.u8(scale);
  let prev = -1;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === 0) continue;
    w.varint(i - prev - 1);
    if (kind === 2) put(t[i]!);
    prev = i;
  }
  if (kind === 3) {
    let byte = 0;
    let j = 0;
    for (let i = 0; i < t.length; i++) {
      const v = t[i]!;
      if (v === 0) continue;
      const code = (v < 0 ? 1 : 0) | ((v < 0 ? -v : v) === scale ? 0 : 2);
      byte |= code << (2 * (j & 3));
      if ((++j & 3) === 0) {
        w.u8(byte);
        byte = 0;
      }
    }
    if ((j & 3) !== 0) w.u8(byte);
  }
}

export function encodeDelta(d: ModelDelta): Uint8Array {
  const w = new Writer(4096);
  w.u8(DELTA_VERSION);
  for (const g of d.growth) w.u8(g);
  d.w.forEach((_, i) => {
    writeTensor(w, d.w[i]!, 1);
    writeTensor(w, d.b[i]!, 2);
  });
  return w.finish();
}

function badDelta(reason: string): TrainingError {
  return new TrainingError({ code: 'TRAINING_BAD_DELTA', reason });
}

function readValue(r: Reader, width: number): number {
  if (width === 1) {
    const v = (r.u8() << 24) >> 24;
    if (v === -128) throw badDelta('weight step −128');
    return v;
  }
  const lo = r.u8();
  const v = ((r.u8() << 24) >> 16) | lo;
  if (v === -32768) throw badDelta('bias step −32768');
  return v;
}

function readTensor(r: Reader, t: Int8Array | Int16Array, width: number): void {
  const kind = r.u8();
  if (kind === 0) return;
  let scale = 0;
  if (kind === 1) {
    for (let i = 0; i < t.length; i++) t[i] = readValue(r, width);
  } else if (kind === 2 || (kind === 3 && width === 1)) {
    const nz = r.varint('delta entries', t.length);
    if (nz === 0) throw badDelta('empty sparse tensor');
    if (kind === 3) scale = r.u8();
    if (kind === 3 && (scale < 1 || scale > DELTA_W_MAX)) throw badDelta(`two-level scale ${scale}`);
    const at = kind === 3 ? new Int32Array(nz) : undefined;
    let prev = -1;
    for (let k = 0; k < nz; k++) {
      const gap = r.varint('delta gap', t.length);
      const i = prev + 1 + gap;
      if (i >= t.length) throw badDelta('sparse index out of range');
      if (at) at[k] = i;
      else {
        const v = readValue(r, width);
        if (v === 0) throw badDelta('sparse zero entry');
        t[i] = v;
      }
      prev = i;
    }
    if (at) {
      let byte = 0;
      for (let k = 0; k < nz; k++) {
        if ((k & 3) === 0) byte = r.u8();
        const code = (byte >> (2 * (k & 3))) & 3;
        const mag = code & 2 ? 2 * scale : scale;
        if (mag > DELTA_W_MAX) throw badDelta('two-level step above the weight-step bound');
        t[at[k]!] = code & 1 ? -mag : mag;
      }
      if ((nz & 3) !== 0 && byte >> (2 * (nz & 3)) !== 0) throw badDelta('two-level padding bits set');
    }
  } else {
    throw badDelta(`unknown tensor kind ${kind}`);
  }
  const canonical = tensorSizes(t, width);
  if (canonical.kind !== kind) throw badDelta('non-canonical tensor encoding');
  // s must be the smallest magnitude (some entry ±s), or ±2s-only tensors would have two encodings
  if (kind === 3 && canonical.scale !== scale) throw badDelta('non-canonical two-level scale');
}

/** Decodes and validates; throws TrainingError (TRAINING_BAD_DELTA / TRAINING_DELTA_OVERSIZE) only. */
export function decodeDelta(bytes: Uint8Array): ModelDelta {
  if (!(bytes instanceof Uint8Array)) throw badDelta('not bytes');
  if (bytes.length > MAX_DELTA_BYTES) {
    throw new TrainingError({ code: 'TRAINING_DELTA_OVERSIZE', size: bytes.length, max: MAX_DELTA_BYTES });
  }
  let d: ModelDelta;
  try {
    const r = new Reader(bytes);
    if (r.u8() !== DELTA_VERSION) throw badDelta('unknown version');
    const growth = ARCH.map(() => r.u8());
    if (!validGrowth(growth)) throw badDelta(`growth [${growth.join(',')}]`);
    d = zeroDelta(growth);
    d.w.forEach((_, i) => {
      readTensor(r, d.w[i]!, 1);
      readTensor(r, d.b[i]!, 2);
    });
    r.end();
  } catch (e) {
    if (e instanceof DecodeError) throw badDelta(e.message);
    throw e;
  }
  return d;
}
