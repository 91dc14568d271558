/**
 * Keystore files on disk. Every write is atomic: the bytes go to a temporary file in the same
 * directory (created exclusively, mode 0600), are fsynced, then the temporary file is renamed over
 * the target (or hard-linked to it when the target must not already exist) and the directory is
 * fsynced. A crash at any point leaves either the old file or the new one, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WalletError } from '../errors.js';
import {
  decryptKeystore,
  encryptKeystore,
  type KeystoreFile,
  type KeystoreMeta,
  type KeystoreSecret,
  parseKeystore,
  serializeKeystore,
} from './format.js';

export const KEYSTORE_FILE_MODE = 0o600;

export interface AtomicWriteOptions {
  /** Replace an existing file (default false: fail with KEYSTORE_EXISTS). */
  readonly overwrite?: boolean;
  /** File mode of the new file. Default 0600. */
  readonly mode?: number;
  /**
   * Called after the temporary file is written and fsynced, before it replaces the target. Tests
   * use it to simulate a crash at the worst moment; if it throws, the target is left untouched.
   */
  readonly beforeCommit?: (tempPath: string) => void | Promise<void>;
}

function ioError(op: string, path: string, e: unknown): WalletError {
  return new WalletError({ code: 'KEYSTORE_IO', op, path, reason: (e as Error).message });
}

/** Writes `data` to `path` atomically (see the module comment). */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const mode = opts.mode ?? KEYSTORE_FILE_MODE;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let committed = false;
  try {
    const fh = await open(temp, 'wx', mode).catch((e: unknown) => {
      throw ioError('create', temp, e);
    });
    try {
      await fh.chmod(mode); // the umask may have removed bits; never adds any beyond `mode`
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      throw ioError('write', temp, e);
    } finally {
      await fh.close();
    }
    await opts.beforeCommit?.(temp);
    if (opts.overwrite) {
      await rename(temp, path).catch((e: unknown) => {
        throw ioError('rename', path, e);
      });
    } else {
      // link() fails with EEXIST instead of replacing: an atomic "create if absent".
      await link(temp, path).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new WalletError({ code: 'KEYSTORE_EXISTS', path });
        throw ioError('link', path, e);
      });
      await unlink(temp).catch(() => undefined);
    }
    committed = true;
    await syncDir(dir);
  } finally {
    if (!committed) await unlink(temp).catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}

/** Reads and parses a keystore file (no decryption). */
export async function readKeystoreFile(path: string): Promise<KeystoreFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw ioError('read', path, e);
  }
  return parseKeystore(text);
}

export interface KeystoreWriteOptions {
  readonly scryptLogN: number;
  readonly random: (n: number) => Uint8Array;
  readonly beforeCommit?: AtomicWriteOptions['beforeCommit'];
}

/** Encrypts `secret` and writes a new keystore at `path` (fails if one exists). */
export async function createKeystoreFile(
  path: string,
  secret: KeystoreSecret,
  passphrase: string,
  meta: KeystoreMeta,
  opts: KeystoreWriteOptions,
): Promise<KeystoreFile> {
  const file = await encryptKeystore(secret, passphrase, meta, opts);
  await writeFileAtomic(path, new TextEncoder().encode(serializeKeystore(file)), {
    overwrite: false,
    ...(opts.beforeCommit ? { beforeCommit: opts.beforeCommit } : {}),
  });
  return file;
}

/** Reads `path` and decrypts it. Throws WRONG_PASSPHRASE, KEYSTORE_INVALID, KEYSTORE_CORRUPT, KEYSTORE_IO. */
export async function openKeystoreFile(
  path: string,
  passphrase: string,
): Promise<{ file: KeystoreFile; secret: KeystoreSecret }> {
  const file = await readKeystoreFile(path);
  return { file, secret: await decryptKeystore(file, passphrase) };
}

/**
 * Re-encrypts the keystore at `path` under `newPassphrase` (fresh salt and nonce) and replaces it
 * atomically. A wrong `oldPassphrase` throws WRONG_PASSPHRASE before anything is written.
 */
export async function changeKeystorePassphrase(
  path: string,
  oldPassphrase: string,
  newPassphrase: string,
  opts: KeystoreWriteOptions,
): Promise<KeystoreFile> {
  const { file, secret } = await openKeystoreFile(path, oldPassphrase);
  const next = await encryptKeystore(
    secret,
    newPassphrase,
    { network: file.network, account: file.account, xpub: file.xpub },
    opts,
  );
  await writeFileAtomic(path, new TextEncoder().encode(serializeKeystore(next)), {
    overwrite: true,
    ...(opts.beforeCommit ? { beforeCommit: opts.beforeCommit } : {}),
  });
  return next;
}
