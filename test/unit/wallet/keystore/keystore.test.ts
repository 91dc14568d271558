import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { WalletError } from '../../../../wallet/errors.js';
import {
  changeKeystorePassphrase,
  createKeystoreFile,
  KEYSTORE_VERSION,
  type KeystoreMeta,
  openKeystoreFile,
  parseKeystore,
  scryptKey,
} from '../../../../wallet/keystore/index.js';

const random = (n: number) => new Uint8Array(randomBytes(n));
const OPTS = { scryptLogN: 15, random };
const SECRET = {
  mnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow',
  bip39Passphrase: '',
};
const META: KeystoreMeta = { network: 'devnet', account: 0, xpub: 'tpubDUMMY' };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  assert.fail('expected a WalletError');
}

describe('wallet/keystore', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-keystore-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scrypt is RFC 7914 scrypt (test vector; agrees with @noble/hashes)', async () => {
    const enc = new TextEncoder();
    const k = await scryptKey('password', enc.encode('NaCl'), { n: 1024, r: 8, p: 16 }, 64);
    assert.equal(
      bytesToHex(k),
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
    const salt = enc.encode('qenex salt');
    const mine = await scryptKey('pässwörd', salt, { n: 256, r: 8, p: 1 }, 64);
    const noble = nobleScrypt('pässwörd'.normalize('NFKD'), salt, { N: 256, r: 8, p: 1, dkLen: 64 });
    assert.equal(bytesToHex(mine), bytesToHex(noble));
  });

  it('round-trips the secret; file is 0600 JSON with the scrypt and cipher parameters', async () => {
    const path = join(dir, 'a.json');
    await createKeystoreFile(path, SECRET, 'correct horse', META, OPTS);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes('legal'), 'mnemonic must not appear in clear');
    const f = parseKeystore(text);
    assert.equal(f.version, KEYSTORE_VERSION);
    assert.deepEqual([f.kdf.name, f.kdf.n, f.kdf.r, f.kdf.p], ['scrypt', 32768, 8, 1]);
    assert.equal(f.kdf.salt.length, 64);
    assert.equal(f.cipher.name, 'xchacha20-poly1305');
    assert.equal(f.cipher.nonce.length, 48);
    assert.equal(f.xpub, META.xpub);
    const { secret } = await openKeystoreFile(path, 'correct horse');
    assert.deepEqual(secret, SECRET);
  });

  it('two keystores of the same secret differ (fresh salt and nonce)', async () => {
    const p1 = join(dir, 'b1.json');
    const p2 = join(dir, 'b2.json');
    const f1 = await createKeystoreFile(p1, SECRET, 'pw', META, OPTS);
    const f2 = await createKeystoreFile(p2, SECRET, 'pw', META, OPTS);
    assert.notEqual(f1.kdf.salt, f2.kdf.salt);
    assert.notEqual(f1.cipher.nonce, f2.cipher.nonce);
    assert.notEqual(f1.ciphertext, f2.ciphertext);
  });

  it('a wrong passphrase gives WRONG_PASSPHRASE and leaves the file bytes unchanged', async () => {
    const path = join(dir, 'c.json');
    await createKeystoreFile(path, SECRET, 'right', META, OPTS);
    const before = await readFile(path);
    assert.equal(await code(openKeystoreFile(path, 'wrong')), 'WRONG_PASSPHRASE');
    assert.equal(await code(changeKeystorePassphrase(path, 'wrong', 'new', OPTS)), 'WRONG_PASSPHRASE');
    assert.deepEqual(await readFile(path), before);
    assert.deepEqual((await openKeystoreFile(path, 'right')).secret, SECRET);
  });

  it('changes the passphrase by re-encrypting atomically', async () => {
    const path = join(dir, 'd.json');
    const old = await createKeystoreFile(path, SECRET, 'old pass', META, OPTS);
    const next = await changeKeystorePassphrase(path, 'old pass', 'new pass', OPTS);
    assert.notEqual(next.kdf.salt, old.kdf.salt);
    assert.notEqual(next.cipher.nonce, old.cipher.nonce);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await code(openKeystoreFile(path, 'old pass')), 'WRONG_PASSPHRASE');
    assert.deepEqual((await openKeystoreFile(path, 'new pass')).secret, SECRET);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  it('never overwrites an existing keystore on create', async () => {
    const path = join(dir, 'e.json');
    await createKeystoreFile(path, SECRET, 'one', META, OPTS);
    const before = await readFile(path);
    assert.equal(await code(createKeystoreFile(path, SECRET, 'two', META, OPTS)), 'KEYSTORE_EXISTS');
    assert.deepEqual(await readFile(path), before);
  });

  it('a failure between the temp write and the rename leaves the old file intact', async () => {
    const path = join(dir, 'f.json');
    await createKeystoreFile(path, SECRET, 'old', META, OPTS);
    const before = await readFile(path);
    let temp = '';
    const err = await changeKeystorePassphrase(path, 'old', 'new', {
      ...OPTS,
      beforeCommit: async (t) => {
        temp = t;
        // The new file is complete and synced at this point.
        assert.equal((await stat(t)).mode & 0o777, 0o600);
        throw new Error('simulated failure');
      },
    }).catch((e: Error) => e);
    assert.equal((err as Error).message, 'simulated failure');
    assert.ok(temp.startsWith(dir));
    assert.deepEqual(await readFile(path), before);
    assert.deepEqual((await openKeystoreFile(path, 'old')).secret, SECRET);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  it('a process killed between the temp write and the rename leaves the old file valid', async () => {
    const path = join(dir, 'g.json');
    await createKeystoreFile(path, SECRET, 'old', META, OPTS);
    const before = await readFile(path);
    const script = join(dir, 'crash.mts');
    const mod = resolve('wallet/keystore/index.ts');
    await writeFile(
      script,
      `import { randomBytes } from 'node:crypto';
import { changeKeystorePassphrase } from ${JSON.stringify(mod)};
await changeKeystorePassphrase(${JSON.stringify(path)}, 'old', 'new', {
  scryptLogN: 15,
  random: (n) => new Uint8Array(randomBytes(n)),
  beforeCommit: () => { process.kill(process.pid, 'SIGKILL'); },
});
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const leftovers = (await readdir(dir)).filter((n) => n.startsWith('.g.json.') && n.endsWith('.tmp'));
    assert.equal(leftovers.length, 1, 'the crash leaves the complete temp file behind');
    // The target is untouched and still opens with the old passphrase; the orphan temp file holds
    // the complete new version (nothing half-written anywhere).
    assert.deepEqual(await readFile(path), before);
    assert.deepEqual((await openKeystoreFile(path, 'old')).secret, SECRET);
    assert.deepEqual((await openKeystoreFile(join(dir, leftovers[0]!), 'new')).secret, SECRET);
  });

  it('detects alterations: header fields and ciphertext are authenticated', async () => {
    const path = join(dir, 'h.json');
    await createKeystoreFile(path, SECRET, 'pw', META, OPTS);
    const f = JSON.parse(await readFile(path, 'utf8'));
    const variants: Array<[string, unknown]> = [
      ['xpub', { ...f, xpub: 'tpubOTHER' }],
      ['network', { ...f, network: 'test' }],
      ['account', { ...f, account: 1 }],
      ['ciphertext', { ...f, ciphertext: (f.ciphertext[0] === '0' ? '1' : '0') + f.ciphertext.slice(1) }],
    ];
    for (const [what, v] of variants) {
      const p = join(dir, `h-${what}.json`);
      await writeFile(p, JSON.stringify(v), { mode: 0o600 });
      assert.equal(await code(openKeystoreFile(p, 'pw')), 'KEYSTORE_CORRUPT', what);
    }
    // A changed KDF parameter derives another key: indistinguishable from a wrong passphrase.
    const p = join(dir, 'h-salt.json');
    await writeFile(p, JSON.stringify({ ...f, kdf: { ...f.kdf, salt: '00'.repeat(32) } }));
    assert.equal(await code(openKeystoreFile(p, 'pw')), 'WRONG_PASSPHRASE');
  });

  it('rejects malformed files and weak or absurd KDF parameters with KEYSTORE_INVALID', async () => {
    const f = JSON.parse(await readFile(join(dir, 'h.json'), 'utf8'));
    const bad: unknown[] = [
      'not json',
      { ...f, version: 2 },
      { ...f, kind: 'other' },
      { ...f, kdf: { ...f.kdf, n: 1024 } },
      { ...f, kdf: { ...f.kdf, n: 2 ** 15 + 1 } },
      { ...f, kdf: { ...f.kdf, n: 2 ** 24 } },
      { ...f, cipher: { ...f.cipher, nonce: 'zz' } },
      { ...f, network: 'moon' },
    ];
    for (const b of bad) {
      const p = join(dir, 'bad.json');
      await writeFile(p, typeof b === 'string' ? b : JSON.stringify(b));
      assert.equal(await code(openKeystoreFile(p, 'pw')), 'KEYSTORE_INVALID', JSON.stringify(b).slice(0, 80));
    }
    assert.equal(await code(openKeystoreFile(join(dir, 'missing.json'), 'pw')), 'KEYSTORE_IO');
  });

  it('refuses an empty passphrase', async () => {
    assert.equal(
      await code(createKeystoreFile(join(dir, 'i.json'), SECRET, '', META, OPTS)),
      'PASSPHRASE_INVALID',
    );
  });
});
