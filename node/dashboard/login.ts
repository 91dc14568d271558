/**
 * The dashboard's login. A browser cannot send HTTP Basic credentials on a WebSocket, and the RPC
 * password must not end up in a page, so:
 *
 * 1. `qenex dashboard` asks the node (RPC `getdashboardurl`, authenticated like any RPC call) for
 *    a login link. Its token is `<expiry ms>.<HMAC-SHA256(key, "login|" + expiry)>` where the key
 *    is derived from the RPC credentials (RpcServer.deriveKey): a new cookie at every start voids
 *    every link and session, and a link is only good for `loginTtlMs`.
 * 2. The link carries the token in the URL fragment, which browsers never send to servers nor
 *    put in Referer headers; the page POSTs it to `<prefix>/session` and gets an HttpOnly,
 *    SameSite=Strict session cookie (a random id, kept in memory) in exchange, then drops the
 *    fragment from the address bar.
 * 3. The WebSocket upgrade needs that cookie, an Origin equal to the page's own, and a Host that
 *    is an IP address or localhost (a DNS-rebinding page has a name of its own as Host).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const TOKEN_RE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

function mac(key: Uint8Array, expiresAt: number): string {
  return createHmac('sha256', key).update(`login|${expiresAt}`, 'utf8').digest('base64url');
}

/** A login token valid until `expiresAt` (ms since the epoch). */
export function mintLoginToken(key: Uint8Array, expiresAt: number): string {
  return `${expiresAt}.${mac(key, expiresAt)}`;
}

/**
 * True when `token` was minted with `key` and has not expired. A token claiming to last longer
 * than `maxTtlMs` from now is refused too (only the node mints tokens, and never such a one).
 */
export function checkLoginToken(key: Uint8Array, token: string, now: number, maxTtlMs: number): boolean {
  const m = TOKEN_RE.exec(token);
  if (!m) return false;
  const expiresAt = Number(m[1]);
  if (expiresAt <= now || expiresAt > now + maxTtlMs) return false;
  const want = Buffer.from(mac(key, expiresAt), 'utf8');
  const got = Buffer.from(m[2]!, 'utf8');
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface SessionStoreOptions {
  readonly ttlMs: number;
  readonly maxSessions: number;
}

/**
 * Browser sessions: random ids, kept in memory as their SHA-256 (a lookup by the hash of a
 * guess reveals nothing through its timing), each until it expires.
 */
export class SessionStore {
  /** sha256(id) hex → expiry, ms; Map order is creation order. */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly opts: SessionStoreOptions,
    /** Wall clock, ms. */
    private readonly deps: { readonly clock: { now(): number } },
  ) {}

  /** A new session id (base64url, 256 bits). */
  create(): string {
    const now = this.deps.clock.now();
    this.prune(now);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(digest(id), now + this.opts.ttlMs);
    while (this.sessions.size > this.opts.maxSessions)
      this.sessions.delete(this.sessions.keys().next().value!);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (id === undefined) return false;
    const until = this.sessions.get(digest(id));
    return until !== undefined && until > this.deps.clock.now();
  }

  revoke(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  clear(): void {
    this.sessions.clear();
  }

  private prune(now: number): void {
    for (const [k, until] of this.sessions) if (until <= now) this.sessions.delete(k);
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** The value of cookie `name` in the request, if sent. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The Host header names this machine by address or as localhost. A DNS-rebinding attack reaches
 * the port under a name of the attacker's, which this refuses.
 */
export function hostAllowed(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return bare === 'localhost' || isIP(bare) !== 0;
}

/** The request comes from a page of this origin (Origin equals http://<Host>). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && req.headers.host !== undefined && origin === `http://${req.headers.host}`;
}
