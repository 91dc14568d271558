/**
 * Aggregation of contributors' deltas (miner side, not consensus: the result is checked by
 * re-scoring). Rules:
 *   fedavg        Σ samplesᵢ·dᵢ / Σ samplesᵢ per coordinate (FedAvg; trusts the sample counts)
 *   mean          Σ dᵢ / n per coordinate (every contributor weighs the same)
 *   sparse-mean   Σ dᵢ / #{i : dᵢ ≠ 0} per coordinate: the mean over the contributors that sent
 *                 the coordinate (a compressed delta leaves a coordinate out because its trainer
 *                 holds it back for later, not because it learnt 0 there)
 *   median        coordinate-wise median (mean of the two middle values for an even count)
 *   trimmed-mean  per coordinate, drop the ⌊trim·n⌋ lowest and highest values, average the rest
 * Only fedavg reads the self-reported sample counts, which a poisoner could inflate. Compressed
 * deltas (compress.ts) are sparse, each trainer's on its own top entries, so a coordinate-wise
 * median or trimmed mean of a few of them is mostly zero: 'mean' is the rule for them.
 * Results are rounded half away from zero and clamped to the delta bounds; the arithmetic is
 * integer or exact in doubles, so every miner gets the same aggregate from the same inputs.
 */
import { DELTA_B_MAX, DELTA_W_MAX } from '../arch.js';
import type { ModelDelta } from '../delta.js';
import { sameGrowth, zeroDelta } from '../delta.js';
import { TrainingError } from '../errors.js';

export const AGGREGATION_RULES = ['fedavg', 'mean', 'sparse-mean', 'median', 'trimmed-mean'] as const;
export type AggregationRule = (typeof AGGREGATION_RULES)[number];

export interface WeightedDelta {
  readonly delta: ModelDelta;
  /** Training samples the contributor reports (≥ 1). */
  readonly samples: number;
}

export interface AggregateOptions {
  readonly rule: AggregationRule;
  /** Fraction trimmed from each end by 'trimmed-mean' (default 0.2, must be < 0.5). */
  readonly trim?: number;
}

function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

function clamp(v: number, max: number): number {
  return v > max ? max : v < -max ? -max : v;
}

type Reducer = (vals: Int32Array) => number;

function sortSmall(a: Int32Array): void {
  for (let i = 1; i < a.length; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

function reducer(inputs: readonly WeightedDelta[], opts: AggregateOptions): Reducer {
  const n = inputs.length;
  if (opts.rule === 'fedavg') {
    const weights = inputs.map((x) => x.samples);
    const total = weights.reduce((s, w) => s + w, 0);
    return (vals) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += vals[i]! * weights[i]!;
      return roundHalfAway(s / total);
    };
  }
  if (opts.rule === 'mean') {
    return (vals) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += vals[i]!;
      return roundHalfAway(s / n);
    };
  }
  if (opts.rule === 'sparse-mean') {
    return (vals) => {
      let s = 0;
      let k = 0;
      for (let i = 0; i < n; i++) {
        s += vals[i]!;
        if (vals[i] !== 0) k++;
      }
      return k === 0 ? 0 : roundHalfAway(s / k);
    };
  }
  if (opts.rule === 'median') {
    return (vals) => {
      sortSmall(vals);
      const m = n >> 1;
      return n % 2 === 1 ? vals[m]! : roundHalfAway((vals[m - 1]! + vals[m]!) / 2);
    };
  }
  const trim = opts.trim ?? 0.2;
  if (!(trim >= 0 && trim < 0.5)) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'trim must be in [0, 0.5)' });
  }
  const k = Math.min(Math.floor(trim * n), (n - 1) >> 1);
  return (vals) => {
    sortSmall(vals);
    let s = 0;
    for (let i = k; i < n - k; i++) s += vals[i]!;
    return roundHalfAway(s / (n - 2 * k));
  };
}

export function aggregateDeltas(inputs: readonly WeightedDelta[], opts: AggregateOptions): ModelDelta {
  if (inputs.length === 0) throw new TrainingError({ code: 'TRAINING_NO_DELTAS' });
  if (!AGGREGATION_RULES.includes(opts.rule)) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `unknown rule ${String(opts.rule)}` });
  }
  for (const x of inputs) {
    if (!Number.isInteger(x.samples) || x.samples < 1) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'samples must be a positive integer' });
    }
  }
  const growth = inputs[0]!.delta.growth;
  if (inputs.some((x) => !sameGrowth(x.delta.growth, growth))) {
    throw new TrainingError({ code: 'TRAINING_BAD_DELTA', reason: 'deltas for models of different growth' });
  }
  const reduce = reducer(inputs, opts);
  const out = zeroDelta(growth);
  const vals = new Int32Array(inputs.length);
  const run = (pick: (d: ModelDelta) => readonly (Int8Array | Int16Array)[], max: number): void => {
    const dst = pick(out);
    dst.forEach((t, ti) => {
      const srcs = inputs.map((x) => pick(x.delta)[ti]!);
      for (let c = 0; c < t.length; c++) {
        for (let i = 0; i < srcs.length; i++) vals[i] = srcs[i]![c]!;
        t[c] = clamp(reduce(vals), max);
      }
    });
  };
  run((d) => d.w, DELTA_W_MAX);
  run((d) => d.b, DELTA_B_MAX);
  return out;
}
