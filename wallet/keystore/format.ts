/**
 * Encrypted keystore (version 1): a JSON document
 *
 *   { "kind": "qenex-wallet", "version": 1, "network": "devnet", "account": 0, "xpub": "tpub…",
 *     "kdf": { "name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": <32 bytes hex> },
 *     "cipher": { "name": "xchacha20-poly1305", "nonce": <24 bytes hex> },
 *     "check": <32 bytes hex>, "ciphertext": <hex> }
 *
 * dk = scrypt(UTF-8 NFKD(passphrase), salt, n, r, p, 64 bytes); the first 32 bytes are the
 * XChaCha20-Poly1305 key, sha256 of the last 32 is `check` (tells a wrong passphrase apart from a
 * damaged file). The plaintext is the JSON {mnemonic, bip39Passphrase}; the associated data is
 * every header field above except ciphertext and check, so editing any of them (network, xpub,
 * KDF cost) makes decryption fail. The account xpub is stored in clear so a node can follow the
 * chain and hand out addresses without the passphrase (as Bitcoin Core's encrypted wallets do);
 * whoever reads the file learns the wallet's addresses, never its keys.
 */
import { scrypt } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isNetworkName, type NetworkName } from '../../consensus/index.js';
import { WalletError } from '../errors.js';

export const KEYSTORE_KIND = 'qenex-wallet';
export const KEYSTORE_VERSION = 1;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
const SALT_LEN = 32;
const NONCE_LEN = 24;
const MIN_N = 2 ** 15;
const MAX_N = 2 ** 20;
const MAX_PASSPHRASE = 1024;

export interface KeystoreFile {
  readonly kind: typeof KEYSTORE_KIND;
  readonly version: typeof KEYSTORE_VERSION;
  readonly network: NetworkName;
  readonly account: number;
  readonly xpub: string;
  readonly kdf: {
    readonly name: 'scrypt';
    readonly n: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'xchacha20-poly1305'; readonly nonce: string };
  readonly check: string;
  readonly ciphertext: string;
}

/** What the keystore protects. */
export interface KeystoreSecret {
  readonly mnemonic: string;
  /** BIP39 passphrase ("25th word"); '' when none. */
  readonly bip39Passphrase: string;
}

export interface KeystoreMeta {
  readonly network: NetworkName;
  readonly account: number;
  readonly xpub: string;
}

export function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new WalletError({ code: 'PASSPHRASE_INVALID', reason: 'must be a non-empty string' });
  }
  if (passphrase.length > MAX_PASSPHRASE) {
    throw new WalletError({ code: 'PASSPHRASE_INVALID', reason: `longer than ${MAX_PASSPHRASE} characters` });
  }
}

function aad(f: Omit<KeystoreFile, 'check' | 'ciphertext'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([
      f.kind,
      f.version,
      f.network,
      f.account,
      f.xpub,
      f.kdf.name,
      f.kdf.n,
      f.kdf.r,
      f.kdf.p,
      f.kdf.salt,
      f.cipher.name,
      f.cipher.nonce,
    ]),
  );
}

/**
 * scrypt (RFC 7914) of the NFKD, UTF-8 passphrase. node:crypto's native implementation runs on
 * the libuv thread pool (it neither blocks the event loop nor takes the ~10x longer the pure-JS
 * @noble version can); both compute the same function.
 */
export function scryptKey(
  passphrase: string,
  salt: Uint8Array,
  kdf: { n: number; r: number; p: number },
  dkLen: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      new TextEncoder().encode(passphrase.normalize('NFKD')),
      salt,
      dkLen,
      { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 2 * 128 * kdf.n * kdf.r * kdf.p + 1024 * 1024 },
      (err, key) => {
        if (err) reject(new WalletError({ code: 'KEYSTORE_INVALID', reason: `scrypt: ${err.message}` }));
        else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
      },
    );
  });
}

async function deriveKeys(
  passphrase: string,
  kdf: KeystoreFile['kdf'],
): Promise<{ key: Uint8Array; check: Uint8Array }> {
  const dk = await scryptKey(passphrase, hexToBytes(kdf.salt), kdf, 64);
  const key = dk.slice(0, 32);
  const check = sha256(dk.subarray(32, 64));
  dk.fill(0);
  return { key, check };
}

/** Encrypts `secret` under `passphrase` with fresh salt and nonce from `random`. */
export async function encryptKeystore(
  secret: KeystoreSecret,
  passphrase: string,
  meta: KeystoreMeta,
  opts: { scryptLogN: number; random: (n: number) => Uint8Array },
): Promise<KeystoreFile> {
  checkPassphrase(passphrase);
  const header = {
    kind: KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    network: meta.network,
    account: meta.account,
    xpub: meta.xpub,
    kdf: {
      name: 'scrypt',
      n: 2 ** opts.scryptLogN,
      r: SCRYPT_R,
      p: SCRYPT_P,
      salt: bytesToHex(opts.random(SALT_LEN)),
    },
    cipher: { name: 'xchacha20-poly1305', nonce: bytesToHex(opts.random(NONCE_LEN)) },
  } as const;
  checkKdf(header.kdf);
  const { key, check } = await deriveKeys(passphrase, header.kdf);
  const plain = new TextEncoder().encode(
    JSON.stringify({ mnemonic: secret.mnemonic, bip39Passphrase: secret.bip39Passphrase }),
  );
  const ct = xchacha20poly1305(key, hexToBytes(header.cipher.nonce), aad(header)).encrypt(plain);
  plain.fill(0);
  key.fill(0);
  return { ...header, check: bytesToHex(check), ciphertext: bytesToHex(ct) };
}

