/**
 * Local float training (never part of consensus): the float view of a quantized model, trained
 * by minibatch Adam on softmax cross-entropy. Hidden activations are clamp(z, 0, 1), exactly the
 * function the integer kernel computes at 1/127 resolution, and weights are kept inside the
 * int8-representable range, so quantizing after training loses only rounding.
 */
import { ACT_MAX, BIAS_MAX, WEIGHT_MAX } from '../arch.js';
import type { SparseSet } from '../data/sparse.js';
import { TrainingError } from '../errors.js';
import type { NetworkModel, QuantHead } from '../model.js';
import type { AdamOptions, FloatHead, FloatHeadTrainer, TrainKernel } from './types.js';

export type { AdamOptions, FloatHead, FloatLayer } from './types.js';

export function dequantizeHead(h: QuantHead): FloatHead {
  return {
    layers: h.layers.map((l) => {
      const ws = 1 / 2 ** l.shift;
      const bs = 1 / (ACT_MAX * 2 ** l.shift);
      const w = new Float32Array(l.w.length);
      for (let i = 0; i < w.length; i++) w[i] = l.w[i]! * ws;
      const b = new Float32Array(l.b.length);
      for (let i = 0; i < b.length; i++) b[i] = l.b[i]! * bs;
      return { inputs: l.inputs, outputs: l.outputs, shift: l.shift, w, b };
    }),
  };
}

/** Rounds a float head to the consensus domain (round half away from zero, clamped). */
export function quantizeHead(f: FloatHead, domain: QuantHead['domain']): QuantHead {
  return {
    domain,
    layers: f.layers.map((l) => {
      const ws = 2 ** l.shift;
      const bs = ACT_MAX * 2 ** l.shift;
      const w = new Int8Array(l.w.length);
      for (let i = 0; i < w.length; i++) w[i] = clampRound(l.w[i]! * ws, WEIGHT_MAX);
      const b = new Int32Array(l.b.length);
      for (let i = 0; i < b.length; i++) b[i] = clampRound(l.b[i]! * bs, BIAS_MAX);
      return { inputs: l.inputs, outputs: l.outputs, shift: l.shift, w, b };
    }),
  };
}

function clampRound(v: number, max: number): number {
  const r = Math.round(v);
  return r > max ? max : r < -max ? -max : r;
}

export function dequantizeModel(m: NetworkModel): FloatHead[] {
  return m.heads.map(dequantizeHead);
}

export function quantizeModel(heads: readonly FloatHead[], like: NetworkModel): NetworkModel {
  return { version: like.version, heads: heads.map((h, i) => quantizeHead(h, like.heads[i]!.domain)) };
}

export const DEFAULT_ADAM: AdamOptions = { lr: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** A deep copy of `h`. */
export function cloneHead(h: FloatHead): FloatHead {
  return { layers: h.layers.map((l) => ({ ...l, w: l.w.slice(), b: l.b.slice() })) };
}

/** Throws unless `head` has exactly the layer shapes `spec`. */
export function checkHeadShape(
  spec: readonly { readonly inputs: number; readonly outputs: number; readonly shift: number }[],
  head: FloatHead,
): void {
  const same =
    spec.length === head.layers.length &&
    spec.every((l, i) => {
      const m = head.layers[i]!;
      return (
        l.inputs === m.inputs &&
        l.outputs === m.outputs &&
        l.shift === m.shift &&
        m.w.length === m.inputs * m.outputs &&
        m.b.length === m.outputs
      );
    });
  if (!same) throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'head shape mismatch' });
}

/** Trains one head in place (plain TypeScript); holds gradient and Adam buffers. */
export class HeadTrainer implements FloatHeadTrainer {
  readonly kernel = 'js' as const;
  private readonly gw: Float32Array[];
  private readonly gb: Float32Array[];
  private readonly mw: Float32Array[];
  private readonly vw: Float32Array[];
  private readonly mb: Float32Array[];
  private readonly vb: Float32Array[];
  private readonly z: Float32Array[];
  private readonly a: Float32Array[];
  private readonly g: Float32Array[];
  private readonly wMax: number[];
  private t = 0;
  /** First-layer rows this step's minibatch used (row-lazy Adam), and per row the step that listed it. */
  private readonly rows: number[] = [];
  private readonly stamp: Uint32Array;
  private epoch = 1;

