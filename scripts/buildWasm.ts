/**
 * Compiles the AssemblyScript kernels (training/wasm/kernels.as) into dist/training/kernels.wasm.
 * Run by `npm run build:wasm` (and so by pretest); tests call `buildWasm()` themselves when the
 * file is missing. assemblyscript is a devDependency: production nodes without the .wasm use the
 * plain-TS kernel, which gives identical scores.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_SOURCE = join(ROOT, 'training/wasm/kernels.as');
export const WASM_OUTPUT = join(ROOT, 'dist/training/kernels.wasm');

export async function buildWasm(outFile: string = WASM_OUTPUT): Promise<string> {
  const { default: asc } = (await import('assemblyscript/asc')) as unknown as {
    default: {
      main(
        argv: string[],
        api: {
          readFile(name: string, baseDir: string): string | null;
          writeFile(name: string, contents: Uint8Array | string, baseDir: string): void;
          listFiles(dir: string, baseDir: string): string[] | null;
        },
      ): Promise<{ error: Error | null; stderr: { toString(): string } }>;
    };
  };
  const source = readFileSync(WASM_SOURCE, 'utf8');
  let wasm: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    ['kernels.ts', '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--outFile', 'kernels.wasm'],
    {
      readFile: (name) => (name === 'kernels.ts' ? source : null),
      writeFile: (name, contents) => {
        if (name === 'kernels.wasm' && typeof contents !== 'string') wasm = contents;
      },
      listFiles: () => [],
    },
  );
  if (error !== null || wasm === undefined) {
    throw new Error(`asc failed: ${error?.message ?? 'no output'}\n${stderr.toString()}`);
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, wasm);
  return outFile;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const out = await buildWasm();
  console.log(`built ${out} in ${Math.round(performance.now() - t0)} ms`);
}
