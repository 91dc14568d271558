/**
 * How much more power has a paired test on per-sample log-loss than the sign test consensus ran
 * before 2026-12-06, on the same parent/child pairs and the same block samples? Two losses: float
 * cross-entropy (nats) from the integer logits, and the consensus rule's own statistic (the
 * integer log-loss of training/kernel/loss.ts, summed by compare(): `rule t`, which consensus
 * compares with 3).
 *
 * From a base of the largest model trained --warm samples (math at level 4), 3 trainers (the
 * node's defaults, but projection and the moving average from the first sample) train 250,000 and then 1,000,000 samples each; the sparse-mean of their deltas
 * is compared with the base on --seeds block samples: the sign test's z = (b − c)/√(b + c) and
 * the paired loss test's z = mean(Δ)/sd(Δ)·√n over all samples. A null pair (two trainers' whole
 * models after the same budget on other shards) shows the loss test's z when neither is better.
 *
 *   npx tsx scripts/experiments/lossSignificance.ts [--warm 2000000] [--seeds 4]
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { devnetParams, evaluationSeed, type Hash } from '../../consensus/index.js';
import { selectRows } from '../../training/data/sparse.js';
import {
  aggregateDeltas,
  applyModelDelta,
  initialNetworkModel,
  LocalTrainer,
  lossZ,
  type NetworkModel,
  networkEvaluator,
} from '../../training/index.js';
import { scoreHeadJs } from '../../training/kernel/js.js';
import { evalBatch } from '../../training/sampling.js';
import { arg, fullyGrown, warmedBase } from './common.js';

const levels = [4];
const N = devnetParams.evalSamples;
const ev = networkEvaluator;
/** A last-layer logit stands for logit / LOGIT_SCALE nats (training/use.ts). */
const LOGIT_SCALE = 127 * 64;

/** Cross-entropy of every sample of the block batch, per domain (nats). */
function losses(m: NetworkModel, seed: Hash): Float64Array[] {
  return evalBatch(seed, N, levels).domains.map((set, d) => {
    const head = m.heads[d]!;
    const out = new Float64Array(set.n);
    const logits = new Int32Array(head.layers.at(-1)!.outputs);
    for (let r = 0; r < set.n; r++) {
      scoreHeadJs(head, selectRows(set, [r]), undefined, undefined, logits);
      let max = -Infinity;
      for (const v of logits) max = Math.max(max, v);
      let sum = 0;
      for (const v of logits) sum += Math.exp((v - max) / LOGIT_SCALE);
      out[r] = Math.log(sum) - (logits[set.labels[r]!]! - max) / LOGIT_SCALE;
    }
    return out;
  });
}

function compare(name: string, a: NetworkModel, b: NetworkModel): void {
  const parts: string[] = [];
  for (let s = 0; s < Number(arg('seeds', '4')); s++) {
    const seed = evaluationSeed(sha256(Uint8Array.of(s, 99)));
    const c = ev.compare(a, b, seed, N, levels);
    const zSign = (c.childOnly - c.parentOnly) / Math.sqrt(Math.max(1, c.childOnly + c.parentOnly));
    const la = losses(a, seed);
    const lb = losses(b, seed);
    let n = 0;
    let sum = 0;
    let sq = 0;
    la.forEach((x, d) => {
      for (let r = 0; r < x.length; r++) {
        const diff = x[r]! - lb[d]![r]!;
        n++;
        sum += diff;
        sq += diff * diff;
      }
    });
    const mean = sum / n;
    const zLoss = (mean / Math.sqrt(sq / n - mean * mean)) * Math.sqrt(n);
    const rule = lossZ(c.lossGain, N);
    parts.push(
      `sign z ${zSign.toFixed(2)}, loss z ${zLoss.toFixed(2)} (−${mean.toFixed(4)} nats), rule t ${rule.toFixed(2)}`,
    );
  }
  console.log(`${name}: ${parts.join(' | ')}`);
}

const base = warmedBase(fullyGrown(initialNetworkModel()), levels, Number(arg('warm', '2000000')));
const nodes = [0, 1, 2].map(
  (index) =>
    // projection and the moving average from the first sample (longRoundSamples 0), as measured
    new LocalTrainer({
      shard: { index, count: 3 },
      seed: `lt/${index}`,
      deltaDensity: 1 / 128,
      longRoundSamples: 0,
    }),
);
for (const n of nodes) n.setBase(base, levels);
for (const at of [250_000, 1_000_000]) {
  for (const n of nodes) n.train(at - n.samples);
  const deltas = nodes.map((n) => ({ delta: n.delta(), samples: 1 }));
  compare(
    `${at} samples each, sparse-mean vs base`,
    base,
    applyModelDelta(base, aggregateDeltas(deltas, { rule: 'sparse-mean' })),
  );
}
const a = new LocalTrainer({ shard: { index: 1, count: 3 }, seed: 'null/a', deltaDensity: null });
const b = new LocalTrainer({ shard: { index: 2, count: 3 }, seed: 'null/b', deltaDensity: null });
a.setBase(base, levels);
b.setBase(base, levels);
a.train(300_000);
b.train(300_000);
compare('null: two whole models, same budget, other shards', a.currentModel(), b.currentModel());