  constructor(
    readonly head: FloatHead,
    private readonly opt: AdamOptions = DEFAULT_ADAM,
  ) {
    const L = head.layers;
    this.gw = L.map((l) => new Float32Array(l.w.length));
    this.gb = L.map((l) => new Float32Array(l.outputs));
    this.mw = L.map((l) => new Float32Array(l.w.length));
    this.vw = L.map((l) => new Float32Array(l.w.length));
    this.mb = L.map((l) => new Float32Array(l.outputs));
    this.vb = L.map((l) => new Float32Array(l.outputs));
    this.z = L.map((l) => new Float32Array(l.outputs));
    this.a = L.map((l) => new Float32Array(l.outputs));
    this.g = L.map((l) => new Float32Array(l.outputs));
    this.wMax = L.map((l) => WEIGHT_MAX / 2 ** l.shift);
    this.stamp = new Uint32Array(L[0]?.inputs ?? 0);
  }

  /** Forward + backward for row `r` of `set` (features optionally masked: keep[k] = 0 drops). Returns loss. */
  private accumulate(set: SparseSet, r: number, keep: Uint8Array | undefined): number {
    const L = this.head.layers;
    const n = L.length;
    const { offsets, idx, val } = set;
    const k0 = offsets[r]!;
    const k1 = offsets[r + 1]!;
    const inv = 1 / ACT_MAX;
    // forward
    for (let li = 0; li < n; li++) {
      const l = L[li]!;
      const out = l.outputs;
      const z = this.z[li]!;
      z.set(l.b);
      const w = l.w;
      if (li === 0) {
        for (let k = k0; k < k1; k++) {
          if (keep && keep[k - k0] === 0) continue;
          const x = val[k]! * inv;
          const base = idx[k]! * out;
          for (let o = 0; o < out; o++) z[o]! += x * w[base + o]!;
        }
      } else {
        const prev = this.a[li - 1]!;
        for (let j = 0; j < l.inputs; j++) {
          const x = prev[j]!;
          if (x === 0) continue;
          const base = j * out;
          for (let o = 0; o < out; o++) z[o]! += x * w[base + o]!;
        }
      }
      const a = this.a[li]!;
      if (li < n - 1) for (let o = 0; o < out; o++) a[o] = z[o]! <= 0 ? 0 : z[o]! >= 1 ? 1 : z[o]!;
    }
    // softmax cross-entropy on the last layer's z
    const zl = this.z[n - 1]!;
    const gl = this.g[n - 1]!;
    let max = zl[0]!;
    for (let o = 1; o < zl.length; o++) if (zl[o]! > max) max = zl[o]!;
    let sum = 0;
    for (let o = 0; o < zl.length; o++) {
      const e = Math.exp(zl[o]! - max);
      gl[o] = e;
      sum += e;
    }
    const label = set.labels[r]!;
    for (let o = 0; o < zl.length; o++) gl[o] = gl[o]! / sum;
    const loss = -Math.log(Math.max(gl[label]!, 1e-12));
    gl[label]! -= 1;
    // backward
    for (let li = n - 1; li >= 0; li--) {
      const l = L[li]!;
      const out = l.outputs;
      const g = this.g[li]!;
      const gw = this.gw[li]!;
      const gb = this.gb[li]!;
      for (let o = 0; o < out; o++) gb[o]! += g[o]!;
      if (li === 0) {
        const step = this.epoch;
        for (let k = k0; k < k1; k++) {
          if (keep && keep[k - k0] === 0) continue;
          const x = val[k]! * inv;
          const f = idx[k]!;
          if (this.stamp[f] !== step) {
            this.stamp[f] = step;
            this.rows.push(f);
          }
          const base = f * out;
          for (let o = 0; o < out; o++) gw[base + o]! += x * g[o]!;
        }
      } else {
        const prev = this.a[li - 1]!;
        const zp = this.z[li - 1]!;
        const gp = this.g[li - 1]!;
        const w = l.w;
        for (let j = 0; j < l.inputs; j++) {
          const x = prev[j]!;
          const base = j * out;
          let s = 0;
          for (let o = 0; o < out; o++) {
            s += w[base + o]! * g[o]!;
            if (x !== 0) gw[base + o]! += x * g[o]!;
          }
          gp[j] = zp[j]! > 0 && zp[j]! < 1 ? s : 0;
        }
      }
    }
    return loss;
  }

