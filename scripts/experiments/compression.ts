/**
 * Does a compressed delta still carry a verifiable improvement? Trains one shard's LocalTrainer
 * from genesis for --warm samples (a chain model part-way), then, from that base, --round more
 * samples, and compares on fresh block samples (evaluator.compare at evalSamples, sign test as
 * consensus runs it) the base against base + delta for the whole quantized difference and for
 * compressed deltas at each --densities, with their encoded sizes. Then, for --rounds rounds of
 * --round samples with 3 shards aggregated by --rule (default 'mean'), the held-out accuracy of the chain with
 * and without compression (error feedback included), as federation runs it.
 *
 *   npx tsx scripts/experiments/compression.ts [--warm 400000] [--round 20000] [--densities 1/32,1/128]
 *       [--rounds 12] [--seeds 8] [--rule mean|sparse-mean|…]
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { devnetParams, evaluationSeed, isSignificant, measureImprovement } from '../../consensus/index.js';
import { compressUpdate } from '../../training/compress.js';
import {
  type AggregationRule,
  aggregateDeltas,
  applyModelDelta,
  denseDeltaBytes,
  dequantizeModel,
  encodeDelta,
  initialNetworkModel,
  LocalTrainer,
  type NetworkModel,
  NO_GROWTH,
  networkEvaluator,
} from '../../training/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}
const warm = Number(arg('warm', '400000'));
const round = Number(arg('round', '20000'));
const rounds = Number(arg('rounds', '12'));
const seeds = Number(arg('seeds', '8'));
const densities = arg('densities', '1/64,1/128')
  .split(',')
  .map((s) => {
    const [a, b] = s.split('/');
    return Number(a) / Number(b ?? 1);
  });
const LEVELS = [0];
const N = devnetParams.evalSamples;
const ev = networkEvaluator;

function measure(parent: NetworkModel, child: NetworkModel): string {
  let sig = 0;
  const ppm: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const seed = evaluationSeed(sha256(Uint8Array.of(s, 42)));
    const c = ev.compare(parent, child, seed, N, LEVELS);
    ppm.push(measureImprovement(c.parentScore, c.newScore, N));
    if (isSignificant(c, N, devnetParams)) sig++;
  }
  const mean = ppm.reduce((a, b) => a + b, 0) / ppm.length;
  return `gain ${Math.round(mean)} ppm, significant on ${sig}/${seeds} samples`;
}

const t = new LocalTrainer({ shard: { index: 0, count: 3 }, seed: 'exp/compress', deltaDensity: null });
t.setBase(initialNetworkModel(), LEVELS);
t.train(warm);
const base = t.currentModel();
const dense = denseDeltaBytes(NO_GROWTH);
console.log(`warm ${warm} samples; dense int8 delta of this model: ${dense} bytes`);
t.setBase(base, LEVELS);
t.train(round);
const full = t.delta();
console.log(
  `full quantized difference: ${encodeDelta(full).length} bytes, ${measure(base, applyModelDelta(base, full))}`,
);
const trained = dequantizeModel(t.currentModel());
for (const density of densities) {
  const d = compressUpdate(base, trained, density);
  const bytes = encodeDelta(d).length;
  console.log(
    `density ${density.toFixed(5)}: ${bytes} bytes (${(dense / bytes).toFixed(0)}x smaller than dense), ${measure(base, applyModelDelta(base, d))}`,
  );
}

// federation: 3 shards, with and without compression
const rule = arg('rule', 'mean') as AggregationRule;
for (const density of [null, ...densities]) {
  const nodes = [0, 1, 2].map(
    (index) =>
      new LocalTrainer({ shard: { index, count: 3 }, seed: `exp/fed/${index}`, deltaDensity: density }),
  );
  let model = base;
  const line: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const deltas = nodes.map((n) => {
      n.setBase(model, LEVELS);
      n.train(round);
      return { delta: n.delta(), samples: round };
    });
    model = applyModelDelta(model, aggregateDeltas(deltas, { rule }));
    if ((r + 1) % 4 === 0) {
      const h = ev.heldOut(model, LEVELS).map((d) => ((100 * d.correct) / d.total).toFixed(1));
      line.push(`r${r + 1}: lm ${h[0]}% math ${h[1]}%`);
    }
  }
  console.log(
    `federated ${rule}, density ${density === null ? 'none' : density.toFixed(5)}: ${line.join(' | ')}`,
  );
}
