// AssemblyScript source of the WASM SIMD float training kernel (compiled offline by
// scripts/buildWasm.ts into dist/training/train.wasm; the extension is not .ts so that tsc and
// Biome leave it alone). Local training only, never consensus: float32 arithmetic, exp/log.
//
// The same model, loss and optimizer as training/float/mlp.ts (HeadTrainer): sparse 7-bit inputs
// x = q/127, hidden activations clamp(z, 0, 1), softmax cross-entropy on the last layer's z,
// gradients summed over a minibatch, then Adam (bias-corrected, "lazy": the first layer's rows that
// the minibatch does not use are left alone, and any parameter whose scaled gradient and first
// moment are both exactly 0 is left alone) with weights clamped to ±wMax.
// Differences from the TypeScript trainer are rounding only (f32 here, f64 intermediates there).
//
// Memory is laid out by the host (training/float/wasmMlp.ts) once per head and stays here for the
// whole training run; every array is 16-byte aligned and padded to outPad (a multiple of 4)
// outputs, padding zero. Per layer a descriptor of 16 × i32 at desc + 64·li:
//   0 inputs, 4 outputs, 8 outPad, 12 w, 16 b, 20 gw, 24 gb, 28 mw, 32 vw, 36 mb, 40 vb,
//   44 z, 48 a, 52 g (outPad × f32 scratch each), 56 wMax (f32 bits), 60 unused
// w, gw, mw, vw: inputs × outPad f32 (input-major); b, gb, mb, vb: outPad f32.
// A batch: offsets (n + 1) × u32, idx × u16, val × u8, labels × u8 (preds × u8 for predict).

const INV_ACT: f32 = 1.0 / 127.0;

export function heapBase(): usize {
  return __heap_base;
}

@inline
function field(desc: usize, li: i32, off: i32): usize {
  return <usize>load<i32>(desc + (<usize>li << 6) + <usize>off);
}

@inline
function fieldI(desc: usize, li: i32, off: i32): i32 {
  return load<i32>(desc + (<usize>li << 6) + <usize>off);
}

/** z = b + Σ_k x_k · w[idx_k] over the sparse features k0..k1 (16 outputs at a time in registers). */
function forwardSparse(z: usize, w: usize, b: usize, outPad: i32, k0: u32, k1: u32, idx: usize, val: usize): void {
  let o = 0;
  for (; o + 16 <= outPad; o += 16) {
    const ob = <usize>o << 2;
    let a0 = v128.load(b + ob);
    let a1 = v128.load(b + ob, 16);
    let a2 = v128.load(b + ob, 32);
    let a3 = v128.load(b + ob, 48);
    for (let k = k0; k < k1; k++) {
      const i = <usize>load<u16>(idx + (<usize>k << 1));
      const xs = f32x4.splat(<f32>load<u8>(val + <usize>k) * INV_ACT);
      const row = w + ((i * <usize>outPad) << 2) + ob;
      a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(row, 48)));
    }
    v128.store(z + ob, a0);
    v128.store(z + ob, a1, 16);
    v128.store(z + ob, a2, 32);
    v128.store(z + ob, a3, 48);
  }
  for (; o < outPad; o += 4) {
    const ob = <usize>o << 2;
    let a0 = v128.load(b + ob);
    for (let k = k0; k < k1; k++) {
      const i = <usize>load<u16>(idx + (<usize>k << 1));
      const xs = f32x4.splat(<f32>load<u8>(val + <usize>k) * INV_ACT);
      a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(w + ((i * <usize>outPad) << 2) + ob)));
    }
    v128.store(z + ob, a0);
  }
}

