import { strict as assert } from 'node:assert';
import { DecodeError, type OutPoint, Reader, sha256d, Writer } from '../../../../consensus/index.js';
import {
  type ChainEntry,
  DbError,
  decodeChainState,
  decodeEntry,
  decodeVersion,
  encodeChainState,
  encodeEntry,
  encodeVersion,
  PREFIX,
  RETIRED_PREFIXES,
  readBigUint,
  writeBigUint,
} from '../../../../node/db/index.js';
import { coinKey, heightKey, outpointFromKey } from '../../../../node/db/layout.js';

function h(n: number): Uint8Array {
  return sha256d(Uint8Array.of(n));
}

const entry: ChainEntry = {
  hash: h(1),
  prevHash: h(2),
  height: 123_456,
  time: 1_795_000_123,
  bits: 0x1f00ffff,
  modelHash: h(3),
  work: 2n ** 200n + 17n,
  weight: 2n ** 230n + 5n,
  improvementPpm: 12_345,
  issuedAfter: 21_000_000n * 100_000_000n,
  seq: 2 ** 40,
  status: 'valid-side',
  size: 999_999,
  invalidReason: null,
  levels: { levels: [3], streaks: [1] },
  gainPpm: [12_000, -345],
  grew: true,
  owed: [
    { pubKeyHash: h(4).subarray(0, 20), value: 123_456_789n },
    { pubKeyHash: h(5).subarray(0, 20), value: 1n },
  ],
};

function isCorrupt(e: unknown): boolean {
  return e instanceof DbError && e.code === 'DB_CORRUPT';
}

describe('node/db codecs and layout', () => {
  it('round-trips every entry status, with the reason only on invalid entries', () => {
    for (const status of ['unvalidated', 'valid-connected', 'valid-side'] as const) {
      const e = { ...entry, status };
      assert.deepEqual(decodeEntry(encodeEntry(e)), e);
    }
    const invalid: ChainEntry = { ...entry, status: 'invalid', invalidReason: 'bad-cb-amount' };
    assert.deepEqual(decodeEntry(encodeEntry(invalid)), invalid);
    assert.throws(() => encodeEntry({ ...entry, status: 'invalid' }), isCorrupt);
    assert.throws(() => encodeEntry({ ...entry, invalidReason: 'bad-cb-amount' }), isCorrupt);
  });

  it('rejects stored entries with trailing bytes, unknown status or unknown reason', () => {
    const bytes = encodeEntry(entry);
    assert.throws(() => decodeEntry(Uint8Array.of(...bytes, 0)), isCorrupt);
    assert.throws(() => decodeEntry(bytes.subarray(0, bytes.length - 1)), isCorrupt);
    const badStatus = Uint8Array.from(bytes);
    // status u8, size u32, then levels (1 + 3 per domain), gains (1 + 4 per domain), grew u8,
    // owed payouts (1 + 28 each)
    const owed = 1 + 28 * entry.owed.length;
    badStatus[bytes.length - owed - 5 - 4 - 9 - 1] = 9;
    assert.throws(() => decodeEntry(badStatus), isCorrupt);
    const badGrew = Uint8Array.from(bytes);
    badGrew[bytes.length - owed - 1] = 2;
    assert.throws(() => decodeEntry(badGrew), isCorrupt);
    const badOwed = Uint8Array.from(bytes);
    badOwed[bytes.length - owed] = 200; // more payouts than an update has contributions
    assert.throws(() => decodeEntry(badOwed), isCorrupt);
    const invalid = encodeEntry({ ...entry, status: 'invalid', invalidReason: 'high-hash' });
    const tampered = Uint8Array.from(invalid);
    tampered[tampered.length - 1] = 0x78; // 'high-hasx'
    assert.throws(() => decodeEntry(tampered), isCorrupt);
  });

  it('encodes big integers minimally and rejects a leading zero byte', () => {
    for (const v of [0n, 1n, 255n, 256n, 2n ** 256n, 2n ** 300n - 1n]) {
      const w = new Writer();
      writeBigUint(w, v);
      const bytes = w.finish();
      const r = new Reader(bytes);
      assert.equal(readBigUint(r, 'v'), v);
      r.end();
    }
    const w = new Writer();
    writeBigUint(w, 0n);
    assert.deepEqual(w.finish(), Uint8Array.of(0));
    assert.throws(() => readBigUint(new Reader(Uint8Array.of(2, 0, 1)), 'v'), isCorrupt);
    assert.throws(
      () => readBigUint(new Reader(Uint8Array.of(65, ...new Uint8Array(65).fill(1))), 'v'),
      (e: unknown) => e instanceof DecodeError,
    );
    assert.throws(() => writeBigUint(new Writer(), -1n), isCorrupt);
  });

  it('round-trips the chain state and the version record', () => {
    const s = { tipHash: h(7), height: 42, issued: 123n, weight: 2n ** 100n };
    assert.deepEqual(decodeChainState(encodeChainState(s)), s);
    assert.deepEqual(decodeVersion(encodeVersion({ version: 1, magic: 0x51584e44 })), {
      version: 1,
      magic: 0x51584e44,
    });
    assert.throws(() => decodeVersion(Uint8Array.of(1, 0, 0, 0)), isCorrupt);
  });

  it('uses distinct one-byte prefixes, none of them retired', () => {
    const values = Object.values(PREFIX);
    assert.equal(new Set(values).size, values.length);
    for (const r of RETIRED_PREFIXES) assert.ok(!values.includes(r.prefix as never));
  });

  it('orders height keys numerically and coin keys by txid then index', () => {
    const cmp = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);
    assert.ok(cmp(heightKey(255), heightKey(256)) < 0);
    assert.ok(cmp(heightKey(65_535), heightKey(65_536)) < 0);
    const op = (index: number): OutPoint => ({ txid: h(9), index });
    assert.ok(cmp(coinKey(op(2)), coinKey(op(10))) < 0);
    assert.deepEqual(outpointFromKey(coinKey(op(70_000))), op(70_000));
  });
});
