/** Messages between Trainer (main thread) and the training worker. */
import type { TrainKernelChoice, TrainKernelName } from '../float/index.js';
import type { TrainerOptions } from '../options.js';

export type ToWorker =
  | { readonly type: 'init'; readonly opts: TrainerOptions; readonly trainKernel: TrainKernelChoice }
  | {
      readonly type: 'base';
      readonly model: Uint8Array;
      readonly levels: readonly number[];
      /** Encoded delta of this trainer's that the model took in; null: none (LocalTrainer.setBase). */
      readonly delivered?: Uint8Array | null;
    }
  | { readonly type: 'snapshot'; readonly id: number }
  | { readonly type: 'cpuShare'; readonly cpuShare: number }
  | {
      readonly type: 'score';
      readonly id: number;
      readonly model: Uint8Array;
      readonly seed: Uint8Array;
      readonly count: number;
      readonly levels: readonly number[];
      readonly kernel: 'js' | 'wasm' | 'default';
    }
  | { readonly type: 'stop' };

export type FromWorker =
  /** Data loaded, kernel chosen: training starts. */
  | { readonly type: 'ready'; readonly kernel: TrainKernelName }
  | {
      readonly type: 'snapshot';
      readonly id: number;
      readonly kernel: TrainKernelName;
      readonly baseModelHash: Uint8Array | null;
      readonly samples: number;
      /** Samples trained since the worker started (across bases). */
      readonly totalSamples: number;
      readonly delta: Uint8Array | null;
      readonly busyMs: number;
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'score';
      readonly id: number;
      readonly kernel: 'js' | 'wasm';
      readonly byDomain: readonly number[];
    }
  | { readonly type: 'error'; readonly id?: number; readonly message: string }
  | { readonly type: 'stopped' };
