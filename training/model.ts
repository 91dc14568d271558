/**
 * The consensus state of the network model: int8 weights and int32 biases per layer, shaped by
 * archAt(growth) (growth 0 = ARCH, the genesis shapes; see arch.ts for capacity growth). Canonical
 * encoding (modelHash = sha256d of it):
 *
 *   magic "QXNM" | version u8 | heads u8 |
 *   per head: domain u8 | layers u8 | per layer: inputs u16 | outputs u16 | shift u8 |
 *             weights (inputs·outputs × int8, input-major) | biases (outputs × int32 LE)
 *
 * The decoder accepts exactly archAt(growth) for a valid per-head growth (each head's growth is
 * read from its hidden width), rejects the weight −128, biases beyond ±BIAS_MAX and trailing bytes.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { DecodeError, type Hash, Reader, sha256d, Writer } from '../consensus/index.js';
import {
  ARCH,
  archAt,
  BIAS_MAX,
  DOMAINS,
  type Domain,
  type Growth,
  type HeadSpec,
  MODEL_VERSION,
  WEIGHT_MAX,
} from './arch.js';
import { TrainingError } from './errors.js';
import { Xoshiro128 } from './prng.js';

export interface QuantLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly shift: number;
  /** inputs × outputs, input-major: w[i * outputs + o]. */
  readonly w: Int8Array;
  readonly b: Int32Array;
}

export interface QuantHead {
  readonly domain: Domain;
  readonly layers: readonly QuantLayer[];
}

export interface NetworkModel {
  readonly version: number;
  readonly heads: readonly QuantHead[];
}

const MAGIC = [0x51, 0x58, 0x4e, 0x4d]; // "QXNM"

/** A model of `arch` with every weight and bias zero. */
export function zeroModel(arch: readonly HeadSpec[] = ARCH): NetworkModel {
  return {
    version: MODEL_VERSION,
    heads: arch.map((h) => ({
      domain: h.domain,
      layers: h.layers.map((l) => ({
        ...l,
        w: new Int8Array(l.inputs * l.outputs),
        b: new Int32Array(l.outputs),
      })),
    })),
  };
}

export function cloneModel(m: NetworkModel): NetworkModel {
  return {
    version: m.version,
    heads: m.heads.map((h) => ({
      domain: h.domain,
      layers: h.layers.map((l) => ({ ...l, w: l.w.slice(), b: l.b.slice() })),
    })),
  };
}

/**
 * The genesis model: weights uniform in ±round(√(6/fan_in) · 2^shift) (He-uniform, integer
 * bounds computed here with integer math only), biases zero, drawn from a fixed public seed.
 */
export function initialNetworkModel(): NetworkModel {
  const rng = new Xoshiro128('qenex/initial-model/v1');
  const m = zeroModel();
  for (const h of m.heads) {
    for (const l of h.layers) {
      const r = heUniformBound(l.inputs, l.shift);
      const span = 2 * r + 1;
      for (let i = 0; i < l.w.length; i++) l.w[i] = rng.below(span) - r;
    }
  }
  return m;
}

/** floor(√(6/fanIn) · 2^shift) by integer search, capped at WEIGHT_MAX. */
export function heUniformBound(fanIn: number, shift: number): number {
  // largest r with r² · fanIn ≤ 6 · 4^shift
  const rhs = 6 * 4 ** shift;
  let r = 0;
  while ((r + 1) * (r + 1) * fanIn <= rhs && r < WEIGHT_MAX) r++;
  return r;
}

export function encodeNetworkModel(m: NetworkModel): Uint8Array {
  let size = 6;
  for (const h of m.heads) {
    size += 2;
    for (const l of h.layers) size += 5 + l.w.length + 4 * l.b.length;
  }
  const w = new Writer(size);
  for (const b of MAGIC) w.u8(b);
  w.u8(m.version).u8(m.heads.length);
  for (const h of m.heads) {
    w.u8(DOMAINS.indexOf(h.domain)).u8(h.layers.length);
    for (const l of h.layers) {
      w.u8(l.inputs & 0xff)
        .u8(l.inputs >>> 8)
        .u8(l.outputs & 0xff)
        .u8(l.outputs >>> 8)
        .u8(l.shift);
      w.bytes(new Uint8Array(l.w.buffer, l.w.byteOffset, l.w.length));
      for (let o = 0; o < l.b.length; o++) w.u32(l.b[o]! >>> 0);
    }
  }
  return w.finish();
}

function bad(what: string): DecodeError {
  return new DecodeError({ code: 'DECODE_INVALID_VALUE', what: `network model ${what}` });
}

