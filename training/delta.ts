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
 * The codec works on each tensor's non-zero entries (TensorEntries): decodeSparseDelta costs
 * O(encoded bytes), never O(model size), which is what lets a node decode a block's many
 * compressed contributions cheaply (federation/); decodeDelta scatters them into dense tensors.
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

/**
 * One tensor's non-zero entries in ascending index order: what the codec reads and writes, and
 * what a consumer of many sparse deltas (federation/) works on without touching every coordinate.
 */
export interface TensorEntries {
  /** Length of the tensor (every index is below it). */
  readonly size: number;
  readonly idx: Int32Array;
  /** Non-zero values: int8 steps for weights, int16 steps for biases. */
  readonly val: Int16Array;
}

/** A delta as its tensors' entries (decodeSparseDelta); toDenseDelta gives the ModelDelta. */
export interface SparseDelta {
  readonly growth: Growth;
  readonly w: readonly TensorEntries[];
  readonly b: readonly TensorEntries[];
}

/** The non-zero entries of a dense tensor. */
export function tensorEntries(t: Int8Array | Int16Array): TensorEntries {
  let nz = 0;
  for (let i = 0; i < t.length; i++) if (t[i] !== 0) nz++;
  const idx = new Int32Array(nz);
  const val = new Int16Array(nz);
  for (let i = 0, k = 0; k < nz; i++) {
    if (t[i] === 0) continue;
    idx[k] = i;
    val[k++] = t[i]!;
  }
  return { size: t.length, idx, val };
}

export function toDenseDelta(s: SparseDelta): ModelDelta {
  const d = zeroDelta(s.growth);
  const scatter = (e: TensorEntries, t: Int8Array | Int16Array): void => {
    for (let k = 0; k < e.idx.length; k++) t[e.idx[k]!] = e.val[k]!;
  };
  s.w.forEach((e, i) => {
    scatter(e, d.w[i]!);
    scatter(s.b[i]!, d.b[i]!);
  });
  return d;
}

/** Encoded sizes of one tensor and its canonical kind. */
interface TensorSizes {
  readonly nz: number;
  readonly kind: 0 | 1 | 2 | 3;
  /** The two-level scale s (kind 3 only). */
  readonly scale: number;
}

