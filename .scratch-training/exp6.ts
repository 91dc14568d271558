import { sha256 } from '@noble/hashes/sha2.js';
import { createNetworkEvaluator } from '../training/evaluator.js';
import { loadWasmKernel } from '../training/kernel/index.js';
import { LocalTrainer } from '../training/local.js';
import { initialNetworkModel } from '../training/model.js';
import { aggregateDeltas } from '../training/aggregate.js';
import { applyModelDelta, type ModelDelta } from '../training/delta.js';
import { Xoshiro128 } from '../training/prng.js';
const ev = createNetworkEvaluator({ kernel: loadWasmKernel()! });
const t0 = performance.now();
const b0 = new LocalTrainer({ shard: { index: 0, count: 6 }, seed: 'base' });
b0.setBase(initialNetworkModel()); b0.train(Number(process.env.BASE ?? 3000));
const base = b0.currentModel();
const deltas: ModelDelta[] = [];
for (let i = 1; i <= 5; i++) { const t = new LocalTrainer({ shard: { index: i, count: 6 }, seed: `c${i}` }); t.setBase(base); t.train(Number(process.env.LOCAL ?? 3000)); deltas.push(t.delta()); }
console.log('train ms', performance.now() - t0);
const map = (d: ModelDelta, f: (v: number, i: number) => number): ModelDelta => ({ w: d.w.map((t) => t.map(f)), b: d.b.map((t) => t.map(f)) }) as ModelDelta;
const rng = new Xoshiro128('poison');
const clampW = (v: number) => Math.max(-127, Math.min(127, v));
const attacks: Record<string, ModelDelta> = {
  none: deltas[4]!,
  scaled: { w: deltas[4]!.w.map((t) => t.map((v) => clampW(v * 100))), b: deltas[4]!.b.map((t) => t.map((v) => Math.max(-32767, Math.min(32767, v * 100)))) },
  random: { w: deltas[4]!.w.map((t) => t.map(() => rng.below(255) - 127)), b: deltas[4]!.b.map((t) => t.map(() => rng.below(65535) - 32767)) },
  flipped: { w: deltas[4]!.w.map((t) => t.map((v) => -v)), b: deltas[4]!.b.map((t) => t.map((v) => -v)) },
};
void map;
const seeds = [1, 2].map((i) => sha256(new Uint8Array([i, 99])));
const sc = (m: typeof base) => seeds.reduce((s, x) => s + ev.score(m, x, 4096), 0);
const s0 = sc(base);
for (const [name, p] of Object.entries(attacks)) {
  const list = [...deltas.slice(0, 4), p].map((delta, i) => ({ delta, samples: i === 4 && name !== 'none' ? 1_000_000 : 3000 }));
  const row = ['fedavg', 'median', 'trimmed-mean'].map((rule) => { const agg = aggregateDeltas(list, { rule: rule as 'median', trim: 0.2 }); const ppm = Math.floor(((sc(applyModelDelta(base, agg)) - s0) * 1e6) / (4096 * 2)); return `${rule}=${ppm}`; });
  console.log(name, row.join(' '));
}
console.log('total ms', performance.now() - t0);
