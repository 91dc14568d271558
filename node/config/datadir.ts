/** Data directory: default location per network, `~` expansion, creation with mode 0700. */
import { mkdirSync, statSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { NetworkName } from '../../consensus/index.js';
import { ConfigError } from './errors.js';

/** File names inside a data directory. */
export const CONFIG_FILE_NAME = 'qenex.yaml';
export const LOCK_FILE_NAME = '.lock';
export const COOKIE_FILE_NAME = '.cookie';

/** `~/.qenex/<network>`. */
export function defaultDatadir(network: NetworkName, homedir: string = osHomedir()): string {
  return join(homedir, '.qenex', network);
}

/** Expands a leading `~` and makes `p` absolute against `base` (default the working directory). */
export function resolveUserPath(p: string, opts: { homedir?: string; base?: string } = {}): string {
  if (p === '~' || p.startsWith('~/')) p = join(opts.homedir ?? osHomedir(), p.slice(1));
  return isAbsolute(p) ? resolve(p) : resolve(opts.base ?? process.cwd(), p);
}

export function configFilePath(datadir: string): string {
  return join(datadir, CONFIG_FILE_NAME);
}

export function lockFilePath(datadir: string): string {
  return join(datadir, LOCK_FILE_NAME);
}

export function cookieFilePath(datadir: string): string {
  return join(datadir, COOKIE_FILE_NAME);
}

/**
 * Creates `dir` (and missing parents) with mode 0700 if it does not exist; an existing
 * directory is left as it is. Throws DATADIR_NOT_DIRECTORY / DATADIR_CREATE_FAILED.
 */
export function ensureDatadir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') {
      throw new ConfigError({ code: 'DATADIR_NOT_DIRECTORY', dir });
    }
    throw new ConfigError({ code: 'DATADIR_CREATE_FAILED', dir, reason: errMessage(e) });
  }
  if (!statSync(dir).isDirectory()) throw new ConfigError({ code: 'DATADIR_NOT_DIRECTORY', dir });
}

export function errnoCode(e: unknown): string | undefined {
  return e !== null && typeof e === 'object' && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