/** The canonical kind of a tensor from its entries (O(entries): the tensor is never scanned). */
function tensorSizes(e: TensorEntries, width: number): TensorSizes {
  const { idx, val } = e;
  const nz = idx.length;
  if (nz === 0) return { nz, kind: 0, scale: 0 };
  let gaps = 0;
  let prev = -1;
  let min = Infinity;
  let max = 0;
  for (let k = 0; k < nz; k++) {
    const i = idx[k]!;
    gaps += varintSize(i - prev - 1);
    prev = i;
    const v = val[k]!;
    const a = v < 0 ? -v : v;
    if (a < min) min = a;
    if (a > max) max = a;
  }
  const dense = e.size * width;
  const sparse = varintSize(nz) + gaps + nz * width;
  let best: 1 | 2 | 3 = sparse < dense ? 2 : 1;
  let bestSize = Math.min(sparse, dense);
  // two-level: weights only, every magnitude s or 2s (s = the smallest)
  if (width === 1 && (max === min || max === 2 * min)) {
    let twoLevel = true;
    if (max !== min) {
      for (let k = 0; k < nz && twoLevel; k++) {
        const v = val[k]!;
        const a = v < 0 ? -v : v;
        if (a !== min && a !== max) twoLevel = false;
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

function writeTensor(w: Writer, e: TensorEntries, width: number): void {
  const { nz, kind, scale } = tensorSizes(e, width);
  const { idx, val } = e;
  const put = (v: number): void => {
    w.u8(v & 0xff);
    if (width === 2) w.u8((v >> 8) & 0xff);
  };
  w.u8(kind);
  if (kind === 0) return;
  if (kind === 1) {
    for (let i = 0, k = 0; i < e.size; i++) put(k < nz && idx[k] === i ? val[k++]! : 0);
    return;
  }
  w.varint(nz);
  if (kind === 3) w.u8(scale);
  let prev = -1;
  for (let k = 0; k < nz; k++) {
    w.varint(idx[k]! - prev - 1);
    if (kind === 2) put(val[k]!);
    prev = idx[k]!;
  }
  if (kind === 3) {
    let byte = 0;
    for (let k = 0; k < nz; k++) {
      const v = val[k]!;
      const code = (v < 0 ? 1 : 0) | ((v < 0 ? -v : v) === scale ? 0 : 2);
      byte |= code << (2 * (k & 3));
      if ((k & 3) === 3) {
        w.u8(byte);
        byte = 0;
      }
    }
    if ((nz & 3) !== 0) w.u8(byte);
  }
}

export function encodeDelta(d: ModelDelta): Uint8Array {
  const w = new Writer(4096);
  w.u8(DELTA_VERSION);
  for (const g of d.growth) w.u8(g);
  d.w.forEach((_, i) => {
    writeTensor(w, tensorEntries(d.w[i]!), 1);
    writeTensor(w, tensorEntries(d.b[i]!), 2);
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

const NO_ENTRIES = { idx: new Int32Array(0), val: new Int16Array(0) };

function readTensor(r: Reader, size: number, width: number): TensorEntries {
  const kind = r.u8();
  if (kind === 0) return { size, ...NO_ENTRIES };
  let scale = 0;
  let e: TensorEntries;
  if (kind === 1) {
    const idx = new Int32Array(size);
    const val = new Int16Array(size);
    let nz = 0;
    for (let i = 0; i < size; i++) {
      const v = readValue(r, width);
      if (v === 0) continue;
      idx[nz] = i;
      val[nz++] = v;
    }
    e = { size, idx: idx.slice(0, nz), val: val.slice(0, nz) };
  } else if (kind === 2 || (kind === 3 && width === 1)) {
    const nz = r.varint('delta entries', size);
    if (nz === 0) throw badDelta('empty sparse tensor');
    if (kind === 3) scale = r.u8();
    if (kind === 3 && (scale < 1 || scale > DELTA_W_MAX)) throw badDelta(`two-level scale ${scale}`);
    const idx = new Int32Array(nz);
    const val = new Int16Array(nz);
    let prev = -1;
    for (let k = 0; k < nz; k++) {
      const gap = r.varint('delta gap', size);
      const i = prev + 1 + gap;
      if (i >= size) throw badDelta('sparse index out of range');
      idx[k] = i;
      if (kind === 2) {
        const v = readValue(r, width);
        if (v === 0) throw badDelta('sparse zero entry');
        val[k] = v;
      }
      prev = i;
    }
    if (kind === 3) {
      let byte = 0;
      for (let k = 0; k < nz; k++) {
        if ((k & 3) === 0) byte = r.u8();
        const code = (byte >> (2 * (k & 3))) & 3;
        const mag = code & 2 ? 2 * scale : scale;
        if (mag > DELTA_W_MAX) throw badDelta('two-level step above the weight-step bound');
        val[k] = code & 1 ? -mag : mag;
      }
      if ((nz & 3) !== 0 && byte >> (2 * (nz & 3)) !== 0) throw badDelta('two-level padding bits set');
    }
    e = { size, idx, val };
  } else {
    throw badDelta(`unknown tensor kind ${kind}`);
  }
  const canonical = tensorSizes(e, width);
  if (canonical.kind !== kind) throw badDelta('non-canonical tensor encoding');
  // s must be the smallest magnitude (some entry ±s), or ±2s-only tensors would have two encodings
  if (kind === 3 && canonical.scale !== scale) throw badDelta('non-canonical two-level scale');
  return e;
}

/**
 * Decodes and validates, keeping each tensor as its entries (no dense tensor is allocated or
 * scanned: O(bytes)); throws TrainingError (TRAINING_BAD_DELTA / TRAINING_DELTA_OVERSIZE) only.
 */
export function decodeSparseDelta(bytes: Uint8Array): SparseDelta {
  if (!(bytes instanceof Uint8Array)) throw badDelta('not bytes');
  if (bytes.length > MAX_DELTA_BYTES) {
    throw new TrainingError({ code: 'TRAINING_DELTA_OVERSIZE', size: bytes.length, max: MAX_DELTA_BYTES });
  }
  try {
    const r = new Reader(bytes);
    if (r.u8() !== DELTA_VERSION) throw badDelta('unknown version');
    const growth = ARCH.map(() => r.u8());
    if (!validGrowth(growth)) throw badDelta(`growth [${growth.join(',')}]`);
    const w: TensorEntries[] = [];
    const b: TensorEntries[] = [];
    for (const l of layersAt(growth)) {
      w.push(readTensor(r, l.inputs * l.outputs, 1));
      b.push(readTensor(r, l.outputs, 2));
    }
    r.end();
    return { growth, w, b };
  } catch (e) {
    if (e instanceof DecodeError) throw badDelta(e.message);
    throw e;
  }
}

/** Decodes and validates; throws TrainingError (TRAINING_BAD_DELTA / TRAINING_DELTA_OVERSIZE) only. */
export function decodeDelta(bytes: Uint8Array): ModelDelta {
  return toDenseDelta(decodeSparseDelta(bytes));
}