  /**
   * One Adam step on rows `rows` of `set`; `masks[i]` optionally drops features of row i.
   * Returns the mean loss.
   */
  step(set: SparseSet, rows: ArrayLike<number>, masks?: readonly (Uint8Array | undefined)[]): number {
    let loss = 0;
    for (let i = 0; i < rows.length; i++) loss += this.accumulate(set, rows[i]!, masks?.[i]);
    this.apply(rows.length);
    return loss / rows.length;
  }

  private apply(batch: number): void {
    const { lr, beta1, beta2, eps } = this.opt;
    this.t++;
    const c1 = 1 / (1 - beta1 ** this.t);
    const c2 = 1 / (1 - beta2 ** this.t);
    const scale = 1 / batch;
    this.head.layers.forEach((l, li) => {
      const [gw, mw, vw] = [this.gw[li]!, this.mw[li]!, this.vw[li]!];
      const max = this.wMax[li]!;
      if (li === 0) {
        // row-lazy: only the input rows this minibatch used take a step (as in train.as)
        const out = l.outputs;
        for (const r of this.rows)
          adam(l.w, gw, mw, vw, r * out, (r + 1) * out, scale, lr, beta1, beta2, eps, c1, c2, max);
      } else adam(l.w, gw, mw, vw, 0, l.w.length, scale, lr, beta1, beta2, eps, c1, c2, max);
      adam(
        l.b,
        this.gb[li]!,
        this.mb[li]!,
        this.vb[li]!,
        0,
        l.b.length,
        scale,
        lr,
        beta1,
        beta2,
        eps,
        c1,
        c2,
        Infinity,
      );
    });
    this.rows.length = 0;
    if (++this.epoch > 0xffff_fff0) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
  }

  readHead(): FloatHead {
    return cloneHead(this.head);
  }

  loadHead(head: FloatHead): void {
    checkHeadShape(this.head.layers, head);
    this.head.layers.forEach((l, li) => {
      l.w.set(head.layers[li]!.w);
      l.b.set(head.layers[li]!.b);
    });
  }

  /** Float predictions (argmax) for evaluation during local training. */
  predict(set: SparseSet, r: number): number {
    const L = this.head.layers;
    const n = L.length;
    let cur: Float32Array | undefined;
    for (let li = 0; li < n; li++) {
      const l = L[li]!;
      const z = this.z[li]!;
      z.set(l.b);
      if (li === 0) {
        for (let k = set.offsets[r]!; k < set.offsets[r + 1]!; k++) {
          const x = set.val[k]! / ACT_MAX;
          const base = set.idx[k]! * l.outputs;
          for (let o = 0; o < l.outputs; o++) z[o]! += x * l.w[base + o]!;
        }
      } else {
        for (let j = 0; j < l.inputs; j++) {
          const x = cur![j]!;
          if (x === 0) continue;
          for (let o = 0; o < l.outputs; o++) z[o]! += x * l.w[j * l.outputs + o]!;
        }
      }
      const a = this.a[li]!;
      for (let o = 0; o < l.outputs; o++) a[o] = z[o]! <= 0 ? 0 : z[o]! >= 1 ? 1 : z[o]!;
      cur = a;
    }
    const z = this.z[n - 1]!;
    let best = 0;
    for (let o = 1; o < z.length; o++) if (z[o]! > z[best]!) best = o;
    return best;
  }
}

/** One lazy Adam update of p[from..to) (a parameter with zero scaled gradient and moment is skipped). */
function adam(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  from: number,
  to: number,
  scale: number,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  c1: number,
  c2: number,
  max: number,
): void {
  for (let i = from; i < to; i++) {
    const gi = g[i]! * scale;
    if (gi === 0 && m[i] === 0) continue;
    g[i] = 0;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let x = p[i]! - (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
    if (x > max) x = max;
    else if (x < -max) x = -max;
    p[i] = x;
  }
}

/** The plain-TypeScript training kernel (always available). */
export const jsTrainKernel: TrainKernel = {
  name: 'js',
  createHeadTrainer: (head, opt = DEFAULT_ADAM) => new HeadTrainer(cloneHead(head), opt),
};
