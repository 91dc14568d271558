/**
 * Messages between PowWorker (powWorker.ts, main thread) and its thread (powWorkerMain.ts).
 *
 * workerData: PowWorkerData. The thread builds its grinder and answers `ready` with the engine it
 * uses, or `failed`. Then one job at a time: PowJobMessage in; `progress` messages while it runs,
 * then one final reply (`found`, `aborted`, `exhausted` or `error`). In the final reply `hashes`
 * counts the hashes not yet reported by progress messages and `total` those of the whole job.
 */
import type { PowEngine } from './grinder.js';

/** Which grinder the thread uses: 'auto' is WASM when built and supported, else node:crypto. */
export type PowEngineChoice = 'auto' | PowEngine;

export interface PowWorkerData {
  /** PowControl's buffer: Int32Array slot 0 is the generation counter. */
  readonly control: SharedArrayBuffer;
  readonly engine: PowEngineChoice;
}

export interface PowJobMessage {
  readonly id: number;
  /** Encoded header, 116 bytes. */
  readonly header: ArrayBuffer;
  /** 32 bytes, big-endian. */
  readonly target: ArrayBuffer;
  /** First nonce (u64). */
  readonly nonceStart: bigint;
  /** Nonces to try, at most MAX_JOB_NONCES. */
  readonly count: number;
  /** The job runs while the generation counter equals this. */
  readonly gen: number;
}

export type PowWorkerReply =
  | { readonly type: 'ready'; readonly engine: PowEngine }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly id: number; readonly type: 'progress'; readonly hashes: number }
  | {
      readonly id: number;
      readonly type: 'found';
      readonly nonce: bigint;
      readonly hash: Uint8Array;
      readonly hashes: number;
      readonly total: number;
    }
  | {
      readonly id: number;
      readonly type: 'aborted' | 'exhausted';
      readonly hashes: number;
      readonly total: number;
    }
  | { readonly id: number; readonly type: 'error'; readonly error: string };
