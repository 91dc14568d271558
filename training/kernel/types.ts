import type { SparseSet } from '../data/sparse.js';
import type { QuantHead } from '../model.js';

/** A consensus scoring kernel. Every kernel returns identical counts and predictions. */
export interface ScoreKernel {
  readonly name: 'js' | 'wasm';
  /**
   * Correct argmax predictions of `head` on `set`; writes predictions into `preds` and each row's
   * log-loss (loss.ts) into `losses` if given.
   */
  scoreHead(head: QuantHead, set: SparseSet, preds?: Uint8Array, losses?: Int32Array): number;
}
