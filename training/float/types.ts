/** Local float training kernels: one interface, a plain-TS and a WASM SIMD implementation. */
import type { SparseSet } from '../data/sparse.js';

export interface FloatLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly shift: number;
  readonly w: Float32Array;
  readonly b: Float32Array;
}

export interface FloatHead {
  readonly layers: readonly FloatLayer[];
}

export interface AdamOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** Trains one head: softmax cross-entropy, minibatch Adam, weights kept in the int8 range. */
export interface FloatHeadTrainer {
  readonly kernel: TrainKernelName;
  /**
   * One Adam step on rows `rows` of `set`; `masks[i]` optionally drops features of row i
   * (keep[k] = 0 drops the row's k-th feature). Returns the mean loss.
   */
  step(set: SparseSet, rows: ArrayLike<number>, masks?: readonly (Uint8Array | undefined)[]): number;
  /** Float argmax prediction for row `r` of `set`. */
  predict(set: SparseSet, r: number): number;
  /** A copy of the current weights. */
  readHead(): FloatHead;
  /** Overwrites the weights with `head`'s (same shape); the optimizer state is kept. */
  loadHead(head: FloatHead): void;
}

export type TrainKernelName = 'js' | 'wasm';
export type TrainKernelChoice = TrainKernelName | 'default';

export interface TrainKernel {
  readonly name: TrainKernelName;
  /** A trainer starting from a copy of `head`'s weights with fresh optimizer state. */
  createHeadTrainer(head: FloatHead, opt?: AdamOptions): FloatHeadTrainer;
}
