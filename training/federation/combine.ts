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
 * without(i) recomputes only i's own coordinates, from (Σ − dᵢ) and k − 1, on a copy of the
 * combined tensor (sparse-mean: no other coordinate's k changes) or of a leave-one-out base built
 * once for all i (mean: every support coordinate's divisor becomes n − 1 whichever i leaves).
 * Tensors i does not touch are shared, not copied. It returns a fresh model object; nothing is
 * ever mutated after construction (kernels and caches may key on identity).
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
  /** Coordinates with count > 0, ascending. */
  readonly support: Int32Array;
}

function sumTensor(
  parent: Int8Array | Int32Array,
  entries: readonly TensorEntries[],
  stepMax: number,
  valueMax: number,
): TensorSums {
  const n = parent.length;
  const sum = new Int32Array(n);
  const count = new Uint8Array(n);
  let total = 0;
  for (const e of entries) {
    const { idx, val } = e;
    total += idx.length;
    for (let k = 0; k < idx.length; k++) {
      const j = idx[k]!;
      count[j] = count[j]! + 1;
      sum[j] = sum[j]! + val[k]!;
    }
  }
  // ascending, so that every later pass walks the tensors in memory order
  const support = new Int32Array(total);
  let s = 0;
  if (total > 0) for (let j = 0; j < n; j++) if (count[j] !== 0) support[s++] = j;
  return { parent, stepMax, valueMax, sum, count, support: support.subarray(0, s) };
}

function saturate(v: number, max: number): number {
  return v > max ? max : v < -max ? -max : v;
}

/**
 * The parent tensor with every support coordinate at its combined value, dividing by `k`
 * (0: by each coordinate's count, sparse-mean), or null when no contribution touches it.
 */
function combinedTensor(t: TensorSums, k: number): Int8Array | Int32Array | null {
  const { parent, support, sum, count, stepMax, valueMax } = t;
  if (support.length === 0) return null;
  const out = parent.slice();
  for (let p = 0; p < support.length; p++) {
    const j = support[p]!;
    out[j] = saturate(parent[j]! + roundedMean(sum[j]!, k === 0 ? count[j]! : k, stepMax), valueMax);
  }
  return out;
}

/**
 * The tensor combined without contribution `e` (its entries), starting from `from`: the combined
 * tensor (sparse-mean: only e's coordinates change) or the leave-one-out base (mean: every support
 * coordinate at Σ / (n − 1), so only e's coordinates are left to correct). Null when `from` is
 * null (nothing there to change); `from` itself when e has no entry there.
 */
function tensorWithout(
  t: TensorSums,
  from: Int8Array | Int32Array | null,
  e: TensorEntries,
  rule: FederationRule,
  n: number,
): Int8Array | Int32Array | null {
  if (from === null || e.idx.length === 0) return from;
  const { parent, sum, count, stepMax, valueMax } = t;
  const { idx, val } = e;
  const out = from.slice();
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k]!;
    const c = rule === 'mean' ? n - 1 : count[j]! - 1;
    out[j] =
      c === 0 ? parent[j]! : saturate(parent[j]! + roundedMean(sum[j]! - val[k]!, c, stepMax), valueMax);
  }
  return out;
}

/** `parent` with each layer's weights and biases replaced where `tensors` gives an array. */
function withTensors(
  parent: NetworkModel,
  tensors: readonly { readonly w: Int8Array | null; readonly b: Int32Array | null }[],
): NetworkModel {
  let li = 0;
  return {
    version: parent.version,
    heads: parent.heads.map((h) => {
      const layers = h.layers.map((l): QuantLayer => {
        const { w, b } = tensors[li++]!;
        return w || b ? { ...l, w: w ?? l.w, b: b ?? l.b } : l;
      });
      return layers.every((l, i) => l === h.layers[i]) ? h : { domain: h.domain, layers };
    }),
  };
}

class NetworkCombination implements Combination<NetworkModel> {
  readonly model: NetworkModel;
  private readonly w: readonly TensorSums[];
  private readonly b: readonly TensorSums[];
  /** Per layer, the weights and biases without(i) starts from (see tensorWithout). */
  private from: readonly { w: Int8Array | null; b: Int32Array | null }[] | undefined;

  constructor(
    private readonly parent: NetworkModel,
    private readonly deltas: readonly SparseDelta[],
    private readonly rule: FederationRule,
  ) {
    const layers = parent.heads.flatMap((h) => h.layers);
    const n = deltas.length;
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
    const k = rule === 'mean' ? n : 0;
    const combined = layers.map((_, li) => ({
      w: combinedTensor(this.w[li]!, k) as Int8Array | null,
      b: combinedTensor(this.b[li]!, k) as Int32Array | null,
    }));
    this.model = withTensors(parent, combined);
    if (rule === 'sparse-mean') this.from = combined;
  }

  without(i: number): NetworkModel {
    const n = this.deltas.length;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `no contribution ${i} of ${n}` });
    }
    if (n === 1) return this.parent;
    // mean: every support coordinate's divisor becomes n − 1, whichever i leaves (built once)
    this.from ??= this.w.map((w, li) => ({
      w: combinedTensor(w, n - 1) as Int8Array | null,
      b: combinedTensor(this.b[li]!, n - 1) as Int32Array | null,
    }));
    const d = this.deltas[i]!;
    return withTensors(
      this.parent,
      this.from.map((f, li) => ({
        w: tensorWithout(this.w[li]!, f.w, d.w[li]!, this.rule, n) as Int8Array | null,
        b: tensorWithout(this.b[li]!, f.b, d.b[li]!, this.rule, n) as Int32Array | null,
      })),
    );
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