function u16(r: Reader): number {
  const lo = r.u8();
  return lo | (r.u8() << 8);
}

export function decodeNetworkModel(bytes: Uint8Array): NetworkModel {
  const r = new Reader(bytes);
  for (const b of MAGIC) if (r.u8() !== b) throw bad('magic');
  if (r.u8() !== MODEL_VERSION) throw bad('version');
  if (r.u8() !== ARCH.length) throw bad('head count');
  const heads: QuantHead[] = [];
  for (const base of ARCH) {
    if (r.u8() !== DOMAINS.indexOf(base.domain)) throw bad('domain');
    if (r.u8() !== base.layers.length) throw bad('layer count');
    const layers: QuantLayer[] = [];
    let growth = -1;
    for (const [li, bl] of base.layers.entries()) {
      const inputs = u16(r);
      const outputs = u16(r);
      const shift = r.u8();
      // The head's growth comes from its first layer's width; every layer must then match it.
      if (li === 0) {
        const g = (outputs - bl.outputs) / base.growBy;
        if (!Number.isInteger(g) || g < 0 || g > base.maxGrowth) throw bad('layer shape');
        growth = g;
      }
      const ls = archAt(ARCH.map((_, i) => (i === heads.length ? growth : 0)))[heads.length]!.layers[li]!;
      if (inputs !== ls.inputs || outputs !== ls.outputs || shift !== ls.shift) throw bad('layer shape');
      const raw = r.bytes(ls.inputs * ls.outputs);
      const w = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
      for (let i = 0; i < w.length; i++) if (w[i] === -128) throw bad('weight');
      const b = new Int32Array(ls.outputs);
      for (let o = 0; o < ls.outputs; o++) {
        const v = r.u32() | 0;
        if (v > BIAS_MAX || v < -BIAS_MAX) throw bad('bias');
        b[o] = v;
      }
      layers.push({ ...ls, w, b });
    }
    heads.push({ domain: base.domain, layers });
  }
  r.end();
  return { version: MODEL_VERSION, heads };
}

/** Growth steps each head has taken (all 0 for the genesis shapes), from its hidden width. */
export function modelGrowth(m: NetworkModel): Growth {
  return ARCH.map((h, i) => (m.heads[i]!.layers[0]!.outputs - h.layers[0]!.outputs) / h.growBy);
}

/**
 * The model with head `head` one growth step wider (consensus: arch.ts, poi/growth.ts): its first
 * layer gains `growBy` units whose incoming weights are He-uniform draws from a PRNG seeded by the
 * parent's model hash and the head (biases zero), and its next layer gains their rows with every
 * weight ZERO, so the grown model computes exactly the parent's function. Throws
 * TRAINING_BAD_OPTIONS when the head is at its maximum growth.
 */
export function growNetworkModel(m: NetworkModel, head: number): NetworkModel {
  const growth = modelGrowth(m);
  const spec = ARCH[head];
  if (!spec || growth[head]! >= spec.maxGrowth) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `head ${head} cannot grow` });
  }
  const rng = new Xoshiro128(`qenex/grow/${head}/${bytesToHex(networkModelHash(m))}`);
  const next = archAt(growth.map((g, i) => (i === head ? g + 1 : g)))[head]!;
  return {
    version: m.version,
    heads: m.heads.map((h, hi) => {
      if (hi !== head) return h;
      const [l0, l1, ...rest] = h.layers;
      const n0 = next.layers[0]!;
      const w0 = new Int8Array(n0.inputs * n0.outputs);
      const r = heUniformBound(n0.inputs, n0.shift);
      for (let i = 0; i < n0.inputs; i++) {
        w0.set(l0!.w.subarray(i * l0!.outputs, (i + 1) * l0!.outputs), i * n0.outputs);
        for (let o = l0!.outputs; o < n0.outputs; o++) w0[i * n0.outputs + o] = rng.below(2 * r + 1) - r;
      }
      const b0 = new Int32Array(n0.outputs);
      b0.set(l0!.b);
      const n1 = next.layers[1]!;
      const w1 = new Int8Array(n1.inputs * n1.outputs);
      w1.set(l1!.w); // input-major: the new units' rows (zero) come last
      return {
        domain: h.domain,
        layers: [{ ...n0, w: w0, b: b0 }, { ...n1, w: w1, b: l1!.b.slice() }, ...rest],
      };
    }),
  };
}

export function networkModelHash(m: NetworkModel): Hash {
  return sha256d(encodeNetworkModel(m));
}
