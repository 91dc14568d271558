/**
 * HTTP Basic authentication and the cookie file, as bitcoind: on start the server writes
 * `__cookie__:<64 hex>` to `<datadir>/.cookie` (mode 0600, temp file + rename), clients read it
 * and send it as Basic credentials; the file is deleted on stop.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RpcServerError } from './errors.js';
import { COOKIE_USER } from './options.js';

export interface Credentials {
  user: string;
  password: string;
}

/** The realm bitcoind announces; clients such as bitcoin-cli expect Basic auth. */
export const WWW_AUTHENTICATE = 'Basic realm="jsonrpc"';

/** Fresh cookie credentials: user `__cookie__`, password 32 random bytes as 64 hex digits. */
export function generateCookie(): Credentials {
  return { user: COOKIE_USER, password: randomBytes(32).toString('hex') };
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Write `user:password` to `path` with mode 0600, atomically (temp file, then rename). */
export async function writeCookieFile(path: string, creds: Credentials): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(tmp, `${creds.user}:${creds.password}`, { mode: 0o600 });
    // A stale temp file from a crash keeps its old mode through writeFile; force it.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new RpcServerError({ code: 'RPC_SERVER_COOKIE', path, cause: errMessage(e) });
  }
}

/** Delete the cookie file; a file that is already gone is fine. */
export async function removeCookieFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ENOENT') {
      throw new RpcServerError({ code: 'RPC_SERVER_COOKIE', path, cause: errMessage(e) });
    }
  }
}

/** Split `user:password` at the first colon (passwords may contain colons, users may not). */
export function splitCredentials(text: string): Credentials | undefined {
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** Read a cookie file written by `writeCookieFile` (or by bitcoind). */
export async function readCookieFile(path: string): Promise<Credentials | undefined> {
  const text = (await readFile(path, 'utf8')).trim();
  return splitCredentials(text);
}

/** `Authorization` header value for the credentials. */
export function basicAuthHeader(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.user}:${creds.password}`, 'utf8').toString('base64')}`;
}

/** Parse an `Authorization: Basic …` header; undefined if absent or malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  return splitCredentials(Buffer.from(m[1], 'base64').toString('utf8'));
}

function digest(s: string): Uint8Array {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Checks Basic credentials against the one accepted pair. The comparison hashes both sides and
 * compares the digests with `timingSafeEqual`, so its time depends on neither the length nor
 * the content of the secret.
 */
export class BasicAuthenticator {
  private readonly expected: Uint8Array;
  /** The header a client such as ours sends (`Basic <base64>`), for the fast path of check(). */
  private readonly expectedHeader: Buffer;
  /** Where check() writes a header of the expected length to compare it (no allocation per call). */
  private readonly scratch: Buffer;
  readonly user: string;

  constructor(creds: Credentials) {
    this.user = creds.user;
    this.expected = digest(`${creds.user}:${creds.password}`);
    this.expectedHeader = Buffer.from(basicAuthHeader(creds), 'latin1');
    this.scratch = Buffer.alloc(this.expectedHeader.length);
  }

  /**
   * A key for `label` derived from the credentials (HMAC-SHA256 keyed by their digest): lets
   * another login (the dashboard's) be derived from the RPC secret without handing the secret out.
   */
  deriveKey(label: string): Uint8Array {
    return createHmac('sha256', this.expected).update(label, 'utf8').digest();
  }

  /** The authenticated user name, or undefined if the header is missing or wrong. */
  check(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    // Fast path: the exact header of the credentials, compared in constant time (a length that
    // differs says nothing the header's format does not). Anything else (another spelling of the
    // scheme, other whitespace) takes the full parse and digest below.
    // A latin1 string has one byte per character, so the length test needs no encoding.
    if (header.length === this.expectedHeader.length) {
      this.scratch.write(header, 0, 'latin1');
      if (timingSafeEqual(this.scratch, this.expectedHeader)) return this.user;
    }
    const creds = parseBasicAuth(header);
    if (!creds) return undefined;
    const got = digest(`${creds.user}:${creds.password}`);
    return timingSafeEqual(got, this.expected) ? creds.user : undefined;
  }
}
