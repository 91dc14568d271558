import { sha256 } from '@noble/hashes/sha2.js';
import { createNetworkEvaluator } from '../training/evaluator.js';
import { loadWasmKernel } from '../training/kernel/index.js';
import { LocalTrainer } from '../training/local.js';
import { HeadTrainer, dequantizeModel, quantizeModel } from '../training/float/mlp.js';
import { initialNetworkModel, type NetworkModel } from '../training/model.js';
import { evalBatch } from '../training/sampling.js';
import { digitSplits } from '../training/data/digits.js';
import { textSplits } from '../training/data/text.js';
const ev = createNetworkEvaluator({ kernel: loadWasmKernel()! });
const N = 4096;
const seed = (i: number) => sha256(new Uint8Array([i, 42]));
const gen0 = new LocalTrainer({ shard: { index: 0, count: 5 }, seed: 'base' });
gen0.setBase(initialNetworkModel()); gen0.train(Number(process.env.BASE ?? 3000));
const base = gen0.currentModel();
const budget = Number(process.env.BUDGET ?? 60000);
// generaliser
const g = new LocalTrainer({ shard: { index: 1, count: 5 }, seed: 'gen' });
g.setBase(base); g.train(budget);
const gm = g.currentModel();
// memoriser: trains on public sample P (seed 0)
function fitSets(m: NetworkModel, sets: import('../training/data/text.js').SparseSet[], samples: number): NetworkModel {
  const fl = dequantizeModel(m); const tr = fl.map((h) => new HeadTrainer(h));
  let done = 0, d = 0; const B = 32; const pos = [0, 0, 0];
  while (done < samples) { const s = sets[d]!; const rows = Array.from({ length: B }, () => { const r = pos[d]! % s.n; pos[d]!++; return r; }); tr[d]!.step(s, rows); done += B; d = (d + 1) % 3; }
  return quantizeModel(fl, m);
}
const P = evalBatch(seed(0), N);
const mm = fitSets(base, [...P.domains], budget);
// pool memoriser: trains on the entire digits/text eval pools + P's math
const pm = fitSets(base, [toSparseDigits(), textSplits().evalPool, P.domains[2]!], budget);
function toSparseDigits() { const p = digitSplits().evalPool; const idx: number[] = [], val: number[] = []; const off = new Uint32Array(p.n + 1);
  for (let r = 0; r < p.n; r++) { for (let i = 0; i < 196; i++) { const v = p.images[r * 196 + i]!; if (v) { idx.push(i); val.push(v); } } off[r + 1] = idx.length; }
  return { n: p.n, offsets: off, idx: Uint16Array.from(idx), val: Uint8Array.from(val), labels: p.labels }; }
const score = (m: NetworkModel, s: Uint8Array) => ev.scoreByDomain(m, s, N).map((d) => d.correct);
const sb = score(base, seed(0));
console.log('on P:     base', sb, 'gen', score(gm, seed(0)), 'mem', score(mm, seed(0)), 'pool', score(pm, seed(0)));
let tot = { gen: [0, 0, 0], mem: [0, 0, 0], pool: [0, 0, 0] };
for (let i = 1; i <= 5; i++) { const b = score(base, seed(i)); const add = (k: keyof typeof tot, m: NetworkModel) => score(m, seed(i)).forEach((v, j) => (tot[k][j]! += v - b[j]!)); add('gen', gm); add('mem', mm); add('pool', pm); }
console.log('gains on 5 fresh seeds (per domain, summed):', JSON.stringify(tot));
