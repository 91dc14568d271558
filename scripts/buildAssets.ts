/**
 * The part of `npm run build` that tsc does not do: copies every `static/` folder of the source
 * tree (files served as they are, such as the dashboard page) beside the compiled JavaScript in
 * dist/, and compiles the WebAssembly kernels (buildWasm.ts). Runs after `tsc -p tsconfig.build.json`,
 * which leaves `static/` folders out.
 */
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasm } from './buildWasm.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FOLDERS = ['consensus', 'node', 'p2p', 'training', 'wallet'];

/** Every folder named `static` under `dir`. */
function staticFolders(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const path = join(dir, e.name);
    if (e.name === 'static') out.push(path);
    else out.push(...staticFolders(path));
  }
  return out;
}

/** Copies the static folders into `outDir` (replacing earlier copies); returns the copies. */
export function copyStatic(outDir: string = join(ROOT, 'dist')): string[] {
  const copies: string[] = [];
  for (const folder of SOURCE_FOLDERS.flatMap((f) => staticFolders(join(ROOT, f)))) {
    const to = join(outDir, relative(ROOT, folder));
    // a file removed from the sources must not stay served from dist/
    rmSync(to, { recursive: true, force: true });
    cpSync(folder, to, { recursive: true });
    copies.push(to);
  }
  return copies;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const out = [...copyStatic(), ...buildWasm()];
  console.log(
    `built ${out.map((p) => relative(ROOT, p)).join(', ')} in ${Math.round(performance.now() - t0)} ms`,
  );
}
