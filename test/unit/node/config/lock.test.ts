import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, ConfigError, isProcessAlive } from '../../../../node/config/index.js';

/** Runs a short-lived process to completion and returns its (now dead) pid. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

describe('node/config lock', () => {
  let root: string;
  const children: ChildProcess[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'qenex-lock-'));
  });
  after(() => {
    for (const c of children) c.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the datadir with mode 0700 and writes our pid', () => {
    const dir = join(root, 'a', 'b');
    const lock = acquireLock(dir);
    try {
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(readFileSync(join(dir, '.lock'), 'utf8').trim(), String(process.pid));
      assert.equal(lock.path, join(dir, '.lock'));
    } finally {
      lock.release();
    }
  });

  it('refuses a second acquire, naming the pid and the datadir; release removes the lock', () => {
    const dir = join(root, 'twice');
    const lock = acquireLock(dir);
    assert.throws(
      () => acquireLock(dir),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'DATADIR_LOCKED' &&
        e.message.startsWith(
          `another qenex node (pid ${process.pid}) is using ${dir}; stop it or use --datadir`,
        ),
    );
    lock.release();
    assert.equal(existsSync(join(dir, '.lock')), false);
    lock.release(); // idempotent
    acquireLock(dir).release();
  });

  it('refuses a lock held by another live process', async () => {
    const dir = join(root, 'other');
    const lock = acquireLock(dir);
    lock.release();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    children.push(holder);
    await new Promise((resolve) => holder.once('spawn', resolve));
    assert.ok(holder.pid !== undefined && isProcessAlive(holder.pid));
    writeFileSync(join(dir, '.lock'), `${holder.pid}\n`);
    assert.throws(() => acquireLock(dir), new RegExp(`another qenex node \\(pid ${holder.pid}\\) is using`));
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8').trim(), String(holder.pid), 'left untouched');
    holder.kill();
    await new Promise((resolve) => holder.once('exit', resolve));
  });

  it('takes over a stale lock whose process is gone', async () => {
    const dir = join(root, 'stale');
    acquireLock(dir).release();
    const pid = await deadPid();
    assert.equal(isProcessAlive(pid), false);
    writeFileSync(join(dir, '.lock'), `${pid}\n`);
    const lock = acquireLock(dir);
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(existsSync(join(dir, '.lock')), false);
  });

  it('takes over a lock file that never got a pid', () => {
    const dir = join(root, 'empty');
    acquireLock(dir).release();
    writeFileSync(join(dir, '.lock'), '');
    const lock = acquireLock(dir);
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8').trim(), String(process.pid));
    lock.release();
  });

  it('release leaves a lock that is no longer ours alone', () => {
    const dir = join(root, 'notours');
    const lock = acquireLock(dir);
    writeFileSync(join(dir, '.lock'), '1\n');
    lock.release();
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), '1\n');
  });

  it('reports a datadir path that is a file', () => {
    const file = join(root, 'plainfile');
    writeFileSync(file, 'x');
    assert.throws(
      () => acquireLock(file),
      (e: unknown) => e instanceof ConfigError && e.code === 'DATADIR_NOT_DIRECTORY',
    );
  });
});
