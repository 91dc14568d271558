/**
 * `npm run bench -- verify`: only the block-verification part of the training bench (one
 * contribution and maxContributors, genesis and largest size, JS, WASM, and WASM with the
 * scoring helper thread).
 */

import { loadWasmKernel, wasmKernelPath } from '../../training/index.js';
import { buildWasm } from '../buildWasm.js';
import { verificationRows } from './training.js';

export async function run(): Promise<void> {
  if (wasmKernelPath() === undefined) buildWasm();
  const wasm = loadWasmKernel();
  if (!wasm) throw new Error('WASM kernel unavailable');
  await verificationRows(wasm);
}
