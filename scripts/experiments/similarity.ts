/**
 * Where to put the near-duplicate threshold (training/federation/duplicates.ts): how alike are
 * honest contributions, and how alike is a copy with a little noise to its original?
 *
 * Trains one LocalTrainer on the whole corpus for --warm samples (a chain model part-way; a list
 * gives several stages of the chain, e.g. 0,20000,400000), then, from that base, for each round
 * length in --rounds, --trainers (10) honest trainers on shards 0..9 of 10 (own seeds), each
 * compressed at DEFAULT_DELTA_DENSITY like a node's contribution. Prints the distribution
 * (min / median / max) of the weight-step cosines of the 45 honest pairs, then of
 * copiers against their original: each honest delta with one kind of noise (sign of 1% of its
 * entries flipped; 10% of its entries moved to random other coordinates; ±s entries added at
 * random coordinates, 10% of its count, within the entry bound), with all three at once, and
 * with a quarter of its entries moved (what evading the threshold costs a copier).
 * Nodes pick their shard from their peer id, so honest nodes often share one: --same-shard more
 * trainers on shard 0 with their own seeds give the honest pairs that are most alike.
 * The cosine is the one consensus tests, on the decoded contributions (federation pairwiseDots).
 *
 *   npx tsx --import ./node/polyfill.ts scripts/experiments/similarity.ts [--warm 400000]
 *       [--rounds 20000,100000] [--trainers 10] [--same-shard 5]
 */
import {
  cosine,
  DEFAULT_DELTA_DENSITY,
  decodeSparseDelta,
  encodeDelta,
  initialNetworkModel,
  LocalTrainer,
  type ModelDelta,
  maxContributionEntries,
  type NetworkModel,
  pairwiseDots,
  type SparseDelta,
  weightNorm,
  zeroDelta,
} from '../../training/index.js';
import { Xoshiro128 } from '../../training/prng.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}
const warms = arg('warm', '400000').split(',').map(Number);
const rounds = arg('rounds', '20000,100000').split(',').map(Number);
const trainers = Number(arg('trainers', '10'));
const sharing = Number(arg('same-shard', '5'));
const LEVELS = [0];

function sparse(d: ModelDelta): SparseDelta {
  return decodeSparseDelta(encodeDelta(d));
}

/** Cosine of the weight steps of a and b. */
function cos(a: SparseDelta, b: SparseDelta): number {
  return cosine(pairwiseDots([a, b])[0]![1]!, weightNorm(a), weightNorm(b));
}

function stats(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `min ${s[0]!.toFixed(3)}  median ${at(0.5).toFixed(3)}  max ${s[s.length - 1]!.toFixed(3)}  (n=${s.length})`;
}

/** Cosines of every pair of `ds`. */
function pairCosines(ds: readonly SparseDelta[]): number[] {
  const dots = pairwiseDots(ds);
  const norms = ds.map(weightNorm);
  const out: number[] = [];
  for (let i = 0; i < ds.length; i++)
    for (let j = i + 1; j < ds.length; j++) out.push(cosine(dots[i]![j]!, norms[i]!, norms[j]!));
  return out;
}

type Noise = 'flip 1%' | 'move 10%' | 'add 10%' | 'all three' | 'move 25%';

/** `d` with copier's noise: per weight tensor, on its non-zero entries. */
function perturb(d: ModelDelta, noise: Noise, rng: Xoshiro128): ModelDelta {
  const out = zeroDelta(d.growth);
  d.w.forEach((src, t) => {
    const w = out.w[t]!;
    w.set(src);
    out.b[t]!.set(d.b[t]!);
    const nz: number[] = [];
    let s = 127;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      nz.push(i);
      s = Math.min(s, Math.abs(w[i]!));
    }
    if (nz.length === 0) return;
    const pick = (share: number): number[] => {
      const k = Math.max(1, Math.round(share * nz.length));
      const chosen = new Set<number>();
      while (chosen.size < Math.min(k, nz.length)) chosen.add(nz[rng.below(nz.length)]!);
      return [...chosen];
    };
    const freeSlot = (): number => {
      for (;;) {
        const i = rng.below(w.length);
        if (w[i] === 0) return i;
      }
    };
    if (noise === 'flip 1%' || noise === 'all three') for (const i of pick(0.01)) w[i] = -w[i]!;
    if (noise === 'move 10%' || noise === 'all three' || noise === 'move 25%') {
      for (const i of pick(noise === 'move 25%' ? 0.25 : 0.1)) {
        const j = freeSlot();
        w[j] = w[i]!;
        w[i] = 0;
      }
    }
    if (noise === 'add 10%' || noise === 'all three') {
      const room = maxContributionEntries(w.length) - nz.length;
      const k = Math.min(room, Math.round(0.1 * nz.length), w.length - nz.length);
      for (let a = 0; a < k; a++) w[freeSlot()] = rng.below(2) === 0 ? s : -s;
    }
  });
  return out;
}

const rng = new Xoshiro128('exp/similarity/noise');
const warmer = new LocalTrainer({
  shard: { index: 0, count: 1 },
  seed: 'exp/similarity/warm',
  deltaDensity: null,
});
let base = initialNetworkModel();
let warmed = 0;
for (const warm of warms) {
  // the chain's model after `warm` samples (one trainer on the whole corpus), trained on from the last
  warmer.setBase(base, LEVELS);
  warmed += warm > warmed ? warmer.train(warm - warmed) : 0;
  base = warmer.currentModel();
  for (const round of rounds) report(base, warm, round);
}

function report(base: NetworkModel, warm: number, round: number): void {
  const t1 = performance.now();
  const honest: ModelDelta[] = [];
  for (let i = 0; i < trainers; i++) {
    const t = new LocalTrainer({
      shard: { index: i, count: trainers },
      seed: `exp/similarity/${i}`,
      deltaDensity: DEFAULT_DELTA_DENSITY,
    });
    t.setBase(base, LEVELS);
    t.train(round);
    honest.push(t.delta());
  }
  // nodes draw their shard from their peer id, so honest nodes often share one: same shard, own seeds
  const sameShard: ModelDelta[] = [];
  for (let i = 0; i < sharing; i++) {
    const t = new LocalTrainer({
      shard: { index: 0, count: trainers },
      seed: `exp/similarity/same/${i}`,
      deltaDensity: DEFAULT_DELTA_DENSITY,
    });
    t.setBase(base, LEVELS);
    t.train(round);
    sameShard.push(t.delta());
  }
  const hs = honest.map(sparse);
  const pairs = pairCosines(hs);
  const entries = hs.map((d) => d.w.reduce((n, t) => n + t.idx.length, 0));
  console.log(
    `\nbase ${warm} samples, round ${round} samples × ${trainers} trainers (${((performance.now() - t1) / 1000).toFixed(0)} s), ` +
      `weight steps per delta ${Math.min(...entries)}..${Math.max(...entries)}`,
  );
  console.log(`  honest pairs           ${stats(pairs)}`);
  console.log(`  honest, same shard     ${stats(pairCosines([hs[0]!, ...sameShard.map(sparse)]))}`);
  for (const noise of ['flip 1%', 'move 10%', 'add 10%', 'all three', 'move 25%'] as const) {
    const c = honest.map((d, i) => cos(hs[i]!, sparse(perturb(d, noise, rng))));
    console.log(`  copier (${noise.padEnd(9)}) ${stats(c)}`);
  }
}
