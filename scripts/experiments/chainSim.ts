/**
 * A fast stand-in for the soak: 3 trainers (LocalTrainer with the node's defaults: 1/128 deltas;
 * from 1,000,000 samples on one model, projection, moving average, density doubling) train on shards of 3 from a base trained --warm
 * samples (the largest model with --grow, math at --level). Every --step samples each, the
 * sparse-mean of their deltas is checked on 6 fresh block samples; when it passes both consensus
 * rules on at least --pass of them (the devnet proposer's rule), it is applied, as an update block
 * would be, and the trainers are re-based on it. Prints each update and the held-out accuracy.
 *
 *   npx tsx scripts/experiments/chainSim.ts [--grow] [--level 4] [--warm 2000000] [--step 200000]
 *       [--total 5000000] [--pass 3] [--density 1/128] [--project N|none] [--decay D|none]
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { devnetParams, evaluationSeed, isSignificant, measureImprovement } from '../../consensus/index.js';
import {
  aggregateDeltas,
  applyModelDelta,
  initialNetworkModel,
  LocalTrainer,
  type NetworkModel,
  networkEvaluator,
} from '../../training/index.js';
import { arg, fullyGrown, warmedBase } from './common.js';

function optional(name: string): number | null | undefined {
  const v = arg(name, 'default');
  return v === 'default' ? undefined : v === 'none' ? null : Number(v);
}
const [num, den] = arg('density', '1/128').split('/');
const density = Number(num) / Number(den ?? 1);
const levels = [Number(arg('level', '0'))];
const step = Number(arg('step', '200000'));
const total = Number(arg('total', '5000000'));
const pass = Number(arg('pass', '3'));
const N = devnetParams.evalSamples;
const ev = networkEvaluator;

let seedCounter = 0;
function check(parent: NetworkModel, child: NetworkModel): string | null {
  let passed = 0;
  let ppm = 0;
  let disagree = 0;
  const byDomain = [0, 0];
  for (let s = 0; s < 6; s++) {
    const seed = evaluationSeed(sha256(new TextEncoder().encode(`chain-sim/${seedCounter++}`)));
    const c = ev.compare(parent, child, seed, N, levels);
    const p = measureImprovement(c.parentScore, c.newScore, N);
    ppm += p / 6;
    disagree += (c.childOnly + c.parentOnly) / 6;
    c.byDomain.forEach((d, i) => {
      byDomain[i] = byDomain[i]! + (d.child - d.parent) / 6;
    });
    if (p >= devnetParams.minImprovementPpm && isSignificant(c, N, devnetParams)) passed++;
  }
  const lm = Math.round((byDomain[0]! * 1e6) / N);
  const math = Math.round((byDomain[1]! * 1e6) / N);
  const line = `${Math.round(ppm)} ppm (lm ${lm}, math ${math}), ${Math.round(disagree)} disagreements, passes ${passed}/6`;
  return passed >= pass ? line : `no update: ${line}`;
}
const heldOut = (m: NetworkModel): string =>
  ev
    .heldOut(m, levels)
    .map((d, i) => `${['lm', 'math'][i]} ${((100 * d.correct) / d.total).toFixed(2)}%`)
    .join(', ');

const start = process.argv.includes('--grow') ? fullyGrown(initialNetworkModel()) : initialNetworkModel();
let model = warmedBase(start, levels, Number(arg('warm', '2000000')));
console.log(`start: held-out ${heldOut(model)}`);
const nodes = [0, 1, 2].map(
  (index) =>
    new LocalTrainer({
      shard: { index, count: 3 },
      seed: `sim/${index}`,
      deltaDensity: density,
      projectSamples: optional('project'),
      averageDecay: optional('decay'),
    }),
);
for (const n of nodes) n.setBase(model, levels);
let updates = 0;
let since = 0;
for (let done = step; done <= total; done += step) {
  // in pieces, as the worker's duty cycles call it (the moving average is updated between calls)
  for (const n of nodes) for (let k = 0; k < step; k += 25_000) n.train(Math.min(25_000, step - k));
  since += step;
  const deltas = nodes.map((n) => ({ delta: n.delta(), samples: 1 }));
  const child = applyModelDelta(model, aggregateDeltas(deltas, { rule: 'sparse-mean' }));
  const verdict = check(model, child);
  if (verdict && !verdict.startsWith('no update')) {
    model = child;
    updates++;
    for (const n of nodes) n.setBase(model, levels);
    console.log(
      `${done} samples each: update ${updates} after ${since}: ${verdict}; held-out ${heldOut(model)}`,
    );
    since = 0;
  } else if ((done / step) % 5 === 0) console.log(`${done} samples each: ${verdict}`);
}
console.log(`end: ${updates} updates; held-out ${heldOut(model)}`);
