/** Shared fixtures for the training tests (cached per mocha process). */
import { sha256 } from '@noble/hashes/sha2.js';
import { buildWasm } from '../../../scripts/buildWasm.js';
import { loadWasmKernel, type ScoreKernel, wasmKernelPath } from '../../../training/kernel/index.js';
import { LocalTrainer } from '../../../training/local.js';
import { initialNetworkModel, type NetworkModel } from '../../../training/model.js';

let wasm: ScoreKernel | undefined;

/** The WASM kernel, built first when dist/ lacks it (a fresh clone without `npm run build:wasm`). */
export function wasmKernel(): ScoreKernel {
  if (wasm) return wasm;
  if (wasmKernelPath() === undefined) buildWasm();
  wasm = loadWasmKernel();
  if (!wasm) throw new Error('WASM kernel could not be loaded');
  return wasm;
}

export function testSeed(i: number, tag = 0): Uint8Array {
  return sha256(new Uint8Array([i & 0xff, (i >> 8) & 0xff, tag]));
}

let base: NetworkModel | undefined;

/** The initial model after 3,000 samples of local training on shard 0 of 6: a mid-way chain model. */
export function partlyTrainedModel(): NetworkModel {
  if (base) return base;
  const t = new LocalTrainer({ shard: { index: 0, count: 6 }, seed: 'test/base' });
  t.setBase(initialNetworkModel());
  t.train(3000);
  base = t.currentModel();
  return base;
}
