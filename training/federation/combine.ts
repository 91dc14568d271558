/**
 * Combining a block's contributions (consensus: Evaluator.combine, poi/improvement.ts). Every
 * node decodes each contribution's compressed delta, checks its bounds (bounds.ts) and that no two
 * are near-duplicates (duplicates.ts), and combines them with the update's rule (rules.ts) on top
 * of the parent: combined step = roundedMean(Σ dᵢ, k) per coordinate (k = the contributions that
 * sent it for sparse-mean, n for mean), applied saturating exactly like applyModelDelta, so one
 * contribution gives applyModelDelta(parent, decodeDelta(delta)).
 *
 * Leave-one-out (poi/credit.ts) asks for the parent plus the combination of all contributions but
 * one, once per contribution. The combination keeps, per tensor, the integer sums of the steps, how
 * many contributions sent each coordinate and the coordinates some contribution sent (support), so
 * without(i) rebuilds only what removing i can change: i's own coordinates (sparse-mean: the
 * others keep their k) or the support (mean: every divisor becomes n − 1). It returns a fresh model
 * object that shares every unchanged layer array with the combined model or the parent; nothing
 * is ever mutated after construction (kernels and caches may key on identity).
 */
import { type Combination, MAX_CONTRIBUTIONS, VerdictError } from '../../consensus/index.js';
import { BIAS_MAX, DELTA_B_MAX, DELTA_W_MAX, WEIGHT_MAX } from '../arch.js';
import type { SparseDelta, TensorEntries } from '../delta.js';
import { TrainingError } from '../errors.js';
import { modelGrowth, type NetworkModel, type QuantLayer } from '../model.js';
import { decodeContribution } from './bounds.js';
import { checkDuplicates } from './duplicates.js';
import { type FederationRule, federationRule, roundedMean } from './rules.js';

/** A tensor of the parent (a layer's weights or biases) with the contributions' running sums. */
interface TensorSums {
  readonly parent: Int8Array | Int32Array;
  /** Bound of one combined step and of an applied value. */
  readonly stepMax: number;
  readonly valueMax: number;
  /** Σ dᵢ per coordinate. */
  readonly sum: Int32Array;
  /** Contributions with dᵢ ≠ 0 per coordinate (≤ MAX_CONTRIBUTIONS). */
  readonly count: Uint8Array;
  /** Coordinates with count > 0, each once, unordered. */
  readonly support: Int32Array;
}

function sumTensor(
  parent: Int8Array | Int32Array,
  entries: readonly TensorEntries[],
  stepMax: number,
  valueMax: number,
): TensorSums {
  const sum = new Int32Array(parent.length);
  const count = new Uint8Array(parent.length);
  let total = 0;
  for (const e of entries) total += e.idx.length;
  const support = new Int32Array(total);
  let s = 0;
  for (const e of entries) {
    for (let k = 0; k < e.idx.length; k++) {
      const j = e.idx[k]!;
      if (count[j]++ === 0) support[s++] = j;
      sum[j] = sum[j]! + e.val[k]!;
    }
  }
  return { parent, stepMax, valueMax, sum, count, support: support.subarray(0, s) };
}

/** parent[j] + roundedMean(s, k), saturating (k ≥ 1). */
function applied(t: TensorSums, j: number, s: number, k: number): number {
  const v = t.parent[j]! + roundedMean(s, k, t.stepMax);
  return v > t.valueMax ? t.valueMax : v < -t.valueMax ? -t.valueMax : v;
}

/** The parent tensor with every support coordinate set to its combined value, or null if none. */
function combinedTensor(t: TensorSums, rule: FederationRule, n: number): Int8Array | Int32Array | null {
  if (t.support.length === 0) return null;
  const out = t.parent.slice();
  for (const j of t.support) out[j] = applied(t, j, t.sum[j]!, rule === 'mean' ? n : t.count[j]!);
  return out;
}

