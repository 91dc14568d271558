/**
 * Long rounds on one chain model (the soak's stall): does a compressed delta stay faithful, and
 * does the trainer's last iterate or its moving average make the more significant update?
 *
 *   npx tsx scripts/experiments/longRounds.ts project [--warm 2000000] [--project 50000|none]
 *       [--at 250000,500000,1000000,2000000,3000000]
 *     3 trainers (shards of 3, 1/128 deltas) from a base trained --warm samples; at each
 *     checkpoint, the sparse-mean of their deltas, each one's own delta and trainer 0's whole
 *     model, scored against the base on 6 block samples (gain, passes of threshold + sign test).
 *   npx tsx scripts/experiments/longRounds.ts average [--warm 2000000] [--round 1000000] [--decay 0.9]
 *     one trainer, the largest model at math level 4: the whole update and its one-shot 1/128
 *     compression, from the last iterate, the moving average (every 25,000 samples) and the mean
 *     of the last half's iterates.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { devnetParams, evaluationSeed, isSignificant, measureImprovement } from '../../consensus/index.js';
import { compressUpdate } from '../../training/compress.js';
import { quantizeModel } from '../../training/float/index.js';
import type { FloatHead } from '../../training/float/types.js';
import {
  aggregateDeltas,
  applyModelDelta,
  initialNetworkModel,
  LocalTrainer,
  type NetworkModel,
  networkEvaluator,
} from '../../training/index.js';
import { arg, fullyGrown, warmedBase } from './common.js';

const mode = process.argv[2] ?? 'project';
const N = devnetParams.evalSamples;
const ev = networkEvaluator;

/** Mean gain (ppm), mean disagreements and passes of both consensus rules over 6 block samples. */
function measure(parent: NetworkModel, child: NetworkModel, levels: readonly number[], tag = 42): string {
  let ppm = 0;
  let disagree = 0;
  let pass = 0;
  for (let s = 0; s < 6; s++) {
    const c = ev.compare(parent, child, evaluationSeed(sha256(Uint8Array.of(s, tag))), N, levels);
    const p = measureImprovement(c.parentScore, c.newScore, N);
    ppm += p / 6;
    disagree += (c.childOnly + c.parentOnly) / 6;
    if (p >= devnetParams.minImprovementPpm && isSignificant(c, N, devnetParams)) pass++;
  }
  return `${Math.round(ppm)} ppm, ${Math.round(disagree)} disagreements, passes ${pass}/6`;
}

/** The trainer's float weights (LocalTrainer keeps them private; an experiment may look). */
function weights(t: LocalTrainer): FloatHead[] {
  return (t as unknown as { heads: { readHead(): FloatHead }[] }).heads.map((h) => h.readHead());
}

if (mode === 'project') {
  const levels = [0];
  const base = warmedBase(initialNetworkModel(), levels, Number(arg('warm', '2000000')));
  const p = arg('project', '50000');
  const nodes = [0, 1, 2].map(
    (index) =>
      new LocalTrainer({
        shard: { index, count: 3 },
        seed: `exp/lr/${index}`,
        deltaDensity: 1 / 128,
        projectSamples: p === 'none' ? null : Number(p),
        averageDecay: null,
        densityDoublingSamples: 1e12,
        longRoundSamples: 0,
      }),
  );
  for (const n of nodes) n.setBase(base, levels);
  let done = 0;
  for (const at of arg('at', '250000,500000,1000000,2000000,3000000').split(',').map(Number)) {
    for (const n of nodes) n.train(at - done);
    done = at;
    const deltas = nodes.map((n) => n.delta());
    const combined = applyModelDelta(
      base,
      aggregateDeltas(
        deltas.map((delta) => ({ delta, samples: 1 })),
        { rule: 'sparse-mean' },
      ),
    );
    console.log(`${at} samples each, projection every ${p}:`);
    console.log(`  sparse-mean of the 3 deltas: ${measure(base, combined, levels)}`);
    for (const [i, d] of deltas.entries()) {
      console.log(`  trainer ${i}'s delta: ${measure(base, applyModelDelta(base, d), levels)}`);
    }
    console.log(`  trainer 0's whole model: ${measure(base, nodes[0]!.currentModel(), levels)}`);
  }
} else if (mode === 'average') {
  const levels = [4];
  const base = warmedBase(fullyGrown(initialNetworkModel()), levels, Number(arg('warm', '2000000')));
  const t = new LocalTrainer({ shard: { index: 1, count: 3 }, seed: 'exp/avg', deltaDensity: null });
  t.setBase(base, levels);
  const round = Number(arg('round', '1000000'));
  const decay = Number(arg('decay', '0.9'));
  const every = 25_000;
  let ema: FloatHead[] | undefined;
  let tail: FloatHead[] | undefined;
  let tailN = 0;
  const blend = (into: FloatHead[], from: FloatHead[], keep: number): void =>
    into.forEach((h, i) => {
      h.layers.forEach((l, li) => {
        const x = from[i]!.layers[li]!;
        for (let k = 0; k < l.w.length; k++) l.w[k] = keep * l.w[k]! + (1 - keep) * x.w[k]!;
        for (let k = 0; k < l.b.length; k++) l.b[k] = keep * l.b[k]! + (1 - keep) * x.b[k]!;
      });
    });
  for (let done = 0; done < round; done += every) {
    t.train(every);
    const h = weights(t);
    if (!ema) ema = weights(t);
    else blend(ema, h, decay);
    if (done >= round / 2) {
      tailN++;
      if (!tail) tail = weights(t);
      else blend(tail, h, 1 - 1 / tailN);
    }
  }
  for (const [name, hs] of [
    ['last iterate', weights(t)],
    [`moving average (decay ${decay} every ${every})`, ema!],
    ['mean of the last half', tail!],
  ] as const) {
    console.log(`${name}:`);
    console.log(`  whole update: ${measure(base, quantizeModel(hs, base), levels, 7)}`);
    console.log(
      `  1/128 of it, one shot: ${measure(base, applyModelDelta(base, compressUpdate(base, hs, 1 / 128)), levels, 7)}`,
    );
  }
} else {
  console.error('usage: longRounds.ts project|average [options]');
  process.exit(2);
}
