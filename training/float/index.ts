/**
 * Local float training: the plain-TS and WASM SIMD head trainers behind one interface, and the
 * choice between them (the WASM kernel when built and supported, else plain TS).
 */
import { TrainingError } from '../errors.js';
import { jsTrainKernel } from './mlp.js';
import type { TrainKernel, TrainKernelChoice } from './types.js';
import { loadWasmTrainKernel, wasmTrainerPath } from './wasmMlp.js';

export {
  checkHeadShape,
  cloneHead,
  DEFAULT_ADAM,
  dequantizeHead,
  dequantizeModel,
  HeadTrainer,
  jsTrainKernel,
  quantizeHead,
  quantizeModel,
} from './mlp.js';
export type {
  AdamOptions,
  FloatHead,
  FloatHeadTrainer,
  FloatLayer,
  TrainKernel,
  TrainKernelChoice,
  TrainKernelName,
} from './types.js';
export { loadWasmTrainKernel, WasmHeadTrainer, WasmTrainKernel, wasmTrainerPath } from './wasmMlp.js';

let preferred: TrainKernel | undefined;

/** The WASM kernel at `path` when it loads and runs here, else the plain-TS kernel. */
export function chooseTrainKernel(path: string | undefined = wasmTrainerPath()): TrainKernel {
  return loadWasmTrainKernel(path) ?? jsTrainKernel;
}

/** The fastest training kernel available here (WASM SIMD if built and supported, else TS); memoised. */
export function defaultTrainKernel(): TrainKernel {
  preferred ??= chooseTrainKernel();
  return preferred;
}

/** Resolves a kernel choice; 'wasm' throws when the WASM module is unavailable. */
export function trainKernel(choice: TrainKernelChoice = 'default'): TrainKernel {
  if (choice === 'js') return jsTrainKernel;
  if (choice === 'default') return defaultTrainKernel();
  const k = defaultTrainKernel();
  if (k.name !== 'wasm') {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'WASM training kernel unavailable' });
  }
  return k;
}
