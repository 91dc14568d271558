/** Messages between ScoreHelper (main thread) and its scoring worker. */
import type { QuantHead } from '../model.js';

/**
 * Score `head` on domain `domain` of the batch of (seed, count, levels), restricted to the listed
 * sample indices when `samples` is given. The worker writes into `result`: Int32 [0] the state
 * (STATE_*), Int32 [1] the correct count, then from byte 8 one predicted class per scored row,
 * and with `losses`, from lossesOffset(rows) one Int32 log-loss per scored row (kernel/loss.ts).
 */
export interface ScoreRequest {
  readonly type: 'score';
  readonly seed: Uint8Array;
  readonly count: number;
  readonly levels: readonly number[];
  readonly domain: number;
  readonly samples: Uint32Array | null;
  readonly head: QuantHead;
  readonly losses: boolean;
  readonly result: SharedArrayBuffer;
}

export type ToHelper =
  | {
      readonly type: 'init';
      readonly kernel: 'js' | 'wasm' | 'default';
      /** Nice levels the worker lowers its own thread's priority by (priority.ts). */
      readonly nice: number;
    }
  | ScoreRequest
  | { readonly type: 'stop' };

export type FromHelper =
  /** `nice`: the worker thread's nice value (null: not lowered). */
  | { readonly type: 'ready'; readonly kernel: 'js' | 'wasm'; readonly nice: number | null }
  | { readonly type: 'error'; readonly message: string };

/**
 * A job's state word (Int32 [0] of its result buffer). Posted PENDING; the worker moves it to
 * CLAIMED (compare-and-exchange) before scoring, then to DONE or FAILED. The main thread, once it
 * has scored its own share, takes back a job still PENDING by moving it to STOLEN; the worker then
 * skips it. So no job is scored twice, and the main thread waits only for jobs already begun.
 */
export const STATE_PENDING = 0;
export const STATE_DONE = 1;
export const STATE_FAILED = 2;
export const STATE_CLAIMED = 3;
export const STATE_STOLEN = 4;
/** Bytes before the predictions in a result buffer (state, correct). */
export const RESULT_HEADER = 8;

/** Byte offset of the losses in a result buffer of `rows` scored rows (after the predictions). */
export function lossesOffset(rows: number): number {
  return (RESULT_HEADER + rows + 3) & ~3;
}
