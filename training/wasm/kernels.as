// AssemblyScript source of the WASM kernels (compiled offline by scripts/buildWasm.ts into
// dist/training/kernels.wasm; the extension is not .ts so that tsc and Biome leave it alone).
//
// scoreHead: the consensus forward pass of one head over a sparse batch, integer-only, the same
// arithmetic as training/kernel/js.ts (exact int32 sums, so the SIMD order cannot change a
// result). Memory is laid out by the host (training/kernel/wasm.ts):
//   desc: per layer 6 × i32: inputs, outputs, outPad (multiple of 16), shift, wPtr, bPtr
//   layer 0 (sparse input): w is inputs × outPad int8, input-major, zero padded; each active
//     input adds its weight row to the sums (axpy, 16 outputs a step);
//   later (dense) layers: w is outputs × inPad i16, output-major (transposed), inPad = inputs
//     rounded up to 8 and zero padded; each output is a dot product with the previous layer's
//     activations (8 products a step, i32x4.dot_i16x8_s), whether or not activations are 0;
//   b: outPad × i32
//   batch: offsets (n + 1) × u32, idx × u16, val × u8, labels × u8; preds n × u8 (written)
//   acc: outPad × i32 scratch; hid: outPad × i16 scratch
//   lossTab: 3 + 256 + 256 × i32: EXP_MUL, MAX_DIST, LOSS_CAP, the exp2 table, the log2 table
//     (laid by the host from training/kernel/loss.ts, whose sampleLoss this computes exactly)
//   losses: 0, or n × i32 (written: each row's log-loss)

export function heapBase(): usize {
  return __heap_base;
}

@inline
function axpy(acc: usize, row: usize, x: i32, outPad: i32): void {
  const xs = i8x16.splat(<i8>x);
  for (let o = 0; o < outPad; o += 16) {
    const wv = v128.load(row + <usize>o);
    const lo = i16x8.extmul_low_i8x16_s(wv, xs);
    const hi = i16x8.extmul_high_i8x16_s(wv, xs);
    const a = acc + (<usize>o << 2);
    v128.store(a, i32x4.add(v128.load(a), i32x4.extend_low_i16x8_s(lo)));
    v128.store(a + 16, i32x4.add(v128.load(a + 16), i32x4.extend_high_i16x8_s(lo)));
    v128.store(a + 32, i32x4.add(v128.load(a + 32), i32x4.extend_low_i16x8_s(hi)));
    v128.store(a + 48, i32x4.add(v128.load(a + 48), i32x4.extend_high_i16x8_s(hi)));
  }
}