/** Decrypts a keystore. Throws WRONG_PASSPHRASE (nothing learned) or KEYSTORE_CORRUPT. */
export async function decryptKeystore(file: KeystoreFile, passphrase: string): Promise<KeystoreSecret> {
  if (typeof passphrase !== 'string') throw new WalletError({ code: 'WRONG_PASSPHRASE' });
  const { key, check } = await deriveKeys(passphrase, file.kdf);
  if (!constantTimeEqual(check, hexToBytes(file.check))) {
    key.fill(0);
    throw new WalletError({ code: 'WRONG_PASSPHRASE' });
  }
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, hexToBytes(file.cipher.nonce), aad(file)).decrypt(
      hexToBytes(file.ciphertext),
    );
  } catch {
    throw new WalletError({ code: 'KEYSTORE_CORRUPT', reason: 'authentication failed (file altered)' });
  } finally {
    key.fill(0);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
  } catch {
    throw new WalletError({ code: 'KEYSTORE_CORRUPT', reason: 'plaintext is not JSON' });
  } finally {
    plain.fill(0);
  }
  const p = parsed as Partial<KeystoreSecret> | null;
  if (!p || typeof p.mnemonic !== 'string' || typeof p.bip39Passphrase !== 'string') {
    throw new WalletError({ code: 'KEYSTORE_CORRUPT', reason: 'plaintext lacks the mnemonic' });
  }
  return { mnemonic: p.mnemonic, bip39Passphrase: p.bip39Passphrase };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function serializeKeystore(f: KeystoreFile): string {
  return `${JSON.stringify(f, null, 2)}\n`;
}

function invalid(reason: string): WalletError {
  return new WalletError({ code: 'KEYSTORE_INVALID', reason });
}

function hexField(v: unknown, what: string, len?: number): string {
  if (
    typeof v !== 'string' ||
    !/^(?:[0-9a-f]{2})*$/u.test(v) ||
    (len !== undefined && v.length !== len * 2)
  ) {
    throw invalid(`${what} is not ${len === undefined ? '' : `${len}-byte `}lower-case hex`);
  }
  return v;
}

function checkKdf(kdf: { n: number; r: number; p: number }): void {
  const { n, r, p } = kdf;
  if (!Number.isSafeInteger(n) || n < MIN_N || n > MAX_N || (n & (n - 1)) !== 0) {
    throw invalid(`scrypt n=${n} is not a power of two in [2^15, 2^20]`);
  }
  if (!Number.isSafeInteger(r) || r < 1 || r > 32 || !Number.isSafeInteger(p) || p < 1 || p > 16) {
    throw invalid(`scrypt r=${r}, p=${p} out of range`);
  }
  if (n * r * 128 > 2 ** 30) throw invalid('scrypt parameters need more than 1 GiB');
}

/** Parses and checks a keystore file's text (no decryption). Throws KEYSTORE_INVALID. */
export function parseKeystore(text: string): KeystoreFile {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw invalid('not JSON');
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw invalid('not a JSON object');
  if (j.kind !== KEYSTORE_KIND) throw invalid(`kind is not '${KEYSTORE_KIND}'`);
  if (j.version !== KEYSTORE_VERSION) throw invalid(`unsupported version ${String(j.version)}`);
  if (typeof j.network !== 'string' || !isNetworkName(j.network)) throw invalid('unknown network');
  if (!Number.isSafeInteger(j.account) || (j.account as number) < 0 || (j.account as number) >= 2 ** 31) {
    throw invalid('bad account');
  }
  if (typeof j.xpub !== 'string' || j.xpub.length > 120) throw invalid('bad xpub');
  const kdf = j.kdf as Record<string, unknown> | null;
  if (!kdf || typeof kdf !== 'object' || kdf.name !== 'scrypt') throw invalid('kdf is not scrypt');
  const cipher = j.cipher as Record<string, unknown> | null;
  if (!cipher || typeof cipher !== 'object' || cipher.name !== 'xchacha20-poly1305') {
    throw invalid('cipher is not xchacha20-poly1305');
  }
  const k = {
    name: 'scrypt' as const,
    n: kdf.n as number,
    r: kdf.r as number,
    p: kdf.p as number,
    salt: hexField(kdf.salt, 'salt', SALT_LEN),
  };
  checkKdf(k);
  const ciphertext = hexField(j.ciphertext, 'ciphertext');
  if (ciphertext.length < 32) throw invalid('ciphertext shorter than its tag');
  return {
    kind: KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    network: j.network,
    account: j.account as number,
    xpub: j.xpub,
    kdf: k,
    cipher: { name: 'xchacha20-poly1305', nonce: hexField(cipher.nonce, 'nonce', NONCE_LEN) },
    check: hexField(j.check, 'check', 32),
    ciphertext,
  };
}