/** The tensor combined without contribution `e` (its entries), or null if removing e changes nothing. */
function tensorWithout(
  t: TensorSums,
  combined: Int8Array | Int32Array,
  e: TensorEntries,
  rule: FederationRule,
  n: number,
): Int8Array | Int32Array | null {
  if (rule === 'sparse-mean') {
    if (e.idx.length === 0) return null;
    const out = combined.slice();
    for (let k = 0; k < e.idx.length; k++) {
      const j = e.idx[k]!;
      const c = t.count[j]! - 1;
      out[j] = c === 0 ? t.parent[j]! : applied(t, j, t.sum[j]! - e.val[k]!, c);
    }
    return out;
  }
  if (t.support.length === 0) return null;
  const out = t.parent.slice();
  for (const j of t.support) out[j] = applied(t, j, t.sum[j]!, n - 1);
  for (let k = 0; k < e.idx.length; k++) {
    const j = e.idx[k]!;
    out[j] = applied(t, j, t.sum[j]! - e.val[k]!, n - 1);
  }
  return out;
}

/** `base` with layer li (flat, architecture order) replaced where `layers[li]` is set. */
function replaceLayers(base: NetworkModel, layers: readonly (QuantLayer | undefined)[]): NetworkModel {
  let li = 0;
  return {
    version: base.version,
    heads: base.heads.map((h) => {
      const next = h.layers.map((l) => layers[li++] ?? l);
      return next.every((l, i) => l === h.layers[i]) ? h : { domain: h.domain, layers: next };
    }),
  };
}

class NetworkCombination implements Combination<NetworkModel> {
  readonly model: NetworkModel;
  private readonly layers: readonly QuantLayer[];
  private readonly w: readonly TensorSums[];
  private readonly b: readonly TensorSums[];

  constructor(
    private readonly parent: NetworkModel,
    private readonly deltas: readonly SparseDelta[],
    private readonly rule: FederationRule,
  ) {
    const layers = parent.heads.flatMap((h) => h.layers);
    this.w = layers.map((l, li) =>
      sumTensor(
        l.w,
        deltas.map((d) => d.w[li]!),
        DELTA_W_MAX,
        WEIGHT_MAX,
      ),
    );
    this.b = layers.map((l, li) =>
      sumTensor(
        l.b,
        deltas.map((d) => d.b[li]!),
        DELTA_B_MAX,
        BIAS_MAX,
      ),
    );
    const n = deltas.length;
    const combined = layers.map((l, li) => {
      const w = combinedTensor(this.w[li]!, rule, n) as Int8Array | null;
      const b = combinedTensor(this.b[li]!, rule, n) as Int32Array | null;
      return w || b ? { ...l, w: w ?? l.w, b: b ?? l.b } : undefined;
    });
    this.model = replaceLayers(parent, combined);
    this.layers = this.model.heads.flatMap((h) => h.layers);
  }

  without(i: number): NetworkModel {
    const n = this.deltas.length;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `no contribution ${i} of ${n}` });
    }
    if (n === 1) return this.parent;
    const d = this.deltas[i]!;
    const changed = this.layers.map((l, li) => {
      const w = tensorWithout(this.w[li]!, l.w, d.w[li]!, this.rule, n) as Int8Array | null;
      const b = tensorWithout(this.b[li]!, l.b, d.b[li]!, this.rule, n) as Int32Array | null;
      return w || b ? { ...l, w: w ?? l.w, b: b ?? l.b } : undefined;
    });
    return replaceLayers(this.model, changed);
  }
}

/**
 * The contributions' deltas (encoded) combined with rule `ruleId` on top of `parent`. Throws
 * VerdictError only: 'bad-model-rule', 'bad-model-contribution' (a delta over its bounds, or more
 * than MAX_CONTRIBUTIONS of them), 'bad-model-duplicate'.
 */
export function combineContributions(
  parent: NetworkModel,
  deltas: readonly Uint8Array[],
  ruleId: number,
): Combination<NetworkModel> {
  const rule = federationRule(ruleId);
  if (deltas.length > MAX_CONTRIBUTIONS) {
    throw new VerdictError(
      'bad-model-contribution',
      `${deltas.length} contributions, at most ${MAX_CONTRIBUTIONS}`,
    );
  }
  const growth = modelGrowth(parent);
  const decoded = deltas.map((bytes, i) => decodeContribution(bytes, i, growth));
  checkDuplicates(deltas, decoded);
  return new NetworkCombination(parent, decoded, rule);
}
