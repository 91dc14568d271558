/**
 * How far federated training trails central training at equal samples, by round length, and what
 * telling a trainer that its delta was left out of an update is worth.
 *
 *   npx tsx scripts/experiments/roundLength.ts [--trainers 3] [--included 3] [--per 10000]
 *     [--total 360000] [--dense] [--assume-delivered]
 *
 * From the genesis model, `trainers` trainers (shard i of `trainers`) each train `per` samples per
 * round from the chain model and send a delta (compressed at the default density, or the whole
 * quantized difference with --dense). A round's update combines `included` of them with
 * sparse-mean through consensus's combine (mean for dense deltas, which no block carries): all,
 * or when fewer, alternately the even and the odd ones, as a block full of other contributions
 * would leave some out; a delta consensus would call a near-copy of an earlier one is left out, as
 * the proposer does (early in training honest deltas can be that alike). Each trainer then restarts on the new model, told which of its deltas it
 * took in (null when left out), or, with --assume-delivered, assuming its last delta was taken
 * in (what a trainer did before it was told). Central: one trainer on every public chunk for the
 * samples the updates carried. Every trainer uses the nodes' minibatch and learning rate. Prints held-out accuracy (lm and math weighed 3 : 1, as a block's
 * evaluation sample) of both and the gap.
 */
import {
  aggregateDeltas,
  applyModelDelta,
  DEFAULT_DELTA_DENSITY,
  DEFAULT_TRAINER_OPTIONS,
  decodeSparseDelta,
  encodeDelta,
  initialNetworkModel,
  LocalTrainer,
  type ModelDelta,
  type NetworkModel,
  nearDuplicate,
  networkEvaluator,
  pairwiseDots,
  weightNorm,
} from '../../training/index.js';
import { arg } from './common.js';

const n = Number(arg('trainers', '3'));
const included = Number(arg('included', String(n)));
const per = Number(arg('per', '10000'));
const total = Number(arg('total', '360000'));
const dense = process.argv.includes('--dense');
const assume = process.argv.includes('--assume-delivered');
const LEVELS = [0];
/** The nodes' minibatch and learning rate (a LocalTrainer's own default rate is higher). */
const HYPER = {
  batchSize: DEFAULT_TRAINER_OPTIONS.batchSize,
  learningRate: DEFAULT_TRAINER_OPTIONS.learningRate,
};
const WEIGHTS = [0.75, 0.25];

const byDomain = (m: NetworkModel): number[] =>
  networkEvaluator.heldOut(m, LEVELS).map((d) => d.correct / d.total);
const accuracy = (m: NetworkModel): number => byDomain(m).reduce((s, a, i) => s + WEIGHTS[i]! * a, 0);
const pct = (x: number): string => (100 * x).toFixed(1);
const show = (m: NetworkModel): string =>
  `${pct(accuracy(m))}% (lm ${byDomain(m).map(pct).join('%, math ')}%)`;

const trainers = Array.from(
  { length: n },
  (_, i) =>
    new LocalTrainer({
      shard: { index: i, count: n },
      seed: `exp/round/${i}/${n}`,
      ...HYPER,
      deltaDensity: dense ? null : DEFAULT_DELTA_DENSITY,
    }),
);
const sparseMean = networkEvaluator.rules.indexOf('sparse-mean');
let nearCopies = 0;

/** `offered` less each delta consensus would call a near-copy of an earlier one (as the proposer leaves it out). */
function withoutNearCopies(offered: readonly number[], deltas: readonly ModelDelta[]): number[] {
  const sparse = offered.map((i) => decodeSparseDelta(encodeDelta(deltas[i]!)));
  const norms = sparse.map(weightNorm);
  const dots = pairwiseDots(sparse);
  const kept: number[] = [];
  offered.forEach((_, a) => {
    if (kept.some((b) => nearDuplicate(dots[b]![a]!, norms[b]!, norms[a]!))) nearCopies++;
    else kept.push(a);
  });
  return kept.map((a) => offered[a]!);
}
let model = initialNetworkModel();
for (const t of trainers) t.setBase(model, LEVELS);
let samples = 0;
for (let r = 0; samples < total; r++) {
  const deltas: ModelDelta[] = trainers.map((t) => {
    t.train(per);
    return t.delta();
  });
  const offered =
    included >= n ? trainers.map((_, i) => i) : Array.from({ length: included }, (_, k) => (2 * k + r) % n);
  const chosen = dense ? offered : withoutNearCopies(offered, deltas);
  for (const i of chosen) samples += trainers[i]!.samples;
  model = dense
    ? applyModelDelta(
        model,
        aggregateDeltas(
          chosen.map((i) => ({ delta: deltas[i]!, samples: 1 })),
          { rule: 'mean' },
        ),
      )
    : (networkEvaluator.combine(
        model,
        chosen.map((i) => encodeDelta(deltas[i]!)),
        sparseMean,
      ).model as NetworkModel);
  trainers.forEach((t, i) => {
    if (assume) t.setBase(model, LEVELS);
    else t.setBase(model, LEVELS, chosen.includes(i) ? deltas[i]! : null);
  });
}
const central = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'exp/round/central', ...HYPER });
central.setBase(initialNetworkModel(), LEVELS);
central.train(samples);
const c = central.currentModel();
console.log(
  `${n} trainers, ${included} per update, ${per} samples per round, ${dense ? 'dense' : 'compressed'}${assume ? ', delivery assumed' : ''}: ` +
    `chain ${show(model)} vs central ${show(c)} on ${samples} samples: gap ${pct(accuracy(c) - accuracy(model))} points` +
    (nearCopies > 0 ? ` (${nearCopies} honest deltas left out as near-copies)` : ''),
);
