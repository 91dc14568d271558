/** Locating the WebAssembly modules `npm run build:wasm` writes under dist/ for node/'s use. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of the built module at `distPath` under dist/ (e.g. 'consensus/hash.wasm'): from the
 * source tree (node/ → ../dist/), or from the compiled tree this file runs in (dist/node/ → ../);
 * undefined when it has not been built.
 */
export function builtModulePath(distPath: string): string | undefined {
  for (const rel of [`../dist/${distPath}`, `../${distPath}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}
