/**
 * Compiles the AssemblyScript kernels (training/wasm/kernels.as) into dist/training/kernels.wasm.
 * Run by `npm run build:wasm` (and so by pretest); tests call `buildWasm()` themselves when the
 * file is missing. assemblyscript is a devDependency: a node without the .wasm uses the plain-TS
 * kernel, which gives identical scores.
 *
 * asc runs in a child `node` process: under a TypeScript loader its 10 MB binaryen bundle would
 * be re-transformed on every run (10 s instead of 0.6 s).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_SOURCE = join(ROOT, 'training/wasm/kernels.as');
export const WASM_OUTPUT = join(ROOT, 'dist/training/kernels.wasm');

export function buildWasm(outFile: string = WASM_OUTPUT): string {
  const asc = join(
    dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
    'bin/asc.js',
  );
  const dir = mkdtempSync(join(tmpdir(), 'qenex-asc-'));
  try {
    const src = join(dir, 'kernels.ts');
    copyFileSync(WASM_SOURCE, src);
    mkdirSync(dirname(outFile), { recursive: true });
    execFileSync(
      process.execPath,
      [asc, src, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--outFile', outFile],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return outFile;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const out = buildWasm();
  console.log(`built ${out} in ${Math.round(performance.now() - t0)} ms`);
}