/** z = b + Σ_j x_j · w[j] over the dense activations x (zeros skipped). */
function forwardDense(z: usize, w: usize, b: usize, outPad: i32, x: usize, inputs: i32): void {
  let o = 0;
  for (; o + 16 <= outPad; o += 16) {
    const ob = <usize>o << 2;
    let a0 = v128.load(b + ob);
    let a1 = v128.load(b + ob, 16);
    let a2 = v128.load(b + ob, 32);
    let a3 = v128.load(b + ob, 48);
    for (let j = 0; j < inputs; j++) {
      const xj = load<f32>(x + (<usize>j << 2));
      if (xj == 0) continue;
      const xs = f32x4.splat(xj);
      const row = w + ((<usize>j * <usize>outPad) << 2) + ob;
      a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(xs, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(xs, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(xs, v128.load(row, 48)));
    }
    v128.store(z + ob, a0);
    v128.store(z + ob, a1, 16);
    v128.store(z + ob, a2, 32);
    v128.store(z + ob, a3, 48);
  }
  for (; o < outPad; o += 4) {
    const ob = <usize>o << 2;
    let a0 = v128.load(b + ob);
    for (let j = 0; j < inputs; j++) {
      const xj = load<f32>(x + (<usize>j << 2));
      if (xj == 0) continue;
      a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(xj), v128.load(w + ((<usize>j * <usize>outPad) << 2) + ob)));
    }
    v128.store(z + ob, a0);
  }
}

/** a = clamp(z, 0, 1). */
function clampAct(a: usize, z: usize, outPad: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let o = 0; o < outPad; o += 4) {
    const ob = <usize>o << 2;
    v128.store(a + ob, f32x4.min(f32x4.max(v128.load(z + ob), zero), one));
  }
}

/** Forward pass of one row; leaves z (all layers) and a (hidden layers) in the scratch arrays. */
function forward(nLayers: i32, desc: usize, k0: u32, k1: u32, idx: usize, val: usize): void {
  for (let li = 0; li < nLayers; li++) {
    const outPad = fieldI(desc, li, 8);
    const z = field(desc, li, 44);
    if (li == 0) forwardSparse(z, field(desc, 0, 12), field(desc, 0, 16), outPad, k0, k1, idx, val);
    else
      forwardDense(z, field(desc, li, 12), field(desc, li, 16), outPad, field(desc, li - 1, 48), fieldI(desc, li, 0));
    if (li < nLayers - 1) clampAct(field(desc, li, 48), z, outPad);
  }
}

/** gb += g. */
function addInto(gb: usize, g: usize, outPad: i32): void {
  for (let o = 0; o < outPad; o += 4) {
    const ob = <usize>o << 2;
    v128.store(gb + ob, f32x4.add(v128.load(gb + ob), v128.load(g + ob)));
  }
}

/** gw[idx_k] += x_k · g over the sparse features k0..k1. */
function backwardSparse(gw: usize, g: usize, outPad: i32, k0: u32, k1: u32, idx: usize, val: usize): void {
  let o = 0;
  for (; o + 16 <= outPad; o += 16) {
    const ob = <usize>o << 2;
    const g0 = v128.load(g + ob);
    const g1 = v128.load(g + ob, 16);
    const g2 = v128.load(g + ob, 32);
    const g3 = v128.load(g + ob, 48);
    for (let k = k0; k < k1; k++) {
      const i = <usize>load<u16>(idx + (<usize>k << 1));
      const xs = f32x4.splat(<f32>load<u8>(val + <usize>k) * INV_ACT);
      const row = gw + ((i * <usize>outPad) << 2) + ob;
      v128.store(row, f32x4.add(v128.load(row), f32x4.mul(xs, g0)));
      v128.store(row, f32x4.add(v128.load(row, 16), f32x4.mul(xs, g1)), 16);
      v128.store(row, f32x4.add(v128.load(row, 32), f32x4.mul(xs, g2)), 32);
      v128.store(row, f32x4.add(v128.load(row, 48), f32x4.mul(xs, g3)), 48);
    }
  }
  for (; o < outPad; o += 4) {
    const ob = <usize>o << 2;
    const g0 = v128.load(g + ob);
    for (let k = k0; k < k1; k++) {
      const i = <usize>load<u16>(idx + (<usize>k << 1));
      const xs = f32x4.splat(<f32>load<u8>(val + <usize>k) * INV_ACT);
      const row = gw + ((i * <usize>outPad) << 2) + ob;
      v128.store(row, f32x4.add(v128.load(row), f32x4.mul(xs, g0)));
    }
  }
}

