/**
 * How far federated training trails central training at equal samples, by round length, and what
 * telling a trainer that its delta was left out of an update is worth.
 *
 *   npx tsx scripts/experiments/roundLength.ts [--trainers 3] [--included 3] [--per 10000]
 *     [--rounds 60000,15000,…] [--total 360000] [--dense] [--assume-delivered] [--outer-step 3/1]
 *     [--momentum 1/2] [--coop 2000]
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
 *
 * Outer optimiser (no consensus rule does either; they ask what one would be worth): with
 * --outer-step a/b the combined step is scaled by a/b (rounded half away from zero; 3/1 with 3
 * trainers applies the sum of their deltas instead of the mean); with --momentum p/q the applied
 * step is Nesterov's, g + β·m with m = g + β·m_prev and β = p/q (β·m truncated toward zero, so a
 * one-quantum step decays instead of repeating forever). Steps are clamped to the delta bounds.
 *
 * Cooperative rounds (--coop S; no rule or node does this either): every S samples each trainer
 * takes in the sum of the others' latest deltas (LocalTrainer.setPeers, so its own delta leaves
 * them out), and the update is the sum of the deltas instead of their mean.
 */
import {
  aggregateDeltas,
  applyModelDelta,
  DEFAULT_DELTA_DENSITY,
  DEFAULT_TRAINER_OPTIONS,
  DELTA_B_MAX,
  DELTA_W_MAX,
  decodeSparseDelta,
  diffModels,
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
/** Samples per round, round after round (cycled), instead of `per` every round: e.g. an e2e run's rounds. */
const rounds = arg('rounds', '')
  .split(',')
  .filter((x) => x !== '')
  .map(Number);
const perRound = (r: number): number => (rounds.length > 0 ? rounds[r % rounds.length]! : per);
const total = Number(arg('total', '360000'));
const dense = process.argv.includes('--dense');
const assume = process.argv.includes('--assume-delivered');
/** Cooperative rounds: slices of this many samples, after each of which every trainer takes in the others' latest deltas (LocalTrainer.setPeers); the update is their sum. */
const coop = Number(arg('coop', '0'));
const LEVELS = [0];
/** The nodes' minibatch and learning rate (a LocalTrainer's own default rate is higher). */
const HYPER = {
  batchSize: DEFAULT_TRAINER_OPTIONS.batchSize,
  learningRate: DEFAULT_TRAINER_OPTIONS.learningRate,
};
const WEIGHTS = [0.75, 0.25];
const fraction = (name: string, dflt: string): [number, number] => {
  const [p, q] = arg(name, dflt).split('/').map(Number);
  if (!(Number.isInteger(p) && Number.isInteger(q) && q! > 0)) throw new Error(`--${name} must be p/q`);
  return [p!, q!];
};
const [stepNum, stepDen] = fraction('outer-step', '1/1');
const [betaNum, betaDen] = fraction('momentum', '0/1');
const halfAway = (x: number): number => (x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5));
const towardZero = (x: number): number => (x >= 0 ? Math.floor(x) : -Math.floor(-x));
const clamp = (v: number, max: number): number => (v > max ? max : v < -max ? -max : v);

/** Per coordinate f(a, b) of two deltas of one growth (b may be null: zero), clamped to the delta bounds. */
function mapDelta(a: ModelDelta, b: ModelDelta | null, f: (x: number, y: number) => number): ModelDelta {
  return {
    growth: a.growth,
    w: a.w.map((w, i) => w.map((x, k) => clamp(f(x, b ? b.w[i]![k]! : 0), DELTA_W_MAX))),
    b: a.b.map((t, i) => t.map((x, k) => clamp(f(x, b ? b.b[i]![k]! : 0), DELTA_B_MAX))),
  };
}
/** The sum of `deltas` (one growth), clamped to the delta bounds; null for none. */
const sumDeltas = (deltas: readonly ModelDelta[]): ModelDelta | null =>
  deltas.reduce<ModelDelta | null>((acc, d) => (acc ? mapDelta(acc, d, (x, y) => x + y) : d), null);
/** The outer optimiser's momentum (Nesterov), null before the first update or without --momentum. */
let momentum: ModelDelta | null = null;
/** `combined` (the update consensus would apply on `parent`) through the outer optimiser. */
function outerStep(parent: NetworkModel, combined: NetworkModel): NetworkModel {
  if (stepNum === stepDen && betaNum === 0) return combined;
  const g = mapDelta(diffModels(parent, combined), null, (x) => halfAway((stepNum * x) / stepDen));
  if (betaNum === 0) return applyModelDelta(parent, g);
  momentum = mapDelta(g, momentum, (x, m) => x + towardZero((betaNum * m) / betaDen));
  return applyModelDelta(
    parent,
    mapDelta(g, momentum, (x, m) => x + towardZero((betaNum * m) / betaDen)),
  );
}

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
  let deltas: ModelDelta[];
  if (coop > 0) {
    let latest: (ModelDelta | null)[] = trainers.map(() => null);
    for (let done = 0; done < perRound(r); done += coop) {
      latest = trainers.map((t) => {
        t.train(Math.min(coop, perRound(r) - done));
        return t.delta();
      });
      trainers.forEach((t, i) => {
        const others = latest.filter((d, j) => j !== i && d !== null) as ModelDelta[];
        t.setPeers(sumDeltas(others));
      });
    }
    deltas = latest as ModelDelta[];
  } else
    deltas = trainers.map((t) => {
      t.train(perRound(r));
      return t.delta();
    });
  const offered =
    included >= n ? trainers.map((_, i) => i) : Array.from({ length: included }, (_, k) => (2 * k + r) % n);
  const chosen = dense ? offered : withoutNearCopies(offered, deltas);
  for (const i of chosen) samples += trainers[i]!.samples;
  const combined =
    coop > 0
      ? applyModelDelta(model, sumDeltas(chosen.map((i) => deltas[i]!))!)
      : dense
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
  model = outerStep(model, combined);
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
  `${n} trainers, ${included} per update, ${rounds.length > 0 ? `rounds of ${rounds.join(', ')}` : per} samples per round, ${dense ? 'dense' : 'compressed'}${coop > 0 ? `, cooperative (slices of ${coop}, sum)` : ''}${assume ? ', delivery assumed' : ''}` +
    `${stepNum !== stepDen ? `, outer step ${stepNum}/${stepDen}` : ''}${betaNum !== 0 ? `, Nesterov momentum ${betaNum}/${betaDen}` : ''}: ` +
    `chain ${show(model)} vs central ${show(c)} on ${samples} samples: gap ${pct(accuracy(c) - accuracy(model))} points` +
    (nearCopies > 0 ? ` (${nearCopies} honest deltas left out as near-copies)` : ''),
);
