import { digitSplits, shiftImage } from '../training/data/digits.js';
import { HeadTrainer, dequantizeHead } from '../training/float/mlp.js';
import { initialNetworkModel } from '../training/model.js';
import { Xoshiro128 } from '../training/prng.js';
import type { SparseSet } from '../training/data/text.js';
const shiftOn = process.env.SHIFT === '1';
const lr = Number(process.env.LR ?? 0.002);
const N = Number(process.env.N ?? 40000);
const s = digitSplits();
function toSet(images: Uint8Array, labels: Uint8Array, rows: number[], rng: Xoshiro128 | null): SparseSet {
  const idx: number[] = [], val: number[] = []; const offsets = new Uint32Array(rows.length + 1); const lab = new Uint8Array(rows.length);
  const img = new Uint8Array(196);
  rows.forEach((k, r) => { shiftImage(images.subarray(k * 196, k * 196 + 196), rng ? rng.below(3) - 1 : 0, rng ? rng.below(3) - 1 : 0, img);
    for (let p = 0; p < 196; p++) if (img[p]) { idx.push(p); val.push(img[p]!); } lab[r] = labels[k]!; offsets[r + 1] = idx.length; });
  return { n: rows.length, offsets, idx: Uint16Array.from(idx), val: Uint8Array.from(val), labels: lab };
}
const rng = new Xoshiro128('x');
const evalRng = new Xoshiro128('e');
const evalSet = toSet(s.evalPool.images, s.evalPool.labels, Array.from({ length: 2000 }, (_, i) => i), shiftOn ? evalRng : null);
const head = dequantizeHead(initialNetworkModel().heads[0]!);
const tr = new HeadTrainer(head, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
for (let step = 0; step < N / 32; step++) {
  const rows = Array.from({ length: 32 }, () => rng.below(s.train.n));
  const set = toSet(s.train.images, s.train.labels, rows, shiftOn ? rng : null);
  tr.step(set, Array.from({ length: 32 }, (_, i) => i));
  if ((step + 1) % Math.floor(N / 32 / 4) === 0) { let c = 0; for (let r = 0; r < 2000; r++) if (tr.predict(evalSet, r) === evalSet.labels[r]) c++; console.log(step * 32 + 32, (c / 20).toFixed(2)); }
}
