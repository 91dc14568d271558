/** Locating the AssemblyScript modules `npm run build:wasm` writes to dist/training/. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of the built module `file` (e.g. 'kernels.wasm'), looked up relative to this source file:
 * dist/training/ from the source tree, or beside it when running compiled from dist/training/.
 */
export function builtWasmPath(file: string): string | undefined {
  for (const rel of [`../dist/training/${file}`, `./${file}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}
