/**
 * Installs consensus's WebAssembly hashing kernel (consensus/primitives/wasmHash.ts) from the
 * built module, dist/consensus/hash.wasm, for the whole process: every block, transaction and
 * signature hash after this is computed by it. Without the module (not built) or without
 * WebAssembly, hashing stays on noble's JavaScript, with the same digests.
 */
import { readFileSync } from 'node:fs';
import { createWasmHashKernel, hashKernelName, useHashKernel } from '../consensus/index.js';
import { builtModulePath } from './builtWasm.js';

/** The built module, dist/consensus/hash.wasm; undefined when not built. */
export function hashWasmPath(): string | undefined {
  return builtModulePath('consensus/hash.wasm');
}

/** Installs the WebAssembly kernel when it is built and runs here; returns the kernel in use ('wasm' or 'js'). */
export function installWasmHashing(path: string | undefined = hashWasmPath()): string {
  if (hashKernelName() === 'wasm' || path === undefined) return hashKernelName();
  try {
    useHashKernel(createWasmHashKernel(new WebAssembly.Module(readFileSync(path))));
  } catch {
    // a module that does not load or is not this kernel: noble's hashing stays
  }
  return hashKernelName();
}
