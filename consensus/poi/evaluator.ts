/**
 * What consensus needs from a model: a deterministic evaluator. training/ implements it for the
 * real network model; tests use a small one. Every method must be a pure function of its inputs,
 * integer-exact (or bit-exact in a fixed order) on every machine: scores are counts of correct
 * answers, never floats compared with a tolerance.
 *
 * Levels: some domains are generated (tasks drawn from a seed, e.g. arithmetic) and have a
 * difficulty level that is chain state (poi/levels.ts). `levels[i]` is the level of the i-th
 * leveled domain; every scoring call takes the levels in force so that a block's parent and child
 * models are always scored at the same level.
 */
import type { Hash } from '../primitives/hash.js';

/** Parent and child scored on the same samples, with the per-sample disagreement counts. */
export interface Comparison {
  readonly parentScore: number;
  readonly newScore: number;
  /** Samples the parent answers correctly and the child does not. */
  readonly parentOnly: number;
  /** Samples the child answers correctly and the parent does not. */
  readonly childOnly: number;
  /** Correct answers of parent and child per domain (their sums are parentScore and newScore). */
  readonly byDomain: readonly { readonly parent: number; readonly child: number }[];
  /**
   * The samples exactly one of them answers correctly: their indices in the seed's sample order
   * (ascending, < count; parentOnly + childOnly of them), and for each whether the child is the
   * one that is right (1) or the parent (0).
   */
  readonly disagreements: Uint32Array;
  readonly childRight: Uint8Array;
  /**
   * The paired log-loss test's sums over all `count` samples: Σ D and Σ D², with D a sample's
   * loss under the parent minus its loss under the child (an integer: the evaluator's
   * fixed-point log-loss, identical on every machine). Positive: the child predicts better.
   * |Σ D²| must stay below 2^53 (exact in a double).
   */
  readonly lossGain: { readonly sum: number; readonly sumSq: number };
}

/** A block's contributions combined by an aggregation rule (poi/credit.ts). */
export interface Combination<M> {
  /** The parent with the combined update applied: what the block's header must commit to. */
  readonly model: M;
  /** The parent with the update combined from every contribution except the i-th. */
  without(i: number): M;
}

export interface Evaluator<M> {
  /** Names of the aggregation rules `combine` knows, by id (ModelUpdate.rule). */
  readonly rules: readonly string[];
  /**
   * Decodes every contribution's delta and combines them with rule `rule`, in integers, on top of
   * `parent`. Throws VerdictError: 'bad-model-rule' (unknown rule), 'bad-model-contribution' (a
   * delta that is malformed, zero, over its size or entry bounds, or for another model shape),
   * 'bad-model-duplicate' (two deltas near-identical: a copy plus noise must not be paid twice).
   */
  combine(parent: M, deltas: readonly Uint8Array[], rule: number): Combination<M>;
  /**
   * For each model, and each index in `samples` (ascending, < count, in the sample order of
   * `compare`): 1 if the model answers that sample of the seed's batch correctly, else 0. All the
   * models at once, so that an implementation may score them in parallel.
   */
  correctOn(
    models: readonly M[],
    seed: Hash,
    count: number,
    levels: readonly number[],
    samples: Uint32Array,
  ): Uint8Array[];
  /** Hash committed in block headers (canonical encoding of the model's consensus state). */
  modelHash(model: M): Hash;
  /**
   * Number of correct answers of `model` on `count` evaluation samples drawn deterministically
   * from `seed` at `levels`. The seed comes from the block's own hash, which the miner learns only
   * after finding the proof of work.
   */
  score(model: M, seed: Hash, count: number, levels: readonly number[]): number;
  /**
   * `parent` and `child` on the same `count` samples of `seed` at `levels`: both scores and the
   * samples on which exactly one of them is right (childOnly − parentOnly = newScore − parentScore).
   */
  compare(parent: M, child: M, seed: Hash, count: number, levels: readonly number[]): Comparison;
  /** Number of domains the score is made of (Comparison.byDomain has one entry per domain). */
  readonly domains: number;
  /** Highest level of each leveled domain (its length is the number of leveled domains). */
  readonly maxLevels: readonly number[];
  /**
   * Correct answers of `model` on `count` tasks of each leveled domain at `levels`, drawn from
   * `seed` (the level check of poi/levels.ts).
   */
  levelCheck(model: M, seed: Hash, count: number, levels: readonly number[]): readonly number[];
  /**
   * The model with domain `domain`'s part one capacity step wider, computing exactly the same
   * function (new units with zero outgoing weights), or null when that part is at its maximum size
   * or `domain` does not exist (poi/growth.ts).
   */
  grow(model: M, domain: number): M | null;
  /** Canonical bytes of the model (stored as checkpoints; modelHash is a hash of these). */
  encodeModel(model: M): Uint8Array;
  /** Inverse of encodeModel; throws DecodeError on bad bytes. */
  decodeModel(bytes: Uint8Array): M;
  /** The network's initial model (whose hash genesis commits to). */
  initialModel(): M;
}
