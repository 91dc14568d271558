/** The dashboard's login pieces: tokens, sessions, Host and Origin checks. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'mocha';
import {
  checkLoginToken,
  hostAllowed,
  mintLoginToken,
  readCookie,
  SessionStore,
  sameOrigin,
} from '../../../../node/dashboard/index.js';

const key = new Uint8Array(32).fill(7);
const other = new Uint8Array(32).fill(8);
const HOUR = 3600_000;

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('node/dashboard login', () => {
  it('accepts a token of this key until it expires, nothing else', () => {
    const now = 1_800_000_000_000;
    const token = mintLoginToken(key, now + HOUR);
    assert.match(token, /^\d+\.[A-Za-z0-9_-]{43}$/);
    assert.equal(checkLoginToken(key, token, now, HOUR), true);
    assert.equal(checkLoginToken(key, token, now + HOUR, HOUR), false, 'expired');
    assert.equal(checkLoginToken(other, token, now, HOUR), false, 'another key (a restarted node)');
    const [expiry, mac] = token.split('.') as [string, string];
    assert.equal(checkLoginToken(key, `${Number(expiry) + 1}.${mac}`, now, HOUR), false, 'expiry changed');
    const flipped = `${expiry}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    assert.equal(checkLoginToken(key, flipped, now, HOUR), false, 'mac changed');
    const far = mintLoginToken(key, now + 2 * HOUR);
    assert.equal(checkLoginToken(key, far, now, HOUR), false, 'longer than any link the node mints');
    for (const junk of ['', 'x', `${expiry}.`, `${expiry}.${mac}=`, ` ${token}`])
      assert.equal(checkLoginToken(key, junk, now, HOUR), false, JSON.stringify(junk));
  });

  it('keeps sessions until they expire or are revoked, and at most maxSessions', () => {
    let now = 0;
    const store = new SessionStore({ ttlMs: 1000, maxSessions: 2 }, { clock: { now: () => now } });
    const a = store.create();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(store.valid(a), true);
    assert.equal(store.valid(undefined), false);
    assert.equal(store.valid(`${a}x`), false);
    const b = store.create();
    const c = store.create();
    assert.equal(store.valid(a), false, 'the oldest is dropped past maxSessions');
    assert.equal(store.valid(b) && store.valid(c), true);
    store.revoke(b);
    assert.equal(store.valid(b), false);
    now = 1000;
    assert.equal(store.valid(c), false, 'expired');
    const d = store.create();
    store.clear();
    assert.equal(store.valid(d), false);
  });

  it('reads one cookie among several', () => {
    assert.equal(readCookie(req({ cookie: 'a=1; qenex_dashboard_1=xyz; b=2' }), 'qenex_dashboard_1'), 'xyz');
    assert.equal(readCookie(req({ cookie: 'qenex_dashboard_12=xyz' }), 'qenex_dashboard_1'), undefined);
    assert.equal(readCookie(req({}), 'a'), undefined);
  });

  it('allows Hosts that are addresses or localhost, and only same-origin requests', () => {
    for (const host of ['127.0.0.1:18443', 'localhost:18443', '[::1]:18443', '10.0.0.5'])
      assert.equal(hostAllowed(req({ host })), true, host);
    for (const host of ['evil.example:18443', 'localhost.evil.example', ''])
      assert.equal(hostAllowed(req({ host })), false, host);
    assert.equal(hostAllowed(req({})), false);
    const host = '127.0.0.1:18443';
    assert.equal(sameOrigin(req({ host, origin: 'http://127.0.0.1:18443' })), true);
    assert.equal(sameOrigin(req({ host, origin: 'http://127.0.0.1:9999' })), false);
    assert.equal(sameOrigin(req({ host, origin: 'null' })), false);
    assert.equal(sameOrigin(req({ host })), false, 'no Origin');
  });
});
