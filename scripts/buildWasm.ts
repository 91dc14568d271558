/**
 * Compiles the AssemblyScript modules into dist/, beside the compiled code that loads them:
 *  - training/wasm/kernels.as → dist/training/kernels.wasm: the consensus integer scoring kernel;
 *  - training/wasm/train.as → dist/training/train.wasm: the float32 SIMD local training kernel;
 *  - node/miner/wasm/sha256d.as → dist/node/miner/sha256d.wasm: the proof-of-work grinder;
 *  - consensus/primitives/wasm/hash.as → dist/consensus/hash.wasm: SHA-256 and hash160 for
 *    validation (the node installs it; consensus/primitives/hash.ts falls back to noble).
 * Run by `npm run build:wasm`, part of `npm run build` (and so of `npm ci`, `npm start` and
 * `npm test`); a module newer than its source is kept. Tests call `buildWasm()` themselves when a
 * file is missing. assemblyscript is a devDependency: a node without the .wasm files falls back to
 * the plain-TS kernels (identical scores; training results equal up to float rounding; named in
 * its start-up log and in `gettraininginfo`), to the node:crypto grinder (the same nonces, about
 * 12× slower; named in the miner's 'miner started' log line) and to noble's hashing (the same
 * digests, about half the speed; named in the start-up log).
 *
 * asc runs in a child `node` process: under a TypeScript loader its 10 MB binaryen bundle would
 * be re-transformed on every run (10 s instead of 0.6 s).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
export const WASM_OUT_DIR = join(DIST, 'training');
export const WASM_SOURCE = join(ROOT, 'training/wasm/kernels.as');
export const WASM_OUTPUT = join(WASM_OUT_DIR, 'kernels.wasm');
export const TRAIN_WASM_SOURCE = join(ROOT, 'training/wasm/train.as');
export const TRAIN_WASM_OUTPUT = join(WASM_OUT_DIR, 'train.wasm');
export const GRINDER_WASM_SOURCE = join(ROOT, 'node/miner/wasm/sha256d.as');
export const GRINDER_WASM_OUTPUT = join(DIST, 'node/miner/sha256d.wasm');
export const HASH_WASM_SOURCE = join(ROOT, 'consensus/primitives/wasm/hash.as');
export const HASH_WASM_OUTPUT = join(DIST, 'consensus/hash.wasm');
const MODULES: ReadonlyArray<readonly [source: string, output: string]> = [
  [WASM_SOURCE, WASM_OUTPUT],
  [TRAIN_WASM_SOURCE, TRAIN_WASM_OUTPUT],
  [GRINDER_WASM_SOURCE, GRINDER_WASM_OUTPUT],
  [HASH_WASM_SOURCE, HASH_WASM_OUTPUT],
];

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

/** Builds every module into `distDir` (default dist/), where stale; returns their paths. */
export function buildWasm(distDir: string = DIST): string[] {
  return MODULES.map(([source, output]) => compileIfStale(source, join(distDir, relative(DIST, output))));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const out = buildWasm();
  console.log(`built ${out.join(', ')} in ${Math.round(performance.now() - t0)} ms`);
}
