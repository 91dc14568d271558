import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  cookieFilePath,
  defaultDatadir,
  ensureDatadir,
  resolveUserPath,
} from '../../../../node/config/index.js';

describe('node/config datadir', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'qenex-dd-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('defaults to <home>/.qenex/<network>', () => {
    assert.equal(defaultDatadir('devnet', '/h'), '/h/.qenex/devnet');
    assert.equal(defaultDatadir('main', '/h'), '/h/.qenex/main');
    assert.equal(cookieFilePath('/d'), '/d/.cookie');
  });

  it('expands ~ and resolves relative paths', () => {
    assert.equal(resolveUserPath('~', { homedir: '/h' }), '/h');
    assert.equal(resolveUserPath('~/a/../b', { homedir: '/h' }), '/h/b');
    assert.equal(resolveUserPath('x', { base: '/w' }), '/w/x');
    assert.equal(resolveUserPath('/abs/./y', { base: '/w' }), '/abs/y');
    assert.equal(resolveUserPath('~user', { base: '/w' }), '/w/~user');
  });

  it('creates missing directories with mode 0700 and leaves existing ones alone', () => {
    const dir = join(root, 'new', 'deeper');
    ensureDatadir(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(root, 'new')).mode & 0o777, 0o700);
    chmodSync(root, 0o755);
    ensureDatadir(root);
    assert.equal(statSync(root).mode & 0o777, 0o755, 'existing directory untouched');
  });

  it('rejects a path that is a file', () => {
    const f = join(root, 'f');
    writeFileSync(f, '');
    assert.throws(
      () => ensureDatadir(f),
      (e: unknown) => e instanceof ConfigError && e.code === 'DATADIR_NOT_DIRECTORY',
    );
    assert.throws(
      () => ensureDatadir(join(f, 'sub')),
      (e: unknown) =>
        e instanceof ConfigError && e.code === 'DATADIR_CREATE_FAILED' && /ENOTDIR/.test(e.message),
    );
  });
});
