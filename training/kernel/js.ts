/**
 * The consensus forward pass in plain TypeScript: integer-only, the reference the WASM kernel
 * must match bit for bit. Sums are exact (|Σ x·w + b| < 2^26 by the bounds in arch.ts), so the
 * order of additions cannot change a result; inputs and hidden activations are visited sparsely
 * (zeros skipped), which is what makes this fast in JS.
 */
import { ACT_MAX } from '../arch.js';
import type { SparseSet } from '../data/sparse.js';
import type { QuantHead } from '../model.js';
import { lossAtMax } from './loss.js';

/**
 * Number of rows of `set` whose argmax prediction (lowest index on ties) equals the label.
 * Writes each prediction into `preds` when given, each row's log-loss (loss.ts) into `losses`,
 * and the last row's logits into `logits`.
 */
export function scoreHeadJs(
  head: QuantHead,
  set: SparseSet,
  preds?: Uint8Array,
  losses?: Int32Array,
  logits?: Int32Array,
): number {
  const layers = head.layers;
  const accs = layers.map((l) => new Int32Array(l.outputs));
  const hidden = layers.map((l) => new Uint8Array(l.outputs));
  const { offsets, idx, val, labels } = set;
  let correct = 0;
  for (let r = 0; r < set.n; r++) {
    // first layer: sparse input
    const l0 = layers[0]!;
    const out0 = l0.outputs;
    const w0 = l0.w;
    let acc = accs[0]!;
    acc.set(l0.b);
    for (let k = offsets[r]!, end = offsets[r + 1]!; k < end; k++)
      axpy(acc, w0, idx[k]! * out0, val[k]!, out0);
    for (let li = 1; li < layers.length; li++) {
      const prev = layers[li - 1]!;
      const h = hidden[li - 1]!;
      const half = 1 << (prev.shift - 1);
      for (let j = 0; j < prev.outputs; j++) {
        const v = (acc[j]! + half) >> prev.shift;
        h[j] = v < 0 ? 0 : v > ACT_MAX ? ACT_MAX : v;
      }
      const l = layers[li]!;
      const out = l.outputs;
      const w = l.w;
      acc = accs[li]!;
      acc.set(l.b);
      for (let j = 0; j < prev.outputs; j++) {
        const x = h[j]!;
        if (x !== 0) axpy(acc, w, j * out, x, out);
      }
    }
    let best = 0;
    let bestV = acc[0]!;
    for (let o = 1; o < acc.length; o++) {
      if (acc[o]! > bestV) {
        bestV = acc[o]!;
        best = o;
      }
    }
    if (preds) preds[r] = best;
    if (losses) losses[r] = lossAtMax(acc, 0, acc.length, labels[r]!, bestV);
    if (best === labels[r]) correct++;
    if (logits && r === set.n - 1) logits.set(acc);
  }
  return correct;
}

/** acc[o] += x · w[base + o] for o < n, unrolled by four (exact integer arithmetic). */
function axpy(acc: Int32Array, w: Int8Array, base: number, x: number, n: number): void {
  let o = 0;
  for (; o + 4 <= n; o += 4) {
    const b = base + o;
    acc[o] = (acc[o]! + x * w[b]!) | 0;
    acc[o + 1] = (acc[o + 1]! + x * w[b + 1]!) | 0;
    acc[o + 2] = (acc[o + 2]! + x * w[b + 2]!) | 0;
    acc[o + 3] = (acc[o + 3]! + x * w[b + 3]!) | 0;
  }
  for (; o < n; o++) acc[o] = (acc[o]! + x * w[base + o]!) | 0;
}

/**
 * The integer logits of `head` for one sparse row (active features `idx[0..n)`, each of value
 * `value`), written into `out` (length = the last layer's outputs): scoreHeadJs on that row.
 */
export function headLogitsJs(
  head: QuantHead,
  idx: ArrayLike<number>,
  n: number,
  value: number,
  out: Int32Array,
): void {
  const row: SparseSet = {
    n: 1,
    offsets: Uint32Array.of(0, n),
    idx: Uint16Array.from({ length: n }, (_, k) => idx[k]!),
    val: new Uint8Array(n).fill(value),
    labels: new Uint8Array(1),
  };
  scoreHeadJs(head, row, undefined, undefined, out);
}
