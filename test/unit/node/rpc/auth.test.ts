import { strict as assert } from 'node:assert';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BasicAuthenticator,
  basicAuthHeader,
  generateCookie,
  parseBasicAuth,
  readCookieFile,
  removeCookieFile,
  writeCookieFile,
} from '../../../../node/rpc/index.js';
import { removeDir, tempDir } from './helpers.js';

describe('rpc auth', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await removeDir(dir);
  });

  it('generates __cookie__ with 64 random hex digits', () => {
    const a = generateCookie();
    const b = generateCookie();
    assert.equal(a.user, '__cookie__');
    assert.match(a.password, /^[0-9a-f]{64}$/);
    assert.notEqual(a.password, b.password);
  });

  it('writes the cookie with mode 0600 atomically, even over a stale temp file, and removes it', async () => {
    const path = join(dir, 'sub', '.cookie');
    await writeCookieFile(join(dir, 'sub', 'warm'), generateCookie()); // creates sub/
    await writeFile(`${path}.tmp`, 'stale', { mode: 0o644 });
    const creds = generateCookie();
    await writeCookieFile(path, creds);
    assert.equal(await readFile(path, 'utf8'), `__cookie__:${creds.password}`);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await assert.rejects(stat(`${path}.tmp`), /ENOENT/);
    assert.deepEqual(await readCookieFile(path), creds);
    await removeCookieFile(path);
    await assert.rejects(stat(path), /ENOENT/);
    await removeCookieFile(path); // already gone: fine
  });

  it('parses Basic headers; password may contain colons', () => {
    assert.deepEqual(parseBasicAuth(basicAuthHeader({ user: 'u', password: 'p:q:r' })), {
      user: 'u',
      password: 'p:q:r',
    });
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.equal(parseBasicAuth('Bearer abc'), undefined);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
    assert.equal(parseBasicAuth('Basic !!!'), undefined);
  });

  it('accepts exactly the configured credentials', () => {
    const auth = new BasicAuthenticator({ user: 'u', password: 'secret' });
    assert.equal(auth.check(basicAuthHeader({ user: 'u', password: 'secret' })), 'u');
    assert.equal(auth.check(basicAuthHeader({ user: 'u', password: 'secreT' })), undefined);
    assert.equal(auth.check(basicAuthHeader({ user: 'u', password: 'secret ' })), undefined);
    assert.equal(auth.check(basicAuthHeader({ user: 'v', password: 'secret' })), undefined);
    assert.equal(auth.check(basicAuthHeader({ user: 'u:secret', password: '' })), undefined);
    assert.equal(auth.check(undefined), undefined);
    // other spellings of the same credentials take the full parse
    const b64 = Buffer.from('u:secret').toString('base64');
    assert.equal(auth.check(`basic ${b64}`), 'u');
    assert.equal(auth.check(`Basic   ${b64} `), 'u');
    assert.equal(auth.check(`Basic ${Buffer.from('u:secreT').toString('base64')}`), undefined);
  });
});