export function scoreHead(
  nLayers: i32,
  desc: usize,
  n: i32,
  offsets: usize,
  idx: usize,
  val: usize,
  labels: usize,
  preds: usize,
  acc: usize,
  hid: usize,
  lossTab: usize,
  losses: usize,
): i32 {
  let correct = 0;
  for (let r = 0; r < n; r++) {
    // layer 0: sparse input
    let outputs = load<i32>(desc, 4);
    const outPad = load<i32>(desc, 8);
    let shift = load<i32>(desc, 12);
    let w = <usize>load<i32>(desc, 16);
    let b = <usize>load<i32>(desc, 20);
    memory.copy(acc, b, <usize>outPad << 2);
    const k0 = load<u32>(offsets + (<usize>r << 2));
    const k1 = load<u32>(offsets + (<usize>(r + 1) << 2));
    for (let k = k0; k < k1; k++) {
      const i = <i32>load<u16>(idx + (<usize>k << 1));
      const x = <i32>load<u8>(val + <usize>k);
      axpy(acc, w + <usize>(i * outPad), x, outPad);
    }
    for (let li = 1; li < nLayers; li++) {
      const prevOut = outputs;
      const inPad = (prevOut + 7) & ~7;
      const half = 1 << (shift - 1);
      for (let j = 0; j < prevOut; j++) {
        let v = (load<i32>(acc + (<usize>j << 2)) + half) >> shift;
        if (v < 0) v = 0;
        if (v > 127) v = 127;
        store<i16>(hid + (<usize>j << 1), <i16>v);
      }
      for (let j = prevOut; j < inPad; j++) store<i16>(hid + (<usize>j << 1), 0);
      const d = desc + <usize>(li * 24);
      outputs = load<i32>(d, 4);
      shift = load<i32>(d, 12);
      w = <usize>load<i32>(d, 16);
      b = <usize>load<i32>(d, 20);
      // four outputs a pass, so that each 8 activations are loaded once per four dot products
      const rowBytes = <usize>inPad << 1;
      let o = 0;
      for (; o + 4 <= outputs; o += 4) {
        const r0 = w + <usize>o * rowBytes;
        let s0 = i32x4.splat(0);
        let s1 = i32x4.splat(0);
        let s2 = i32x4.splat(0);
        let s3 = i32x4.splat(0);
        for (let off: usize = 0; off < rowBytes; off += 16) {
          const h = v128.load(hid + off);
          s0 = i32x4.add(s0, i32x4.dot_i16x8_s(h, v128.load(r0 + off)));
          s1 = i32x4.add(s1, i32x4.dot_i16x8_s(h, v128.load(r0 + rowBytes + off)));
          s2 = i32x4.add(s2, i32x4.dot_i16x8_s(h, v128.load(r0 + 2 * rowBytes + off)));
          s3 = i32x4.add(s3, i32x4.dot_i16x8_s(h, v128.load(r0 + 3 * rowBytes + off)));
        }
        // transpose-add: lane k of the result is the sum of s_k's lanes
        const t01 = i32x4.add(
          v128.shuffle<i32>(s0, s1, 0, 4, 1, 5),
          v128.shuffle<i32>(s0, s1, 2, 6, 3, 7),
        );
        const t23 = i32x4.add(
          v128.shuffle<i32>(s2, s3, 0, 4, 1, 5),
          v128.shuffle<i32>(s2, s3, 2, 6, 3, 7),
        );
        const sums = i32x4.add(v128.shuffle<i64>(t01, t23, 0, 2), v128.shuffle<i64>(t01, t23, 1, 3));
        const a = acc + (<usize>o << 2);
        v128.store(a, i32x4.add(sums, v128.load(b + (<usize>o << 2))));
      }
      for (; o < outputs; o++) {
        const row = w + <usize>o * rowBytes;
        let sum = i32x4.splat(0);
        for (let off: usize = 0; off < rowBytes; off += 16) {
          sum = i32x4.add(sum, i32x4.dot_i16x8_s(v128.load(hid + off), v128.load(row + off)));
        }
        store<i32>(
          acc + (<usize>o << 2),
          load<i32>(b + (<usize>o << 2)) +
            i32x4.extract_lane(sum, 0) +
            i32x4.extract_lane(sum, 1) +
            i32x4.extract_lane(sum, 2) +
            i32x4.extract_lane(sum, 3),
        );
      }
    }
    let best = 0;
    let bestV = load<i32>(acc);
    for (let o = 1; o < outputs; o++) {
      const v = load<i32>(acc + (<usize>o << 2));
      if (v > bestV) {
        bestV = v;
        best = o;
      }
    }
    store<u8>(preds + <usize>r, <u8>best);
    if (losses != 0) store<i32>(losses + (<usize>r << 2), lossAtMax(acc, outputs, <i32>load<u8>(labels + <usize>r), bestV, lossTab));
    if (best == <i32>load<u8>(labels + <usize>r)) correct++;
  }
  return correct;
}

/** A logit distance d ≥ 0 in 1/256-bit steps (training/kernel/loss.ts steps). */
@inline
function steps(d: i32, lossTab: usize): i32 {
  return d >= load<i32>(lossTab, 4) ? load<i32>(lossTab, 8) : <i32>(<u32>(d * load<i32>(lossTab)) >> 16);
}

/** training/kernel/loss.ts lossAtMax on the row's sums in `acc`, whose largest is `m`. */
function lossAtMax(acc: usize, n: i32, label: i32, m: i32, lossTab: usize): i32 {
  const cap = load<i32>(lossTab, 8);
  const exp2 = lossTab + 12;
  const log2 = exp2 + 1024;
  let s: u32 = 0;
  for (let o = 0; o < n; o++) {
    const e = steps(m - load<i32>(acc + (<usize>o << 2)), lossTab);
    if (e < cap) s += <u32>load<i32>(exp2 + (<usize>(e & 255) << 2)) >> <u32>(e >> 8);
  }
  const b = 31 - <i32>clz(s);
  const logSum = ((b - 16) << 8) + load<i32>(log2 + (<usize>((s >> <u32>(b - 8)) & 255) << 2));
  const loss = logSum + steps(m - load<i32>(acc + (<usize>label << 2)), lossTab);
  return loss > cap ? cap : loss;
}
