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
}

export interface Evaluator<M> {
  /** Applies an encoded delta to `parent`. Throws VerdictError('bad-model-update') if malformed. */
  applyDelta(parent: M, delta: Uint8Array): M;
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
