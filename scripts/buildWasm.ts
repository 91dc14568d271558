/**
 * Compiles the AssemblyScript modules into dist/training/:
 *  - training/wasm/kernels.as → kernels.wasm: the consensus integer scoring kernel;
 *  - training/wasm/train.as → train.wasm: the float32 SIMD local training kernel.
 * Run by `npm run build:wasm`, part of `npm run build` (and so of `npm ci`, `npm start` and
 * `npm test`); a module newer than its source is kept. Tests call `buildWasm()` themselves when a
 * file is missing. assemblyscript is a devDependency: a node without the .wasm files uses the
 * plain-TS kernels (identical scores; training results equal up to float rounding), and says so
 * in its start-up log and in `gettraininginfo`.
 *
 * asc runs in a child `node` process: under a TypeScript loader its 10 MB binaryen bundle would
 * be re-transformed on every run (10 s instead of 0.6 s).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_OUT_DIR = join(ROOT, 'dist/training');
export const WASM_SOURCE = join(ROOT, 'training/wasm/kernels.as');
export const WASM_OUTPUT = join(WASM_OUT_DIR, 'kernels.wasm');
export const TRAIN_WASM_SOURCE = join(ROOT, 'training/wasm/train.as');
export const TRAIN_WASM_OUTPUT = join(WASM_OUT_DIR, 'train.wasm');

/** Compiles one AssemblyScript source (SIMD enabled, stub runtime) into `outFile`. */
export function compileAssemblyScript(source: string, outFile: string): string {
  const asc = join(
    dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
    'bin/asc.js',
  );
  const dir = mkdtempSync(join(tmpdir(), 'qenex-asc-'));
  try {
    const src = join(dir, `${basename(source).replace(/\.as$/, '')}.ts`);
    copyFileSync(source, src);
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

/** Compiles `source` into `outFile` unless `outFile` is newer than it (`npm start` builds every time). */
function compileIfStale(source: string, outFile: string): string {
  if (existsSync(outFile) && statSync(outFile).mtimeMs >= statSync(source).mtimeMs) return outFile;
  return compileAssemblyScript(source, outFile);
}

/** Builds both modules into `outDir` (default dist/training), where stale; returns their paths. */
export function buildWasm(outDir: string = WASM_OUT_DIR): string[] {
  return [
    compileIfStale(WASM_SOURCE, join(outDir, basename(WASM_OUTPUT))),
    compileIfStale(TRAIN_WASM_SOURCE, join(outDir, basename(TRAIN_WASM_OUTPUT))),
  ];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const out = buildWasm();
  console.log(`built ${out.join(', ')} in ${Math.round(performance.now() - t0)} ms`);
}
