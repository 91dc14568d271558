/** Shared setup of the config suites: a temporary home and working directory per suite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirs {
  readonly home: string;
  readonly work: string;
  /** The ParseEnv naming them (home directory, current directory). */
  env(): { homedir: string; cwd: string };
}

/** Registers mocha hooks that make both directories before the suite and remove them after. */
export function tempHomeAndCwd(): TempDirs {
  const dirs = { home: '', work: '' };
  before(() => {
    dirs.home = mkdtempSync(join(tmpdir(), 'qenex-home-'));
    dirs.work = mkdtempSync(join(tmpdir(), 'qenex-cwd-'));
  });
  after(() => {
    rmSync(dirs.home, { recursive: true, force: true });
    rmSync(dirs.work, { recursive: true, force: true });
  });
  return {
    get home() {
      return dirs.home;
    },
    get work() {
      return dirs.work;
    },
    env: () => ({ homedir: dirs.home, cwd: dirs.work }),
  };
}