/**
 * Dense layer backward: gw[j] += x_j · g (x_j ≠ 0), and the previous layer's gradient
 * gp[j] = (0 < zp[j] < 1) ? w[j] · g : 0.
 */
function backwardDense(
  gw: usize,
  w: usize,
  g: usize,
  outPad: i32,
  x: usize,
  zp: usize,
  gp: usize,
  inputs: i32,
): void {
  for (let j = 0; j < inputs; j++) {
    const jb = <usize>j << 2;
    const xj = load<f32>(x + jb);
    const row = (<usize>j * <usize>outPad) << 2;
    let s = f32x4.splat(0);
    if (xj == 0) {
      for (let o = 0; o < outPad; o += 4) {
        const ob = <usize>o << 2;
        s = f32x4.add(s, f32x4.mul(v128.load(w + row + ob), v128.load(g + ob)));
      }
    } else {
      const xs = f32x4.splat(xj);
      for (let o = 0; o < outPad; o += 4) {
        const ob = <usize>o << 2;
        const gv = v128.load(g + ob);
        s = f32x4.add(s, f32x4.mul(v128.load(w + row + ob), gv));
        const gr = gw + row + ob;
        v128.store(gr, f32x4.add(v128.load(gr), f32x4.mul(xs, gv)));
      }
    }
    const zj = load<f32>(zp + jb);
    const sum =
      f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    store<f32>(gp + jb, zj > 0 && zj < 1 ? sum : 0);
  }
}

/**
 * Forward and backward over rows 0..n of the batch, adding their gradients into gw/gb.
 * Returns the summed cross-entropy loss.
 */
export function accumulate(
  nLayers: i32,
  desc: usize,
  n: i32,
  offsets: usize,
  idx: usize,
  val: usize,
  labels: usize,
): f64 {
  const last = nLayers - 1;
  let loss: f64 = 0;
  for (let r = 0; r < n; r++) {
    const k0 = load<u32>(offsets + (<usize>r << 2));
    const k1 = load<u32>(offsets + (<usize>(r + 1) << 2));
    forward(nLayers, desc, k0, k1, idx, val);
    // softmax cross-entropy on the last layer's z; g = softmax − onehot (padding stays 0)
    const outputs = fieldI(desc, last, 4);
    const zl = field(desc, last, 44);
    const gl = field(desc, last, 52);
    let max = load<f32>(zl);
    for (let o = 1; o < outputs; o++) {
      const v = load<f32>(zl + (<usize>o << 2));
      if (v > max) max = v;
    }
    let sum: f64 = 0;
    for (let o = 0; o < outputs; o++) {
      const e = Math.exp(<f64>load<f32>(zl + (<usize>o << 2)) - <f64>max);
      store<f32>(gl + (<usize>o << 2), <f32>e);
      sum += e;
    }
    const label = <i32>load<u8>(labels + <usize>r);
    for (let o = 0; o < outputs; o++) {
      const p = <f64>load<f32>(gl + (<usize>o << 2)) / sum;
      if (o == label) {
        loss -= Math.log(p > 1e-12 ? p : 1e-12);
        store<f32>(gl + (<usize>o << 2), <f32>(p - 1));
      } else store<f32>(gl + (<usize>o << 2), <f32>p);
    }
    // backward
    for (let li = last; li >= 0; li--) {
      const outPad = fieldI(desc, li, 8);
      const g = field(desc, li, 52);
      addInto(field(desc, li, 24), g, outPad);
      if (li == 0) backwardSparse(field(desc, 0, 20), g, outPad, k0, k1, idx, val);
      else
        backwardDense(
          field(desc, li, 20),
          field(desc, li, 12),
          g,
          outPad,
          field(desc, li - 1, 48),
          field(desc, li - 1, 44),
          field(desc, li - 1, 52),
          fieldI(desc, li, 0),
        );
    }
  }
  return loss;
}

