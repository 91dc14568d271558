/**
 * Data directory lock: `<datadir>/.lock`, created exclusively and holding the owner's pid, so
 * two nodes never open the same chain database. A lock whose pid is no longer alive is stale
 * and taken over.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { ensureDatadir, errMessage, errnoCode, lockFilePath } from './datadir.js';
import { ConfigError } from './errors.js';

export interface DatadirLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Releases the lock (removes the file if it is still ours). Idempotent. */
  release(): void;
}

/** Is a process with this pid alive? (EPERM: it exists but belongs to another user.) */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) !== 'ESRCH';
  }
}

/**
 * Creates `dir` (mode 0700) if needed and takes its lock. Throws ConfigError DATADIR_LOCKED
 * (naming the holder's pid) when a live process holds it, DATADIR_LOCK_FAILED on I/O errors.
 */
export function acquireLock(dir: string): DatadirLock {
  ensureDatadir(dir);
  const path = lockFilePath(dir);
  const pid = process.pid;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, pid, dir)) return makeHandle(path, pid);
    const holder = readHolder(path, dir);
    if (holder === 'gone') continue;
    if (holder !== 'unknown' && isProcessAlive(holder)) {
      throw new ConfigError({ code: 'DATADIR_LOCKED', dir, pid: holder });
    }
    takeOverStale(path, dir, holder);
  }
  throw new ConfigError({
    code: 'DATADIR_LOCK_FAILED',
    dir,
    reason: `could not acquire ${path} after 5 attempts`,
  });
}

function tryCreate(path: string, pid: number, dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw new ConfigError({ code: 'DATADIR_LOCK_FAILED', dir, reason: errMessage(e) });
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * The pid in the lock file; 'gone' if the file disappeared meanwhile; 'unknown' if it stays
 * unreadable as a pid (its writer died between creating and writing it).
 */
function readHolder(path: string, dir: string): number | 'gone' | 'unknown' {
  for (let i = 0; i < 10; i++) {
    const text = readLockText(path, dir);
    if (text === undefined) return 'gone';
    const pid = parsePid(text);
    if (pid !== undefined) return pid;
    // Created but not yet written by its owner: give the owner a moment.
    sleepSync(20);
  }
  return 'unknown';
}

function readLockText(path: string, dir: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new ConfigError({ code: 'DATADIR_LOCK_FAILED', dir, reason: errMessage(e) });
  }
}

function parsePid(text: string): number | undefined {
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Moves the stale lock aside (atomic), then checks that what was moved is still the stale
 * one: if another process replaced it in between, its fresh lock is put back and that
 * process reported as the holder.
 */
function takeOverStale(path: string, dir: string, stale: number | 'unknown'): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new ConfigError({ code: 'DATADIR_LOCK_FAILED', dir, reason: errMessage(e) });
  }
  const moved = readLockText(aside, dir);
  const movedPid = moved === undefined ? undefined : parsePid(moved);
  if (movedPid !== undefined && movedPid !== stale && isProcessAlive(movedPid)) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone else already holds a new lock; the retry loop will report it.
    }
    removeQuietly(aside);
    throw new ConfigError({ code: 'DATADIR_LOCKED', dir, pid: movedPid });
  }
  removeQuietly(aside);
}

function makeHandle(path: string, pid: number): DatadirLock {
  let released = false;
  return {
    path,
    release(): void {
      if (released) return;
      released = true;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return;
      }
      if (parsePid(text) === pid) removeQuietly(path);
    },
  };
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
