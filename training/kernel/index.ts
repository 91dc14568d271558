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

/** The kernel a worker is asked for by name: 'default' is defaultKernel(); undefined: no WASM kernel here. */
export function kernelByName(name: 'js' | 'wasm' | 'default'): ScoreKernel | undefined {
  return name === 'js' ? jsKernel : name === 'wasm' ? loadWasmKernel() : defaultKernel();
}
