/**
 * The network evaluator: consensus's `Evaluator` for the multi-domain quantized model.
 * score(model, seed, count, levels) = correct answers over the seed's evaluation batch
 * (sampling.ts), summed over the heads; every kernel gives the same integer. compare() scores only
 * the heads whose weights differ (an unchanged head answers every sample alike in parent and
 * child, so it adds the same count to both scores, no disagreement and no loss difference), lists
 * the samples they disagree on by their index in the seed's order (sampling.ts interleaves the
 * domains' rows), and sums each sample's log-loss difference for the significance test
 * (kernel/loss.ts; consensus poi/improvement.ts).
 * combine() is federation/'s (bounds, near-duplicates, rules, leave-one-out); correctOn() scores
 * only the listed samples (the leave-one-out credit of poi/credit.ts asks it once, for every
 * contribution's leave-one-out model), on the rows of the batch compare() used, which is built
 * once per (seed, count, levels). With a ScoreHelper (parallel/), a second thread scores the
 * child in compare() and every other model in correctOn(); the results are the same.
 */
import {
  DecodeError,
  type Evaluator,
  equalBytes,
  type Hash,
  taggedHash,
  VerdictError,
} from '../consensus/index.js';
import { DOMAINS, type Domain, LEVELED_DOMAINS, MAX_GROWTH } from './arch.js';
import { lmBatchFromPositions, lmCorpus, lmHeldOutPositions } from './data/lm.js';
import { MATH_MAX_LEVEL } from './data/math.js';
import { applyModelDelta, decodeDelta } from './delta.js';
import { TrainingError } from './errors.js';
import { combineContributions, FEDERATION_RULES } from './federation/index.js';
import { defaultKernel } from './kernel/index.js';
import type { ScoreKernel } from './kernel/types.js';
import {
  decodeNetworkModel,
  encodeNetworkModel,
  growNetworkModel,
  initialNetworkModel,
  modelGrowth,
  type NetworkModel,
  networkModelHash,
  type QuantHead,
} from './model.js';
import type { ScoreHelper } from './parallel/helper.js';
import {
  type EvalBatch,
  evalBatch,
  mathBatch,
  type SparseSet,
  sampleIndex,
  sampleSubsets,
} from './sampling.js';

export interface DomainScore {
  readonly domain: Domain;
  readonly correct: number;
  readonly total: number;
}

export interface NetworkEvaluator extends Evaluator<NetworkModel> {
  /** One encoded delta applied to `parent` (tests and tools; consensus combines contributions). */
  applyDelta(parent: NetworkModel, delta: Uint8Array): NetworkModel;
  /** Per-domain counts on the same batch `score` uses (their sum is `score`). */
  scoreByDomain(model: NetworkModel, seed: Hash, count: number, levels: readonly number[]): DomainScore[];
  /**
   * Per-domain accuracy on data no consensus sample and no trainer ever uses: held-out corpus
   * positions for lm, a fixed seed's tasks at the given level for math. For reports, not consensus.
   */
  heldOut(model: NetworkModel, levels: readonly number[]): DomainScore[];
  /** The kernel in use ('wasm' or 'js'). */
  kernelName(): ScoreKernel['name'];
}

export interface NetworkEvaluatorOptions {
  /** Forces a kernel; default: WASM when built, else plain TS. */
  readonly kernel?: ScoreKernel;
  /**
   * A second thread that scores about half of a block's models (the child in compare, every
   * other leave-one-out model in correctOn); scores are the same with or without it.
   */
  readonly helper?: ScoreHelper;
}

/** Held-out positions of the language corpus scored by `heldOut`. */
export const HELD_OUT_LM = 8_192;
/** Math tasks scored by `heldOut` (fixed seed, at the chain's level). */
export const HELD_OUT_MATH = 4_096;
const HELD_OUT_MATH_SEED = taggedHash('qenex/held-out-math', new Uint8Array(0));

function sameHead(a: QuantHead, b: QuantHead): boolean {
  if (a === b) return true;
  return a.layers.every((l, i) => {
    const m = b.layers[i]!;
    return (
      (l.w === m.w || equalBytes(bytesOf(l.w), bytesOf(m.w))) &&
      (l.b === m.b || equalBytes(bytesOf(l.b), bytesOf(m.b)))
    );
  });
}

/** The rows of one domain that exactly one of two models answers correctly, and whether it is the child. */
interface DomainDisagreements {
  readonly rows: number[];
  readonly childRight: number[];
}

