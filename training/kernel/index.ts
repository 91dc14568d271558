export { headLogitsJs, scoreHeadJs } from './js.js';
export type { ScoreKernel } from './types.js';
export { jsKernel, loadWasmKernel, WasmKernel, wasmKernelPath } from './wasm.js';

import type { ScoreKernel } from './types.js';
import { jsKernel, loadWasmKernel } from './wasm.js';

let preferred: ScoreKernel | undefined;

/** The fastest kernel available here (WASM SIMD if built and supported, else plain TS); memoised. */
export function defaultKernel(): ScoreKernel {
  preferred ??= loadWasmKernel() ?? jsKernel;
  return preferred;
}
