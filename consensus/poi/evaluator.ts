/**
 * What consensus needs from a model: a deterministic evaluator. training/ implements it for the
 * real network model; tests use a small one. Every method must be a pure function of its inputs,
 * integer-exact (or bit-exact in a fixed order) on every machine: scores are counts of correct
 * answers, never floats compared with a tolerance.
 */
import type { Hash } from '../primitives/hash.js';

export interface Evaluator<M> {
  /** Applies an encoded delta to `parent`. Throws VerdictError('bad-model-update') if malformed. */
  applyDelta(parent: M, delta: Uint8Array): M;
  /** Hash committed in block headers (canonical encoding of the model's consensus state). */
  modelHash(model: M): Hash;
  /**
   * Number of correct answers of `model` on `count` evaluation samples drawn deterministically
   * from `seed`. The seed comes from the block's own hash, which the miner learns only after
   * finding the proof of work.
   */
  score(model: M, seed: Hash, count: number): number;
  /** Canonical bytes of the model (stored as checkpoints; modelHash is a hash of these). */
  encodeModel(model: M): Uint8Array;
  /** Inverse of encodeModel; throws DecodeError on bad bytes. */
  decodeModel(bytes: Uint8Array): M;
  /** The network's initial model (whose hash genesis commits to). */
  initialModel(): M;
}
