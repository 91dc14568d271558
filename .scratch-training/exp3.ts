import { createNetworkEvaluator } from '../training/evaluator.js';
import { jsKernel, loadWasmKernel } from '../training/kernel/index.js';
import { initialNetworkModel } from '../training/model.js';
import { dequantizeModel, quantizeModel, HeadTrainer } from '../training/float/mlp.js';
import { LocalShard } from '../training/shard.js';
import { evalBatch } from '../training/sampling.js';
import { sha256 } from '@noble/hashes/sha2.js';
const wk = loadWasmKernel()!;
const m0 = initialNetworkModel();
const fl = dequantizeModel(m0);
const trainers = fl.map((h) => new HeadTrainer(h));
const shard = new LocalShard({ index: 0, count: 1 }, 'exp');
for (let d = 0; d < 3; d++) for (let s = 0; s < 500; s++) trainers[d]!.step(shard.batch(d, 32), Array.from({ length: 32 }, (_, i) => i));
const m1 = quantizeModel(fl, m0);
const seed = sha256(new Uint8Array([7]));
for (const [name, k] of [['js', jsKernel], ['wasm', wk]] as const) {
  const ev = createNetworkEvaluator({ kernel: k });
  for (const m of [m0, m1]) {
    ev.score(m, seed, 4096);
    const t = performance.now();
    let reps = 0; let s = 0;
    while (performance.now() - t < 1000) { s = ev.score(m, seed, 4096); reps++; }
    const dt = (performance.now() - t) / reps;
    console.log(name, s, JSON.stringify(ev.scoreByDomain(m, seed, 4096).map(d => d.correct)), `${dt.toFixed(2)} ms per 4096 → ${(4096 / dt * 1000).toFixed(0)}/s`);
  }
}
const t = performance.now(); for (let i = 0; i < 20; i++) evalBatch(sha256(new Uint8Array([i, 9])), 4096); console.log('materialize 4096:', ((performance.now() - t) / 20).toFixed(2), 'ms');
// per-sample prediction equality
const b = evalBatch(seed, 4096);
for (let d = 0; d < 3; d++) { const p1 = new Uint8Array(b.domains[d]!.n), p2 = new Uint8Array(b.domains[d]!.n); jsKernel.scoreHead(m1.heads[d]!, b.domains[d]!, p1); wk.scoreHead(m1.heads[d]!, b.domains[d]!, p2); console.log('preds equal', d, p1.every((v, i) => v === p2[i])); }
