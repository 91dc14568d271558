import { initialNetworkModel } from '../training/model.js';
import { dequantizeModel, quantizeModel, HeadTrainer } from '../training/float/mlp.js';
import { LocalShard } from '../training/shard.js';
import { materializeBatch } from '../training/sampling.js';
import { scoreHeadJs } from '../training/kernel/js.js';
import { sha256 } from '@noble/hashes/sha2.js';
const N = Number(process.argv[2] ?? 20000);
const B = 32;
const m0 = initialNetworkModel();
const fl = dequantizeModel(m0);
const trainers = fl.map((h) => new HeadTrainer(h));
const shard = new LocalShard({ index: 0, count: 1 }, 'exp');
let t = performance.now();
const batch = materializeBatch(sha256(new Uint8Array([1])), 30000);
console.log('materialize 30000', performance.now() - t);
for (let d = 0; d < 3; d++) {
  t = performance.now();
  const c0 = scoreHeadJs(m0.heads[d]!, batch.domains[d]!);
  const te = performance.now() - t;
  let loss = 0;
  let tb = 0, tt = 0;
  for (let s = 0; s < N / B; s++) {
    const t0 = performance.now();
    const set = shard.batch(d, B);
    const t1 = performance.now();
    loss = trainers[d]!.step(set, Array.from({ length: B }, (_, i) => i));
    tt += performance.now() - t1; tb += t1 - t0;
  }
  const q = quantizeModel(fl, m0);
  const c1 = scoreHeadJs(q.heads[d]!, batch.domains[d]!);
  let cf = 0; const ds = batch.domains[d]!; for (let r = 0; r < ds.n; r++) if (trainers[d]!.predict(ds, r) === ds.labels[r]) cf++;
  console.log(`domain ${d}: init ${(c0 / ds.n * 100).toFixed(1)}% -> quant ${(c1 / ds.n * 100).toFixed(2)}% float ${(cf / ds.n * 100).toFixed(2)}% loss ${loss.toFixed(3)}; train ${(N / tt * 1000).toFixed(0)} samples/s (batch build ${(N / tb * 1000).toFixed(0)}/s); eval ${(ds.n / te * 1000).toFixed(0)}/s`);
}