/** The disagreements of every domain as sample indices, ascending (rows mapped back by sampleIndex). */
function mergeDisagreements(perDomain: readonly DomainDisagreements[]): {
  disagreements: Uint32Array;
  childRight: Uint8Array;
} {
  let total = 0;
  for (const d of perDomain) total += d.rows.length;
  const disagreements = new Uint32Array(total);
  const childRight = new Uint8Array(total);
  const at = perDomain.map(() => 0);
  for (let k = 0; k < total; k++) {
    let best = -1;
    let bestIndex = Infinity;
    perDomain.forEach((d, di) => {
      const p = at[di]!;
      if (p < d.rows.length && sampleIndex(di, d.rows[p]!) < bestIndex) {
        bestIndex = sampleIndex(di, d.rows[p]!);
        best = di;
      }
    });
    disagreements[k] = bestIndex;
    childRight[k] = perDomain[best]!.childRight[at[best]!]!;
    at[best]!++;
  }
  return { disagreements, childRight };
}

function bytesOf(a: Int8Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

let heldOutLm: SparseSet | undefined;
function heldOutLmSet(): SparseSet {
  heldOutLm ??= lmBatchFromPositions(lmCorpus().classes, lmHeldOutPositions(HELD_OUT_LM));
  return heldOutLm;
}

export function createNetworkEvaluator(opts: NetworkEvaluatorOptions = {}): NetworkEvaluator {
  const kernel = (): ScoreKernel => opts.kernel ?? defaultKernel();
  const checkCount = (count: number): void => {
    if (!Number.isInteger(count) || count < 0)
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'count' });
  };
  // The last batch (compare, then one correctOn per contribution, all on the same samples).
  let last: { seed: Hash; count: number; levels: readonly number[]; batch: EvalBatch } | undefined;
  const batchFor = (seed: Hash, count: number, levels: readonly number[]): EvalBatch => {
    checkCount(count);
    if (
      last === undefined ||
      last.count !== count ||
      !equalBytes(last.seed, seed) ||
      last.levels.length !== levels.length ||
      last.levels.some((l, i) => l !== levels[i])
    ) {
      last = { seed: seed.slice(), count, levels: [...levels], batch: evalBatch(seed, count, levels) };
    }
    return last.batch;
  };
  const byDomain = (
    model: NetworkModel,
    seed: Hash,
    count: number,
    levels: readonly number[],
  ): DomainScore[] => {
    const batch = batchFor(seed, count, levels);
    const k = kernel();
    return DOMAINS.map((domain, i) => ({
      domain,
      correct: k.scoreHead(model.heads[i]!, batch.domains[i]!),
      total: batch.domains[i]!.n,
    }));
  };
  return {
    rules: FEDERATION_RULES,
    combine: combineContributions,
    applyDelta(parent, delta) {
      try {
        return applyModelDelta(parent, decodeDelta(delta));
      } catch (e) {
        if (e instanceof TrainingError) throw new VerdictError('bad-model-update', e.message);
        throw e;
      }
    },
    modelHash: networkModelHash,
    encodeModel: encodeNetworkModel,
    decodeModel(bytes) {
      try {
        return decodeNetworkModel(bytes);
      } catch (e) {
        if (e instanceof DecodeError) throw e;
        throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'network model' });
      }
    },
    initialModel: initialNetworkModel,
    grow: (model, domain) =>
      domain >= 0 && domain < DOMAINS.length && modelGrowth(model)[domain]! < MAX_GROWTH[domain]!
        ? growNetworkModel(model, domain)
        : null,
    score(model, seed, count, levels) {
      let total = 0;
      for (const d of byDomain(model, seed, count, levels)) total += d.correct;
      return total;
    },
    compare(parent, child, seed, count, levels) {
      const batch = batchFor(seed, count, levels);
      const k = kernel();
      let parentScore = 0;
      let newScore = 0;
      let parentOnly = 0;
      let childOnly = 0;
      // the paired log-loss sums (an unchanged head adds D = 0 on each of its samples)
      let lossSum = 0;
      let lossSumSq = 0;
      const changed = DOMAINS.map((_, i) => !sameHead(parent.heads[i]!, child.heads[i]!));
      // the helper scores the changed heads of the child while this thread scores the parent's
      const tickets = DOMAINS.map((_, i) =>
        changed[i]
          ? (opts.helper?.submit({
              seed,
              count,
              levels,
              domain: i,
              samples: null,
              head: child.heads[i]!,
              rows: batch.domains[i]!.n,
              losses: true,
            }) ?? null)
          : null,
      );
      const differ: DomainDisagreements[] = [];
      const byDomain = DOMAINS.map((_, i) => {
        const set = batch.domains[i]!;
        const ph = parent.heads[i]!;
        const d: DomainDisagreements = { rows: [], childRight: [] };
        differ.push(d);
        if (!changed[i]) {
          const c = k.scoreHead(ph, set);
          parentScore += c;
          newScore += c;
          return { parent: c, child: c };
        }
        const pp = new Uint8Array(set.n);
        const pl = new Int32Array(set.n);
        const p = k.scoreHead(ph, set, pp, pl);
        const helped = tickets[i]?.wait() ?? null;
        let cp: Uint8Array;
        let cl: Int32Array;
        let c: number;
        if (helped?.losses) {
          cp = helped.preds;
          cl = helped.losses;
          c = helped.correct;
        } else {
          cp = new Uint8Array(set.n);
          cl = new Int32Array(set.n);
          c = k.scoreHead(child.heads[i]!, set, cp, cl);
        }
        parentScore += p;
        newScore += c;
        for (let r = 0; r < set.n; r++) {
          const diff = pl[r]! - cl[r]!;
          lossSum += diff;
          lossSumSq += diff * diff;
          const label = set.labels[r];
          const pr = pp[r] === label;
          const cr = cp[r] === label;
          if (pr === cr) continue;
          if (pr) parentOnly++;
          else childOnly++;
          d.rows.push(r);
          d.childRight.push(cr ? 1 : 0);
        }
        return { parent: p, child: c };
      });
      return {
        parentScore,
        newScore,
        parentOnly,
        childOnly,
        byDomain,
        ...mergeDisagreements(differ),
        lossGain: { sum: lossSum, sumSq: lossSumSq },
      };
    },
    correctOn(models, seed, count, levels, samples) {
      const batch = batchFor(seed, count, levels);
      for (let k = 0; k < samples.length; k++) {
        if (samples[k]! >= count || (k > 0 && samples[k]! <= samples[k - 1]!)) {
          throw new TrainingError({
            code: 'TRAINING_BAD_OPTIONS',
            reason: 'samples must be ascending sample indices below count',
          });
        }
      }
      const { sets } = sampleSubsets(batch, samples);
      const k = kernel();
      // every other model goes to the helper (all of them score the same rows)
      const tickets = models.map((m, j) =>
        j % 2 === 1
          ? sets.map(({ set }, d) =>
              set.n === 0
                ? null
                : (opts.helper?.submit({
                    seed,
                    count,
                    levels,
                    domain: d,
                    samples,
                    head: m.heads[d]!,
                    rows: set.n,
                    losses: false,
                  }) ?? null),
            )
          : null,
      );
      return models.map((m, j) => {
        const out = new Uint8Array(samples.length);
        sets.forEach(({ set, positions }, d) => {
          if (set.n === 0) return;
          let preds = tickets[j]?.[d]?.wait()?.preds;
          if (!preds) {
            preds = new Uint8Array(set.n);
            k.scoreHead(m.heads[d]!, set, preds);
          }
          for (let r = 0; r < set.n; r++) out[positions[r]!] = preds[r] === set.labels[r] ? 1 : 0;
        });
        return out;
      });
    },
    domains: DOMAINS.length,
    maxLevels: LEVELED_DOMAINS.map(() => MATH_MAX_LEVEL),
    levelCheck(model, seed, count, levels) {
      checkCount(count);
      const k = kernel();
      return LEVELED_DOMAINS.map((d, i) =>
        k.scoreHead(model.heads[DOMAINS.indexOf(d)]!, mathBatch(seed, count, levels[i] ?? 0)),
      );
    },
    scoreByDomain: byDomain,
    heldOut(model, levels) {
      const lm = heldOutLmSet();
      const k = kernel();
      const math = mathBatch(HELD_OUT_MATH_SEED, HELD_OUT_MATH, levels[0] ?? 0);
      return [
        { domain: 'lm', correct: k.scoreHead(model.heads[0]!, lm), total: lm.n },
        { domain: 'math', correct: k.scoreHead(model.heads[1]!, math), total: math.n },
      ];
    },
    kernelName: () => kernel().name,
  };
}

/** The network's evaluator (WASM kernel when available, plain TS otherwise: identical scores). */
export const networkEvaluator: NetworkEvaluator = createNetworkEvaluator();
