/**
 * The page's files, read into memory when the dashboard starts: the static page from this
 * folder's static/, and uPlot (the chart) from its npm package, served by the node itself so the
 * dashboard works offline and loads nothing from elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DashboardError } from './errors.js';

export interface Asset {
  readonly body: Uint8Array;
  readonly contentType: string;
}

const STATIC: ReadonlyArray<[name: string, file: string, type: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/style.css', 'style.css', 'text/css; charset=utf-8'],
];

const VENDOR: ReadonlyArray<[name: string, specifier: string, type: string]> = [
  ['/vendor/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  ['/vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
];

async function read(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new DashboardError({
      code: 'DASHBOARD_ASSET_MISSING',
      path,
      cause: e instanceof Error ? e.message : String(e),
    });
  }
}

function resolvePackageFile(specifier: string): string {
  try {
    return createRequire(import.meta.url).resolve(specifier);
  } catch (e) {
    throw new DashboardError({
      code: 'DASHBOARD_ASSET_MISSING',
      path: specifier,
      cause: e instanceof Error ? e.message : String(e),
    });
  }
}

/** Every file of the page, by path under the dashboard prefix ('/' is the page). */
export async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const out = new Map<string, Asset>();
  for (const [name, file, contentType] of STATIC) {
    out.set(name, {
      body: await read(fileURLToPath(new URL(`./static/${file}`, import.meta.url))),
      contentType,
    });
  }
  for (const [name, specifier, contentType] of VENDOR) {
    out.set(name, { body: await read(resolvePackageFile(specifier)), contentType });
  }
  return out;
}