/** One lazy Adam update of p (count a multiple of 4) from the gradient sums g, which it zeroes. */
function adamRange(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  count: i32,
  scale: f32,
  lrc1: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  c2: f32,
  bound: f32,
): void {
  const zero = f32x4.splat(0);
  const vs = f32x4.splat(scale);
  const vb1 = f32x4.splat(b1);
  const vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const vb2c = f32x4.splat(1 - b2);
  const vlr = f32x4.splat(lrc1);
  const veps = f32x4.splat(eps);
  const vc2 = f32x4.splat(c2);
  const hi = f32x4.splat(bound);
  const lo = f32x4.splat(-bound);
  const end = <usize>count << 2;
  for (let i: usize = 0; i < end; i += 16) {
    const g0 = v128.load(g + i);
    const m0 = v128.load(m + i);
    const gi = f32x4.mul(g0, vs);
    const skip = v128.and(f32x4.eq(gi, zero), f32x4.eq(m0, zero));
    if (i32x4.all_true(skip)) continue;
    const v0 = v128.load(v + i);
    const p0 = v128.load(p + i);
    const mi = f32x4.add(f32x4.mul(vb1, m0), f32x4.mul(vb1c, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v0), f32x4.mul(f32x4.mul(vb2c, gi), gi));
    let x = f32x4.sub(p0, f32x4.div(f32x4.mul(vlr, mi), f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps)));
    x = f32x4.min(f32x4.max(x, lo), hi);
    v128.store(g + i, v128.bitselect(g0, zero, skip));
    v128.store(m + i, v128.bitselect(m0, mi, skip));
    v128.store(v + i, v128.bitselect(v0, vi, skip));
    v128.store(p + i, v128.bitselect(p0, x, skip));
  }
}

/**
 * Applies the accumulated gradients (mean over `batch` rows via scale = 1/batch) to every layer.
 * The first layer's inputs are sparse, so its weights are updated row-lazily: only the `nRows`
 * input rows listed (u32) at `rows` (the distinct features the minibatch used) take an Adam step;
 * every other row, moments included, is left as it is. The other layers and all biases take a
 * dense step. lrc1 = lr / (1 − β1^t) and c2 = 1 / (1 − β2^t) are computed by the host.
 */
export function adam(
  nLayers: i32,
  desc: usize,
  rows: usize,
  nRows: i32,
  scale: f32,
  lrc1: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  c2: f32,
): void {
  for (let li = 0; li < nLayers; li++) {
    const inputs = fieldI(desc, li, 0);
    const outPad = fieldI(desc, li, 8);
    const wMax = load<f32>(desc + (<usize>li << 6) + 56);
    const w = field(desc, li, 12);
    const gw = field(desc, li, 20);
    const mw = field(desc, li, 28);
    const vw = field(desc, li, 32);
    if (li == 0) {
      const rowBytes = <usize>outPad << 2;
      for (let r = 0; r < nRows; r++) {
        const off = <usize>load<u32>(rows + (<usize>r << 2)) * rowBytes;
        adamRange(w + off, gw + off, mw + off, vw + off, outPad, scale, lrc1, b1, b2, eps, c2, wMax);
      }
    } else adamRange(w, gw, mw, vw, inputs * outPad, scale, lrc1, b1, b2, eps, c2, wMax);
    adamRange(
      field(desc, li, 16),
      field(desc, li, 24),
      field(desc, li, 36),
      field(desc, li, 40),
      outPad,
      scale,
      lrc1,
      b1,
      b2,
      eps,
      c2,
      Infinity,
    );
  }
}

/** Argmax predictions (lowest index on ties) of rows 0..n into preds. */
export function predict(nLayers: i32, desc: usize, n: i32, offsets: usize, idx: usize, val: usize, preds: usize): void {
  const last = nLayers - 1;
  for (let r = 0; r < n; r++) {
    const k0 = load<u32>(offsets + (<usize>r << 2));
    const k1 = load<u32>(offsets + (<usize>(r + 1) << 2));
    forward(nLayers, desc, k0, k1, idx, val);
    const outputs = fieldI(desc, last, 4);
    const zl = field(desc, last, 44);
    let best = 0;
    let bestV = load<f32>(zl);
    for (let o = 1; o < outputs; o++) {
      const v = load<f32>(zl + (<usize>o << 2));
      if (v > bestV) {
        bestV = v;
        best = o;
      }
    }
    store<u8>(preds + <usize>r, <u8>best);
  }
}
