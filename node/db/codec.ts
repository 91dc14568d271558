/**
 * Canonical encodings of the node's own records (entries, chain state, version). Coins, undo data
 * and blocks use the consensus codecs. Decoders reject trailing bytes and non-canonical forms.
 */
import {
  decodeExact,
  MAX_CONTRIBUTIONS,
  MAX_LEVEL_DOMAINS,
  type Payout,
  type Reader,
  VERDICT_REASONS,
  type VerdictReason,
  Writer,
} from '../../consensus/index.js';
import { DbError } from './errors.js';
import { type ChainEntry, type ChainState, type DbVersion, ENTRY_STATUSES } from './types.js';

/** Non-negative bigints: varint length, then minimal big-endian magnitude (0 is empty). */
export function writeBigUint(w: Writer, v: bigint): void {
  if (v < 0n) throw new DbError({ code: 'DB_CORRUPT', what: 'bigint', detail: `negative value ${v}` });
  const bytes: number[] = [];
  let x = v;
  while (x > 0n) {
    bytes.push(Number(x & 0xffn));
    x >>= 8n;
  }
  bytes.reverse();
  w.varbytes(Uint8Array.from(bytes));
}

const MAX_BIGUINT_BYTES = 64;

export function readBigUint(r: Reader, what: string): bigint {
  const b = r.varbytes(what, MAX_BIGUINT_BYTES);
  if (b.length > 0 && b[0] === 0) throw corrupt(what, 'non-minimal big integer');
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

function corrupt(what: string, detail: string): DbError {
  return new DbError({ code: 'DB_CORRUPT', what, detail });
}

/** Wraps a decoder so that any failure surfaces as DB_CORRUPT. */
export function decodeStored<T>(what: string, bytes: Uint8Array, fn: (r: Reader) => T): T {
  try {
    return decodeExact(bytes, fn);
  } catch (e) {
    if (e instanceof DbError) throw e;
    throw corrupt(what, e instanceof Error ? e.message : String(e));
  }
}

function readSafeU64(r: Reader, what: string): number {
  const v = r.u64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(what, `${v} is not a safe integer`);
  return Number(v);
}

/**
 * hash 32 | prevHash 32 | height u32 | time u32 | bits u32 | modelHash 32 | work | weight
 * | improvementPpm u32 | issuedAfter u64 | seq u64 | status u8 | size u32 | nLevels u8
 * | nLevels × (level u16 | streak u8) | nGains u8 | nGains × gain u32 | grew u8
 * | nOwed u8 | nOwed × (pubKeyHash 20 | value u64) | [reason varbytes]
 * (the reason, an ASCII VerdictReason, is present iff status is invalid; owed is what the next
 * block must pay this block's contributors, set when it is connected)
 */
export function encodeEntry(e: ChainEntry): Uint8Array {
  const w = new Writer(200);
  w.bytes(e.hash).bytes(e.prevHash).u32(e.height).u32(e.time).u32(e.bits).bytes(e.modelHash);
  writeBigUint(w, e.work);
  writeBigUint(w, e.weight);
  w.u32(e.improvementPpm).u64(e.issuedAfter).u64(BigInt(e.seq));
  const status = ENTRY_STATUSES.indexOf(e.status);
  w.u8(status).u32(e.size);
  w.u8(e.levels.levels.length);
  e.levels.levels.forEach((l, i) => {
    w.u16(l).u8(e.levels.streaks[i] ?? 0);
  });
  w.u8(e.gainPpm.length);
  for (const g of e.gainPpm) w.u32(g >>> 0);
  w.u8(e.grew ? 1 : 0);
  w.u8(e.owed.length);
  for (const p of e.owed) w.bytes(p.pubKeyHash).u64(p.value);
  if (e.status === 'invalid') {
    if (!e.invalidReason) throw corrupt('entry', 'invalid entry without a reason');
    w.varbytes(new TextEncoder().encode(e.invalidReason));
  } else if (e.invalidReason !== null) throw corrupt('entry', 'reason on an entry that is not invalid');
  return w.finish();
}

export function decodeEntry(bytes: Uint8Array): ChainEntry {
  return decodeStored('entry', bytes, (r) => {
    const hash = r.bytes(32);
    const prevHash = r.bytes(32);
    const height = r.u32();
    const time = r.u32();
    const bits = r.u32();
    const modelHash = r.bytes(32);
    const work = readBigUint(r, 'entry work');
    const weight = readBigUint(r, 'entry weight');
    const improvementPpm = r.u32();
    const issuedAfter = r.u64();
    const seq = readSafeU64(r, 'entry seq');
    const statusByte = r.u8();
    const status = ENTRY_STATUSES[statusByte];
    if (status === undefined) throw corrupt('entry', `unknown status ${statusByte}`);
    const size = r.u32();
    const nLevels = r.u8();
    if (nLevels > MAX_LEVEL_DOMAINS) throw corrupt('entry', `${nLevels} leveled domains`);
    const levels: number[] = [];
    const streaks: number[] = [];
    for (let i = 0; i < nLevels; i++) {
      levels.push(r.u16());
      streaks.push(r.u8());
    }
    const nGains = r.u8();
    if (nGains > MAX_LEVEL_DOMAINS) throw corrupt('entry', `${nGains} domain gains`);
    const gainPpm: number[] = [];
    for (let i = 0; i < nGains; i++) gainPpm.push(r.u32() | 0);
    const grewByte = r.u8();
    if (grewByte > 1) throw corrupt('entry', `grew flag ${grewByte}`);
    const nOwed = r.u8();
    if (nOwed > MAX_CONTRIBUTIONS) throw corrupt('entry', `${nOwed} owed payouts`);
    const owed: Payout[] = [];
    for (let i = 0; i < nOwed; i++) owed.push({ pubKeyHash: r.bytes(20), value: r.u64() });
    let invalidReason: VerdictReason | null = null;
    if (status === 'invalid') {
      const s = new TextDecoder().decode(r.varbytes('invalid reason', 64));
      const reason = VERDICT_REASONS.find((x) => x === s);
      if (!reason) throw corrupt('entry', `unknown invalid reason ${JSON.stringify(s)}`);
      invalidReason = reason;
    }
    return {
      hash,
      prevHash,
      height,
      time,
      bits,
      modelHash,
      work,
      weight,
      improvementPpm,
      issuedAfter,
      seq,
      status,
      size,
      invalidReason,
      levels: { levels, streaks },
      gainPpm,
      grew: grewByte === 1,
      owed,
    };
  });
}

/** tipHash 32 | height u32 | issued u64 | weight */
export function encodeChainState(s: ChainState): Uint8Array {
  const w = new Writer(80);
  w.bytes(s.tipHash).u32(s.height).u64(s.issued);
  writeBigUint(w, s.weight);
  return w.finish();
}

export function decodeChainState(bytes: Uint8Array): ChainState {
  return decodeStored('chain state', bytes, (r) => ({
    tipHash: r.bytes(32),
    height: r.u32(),
    issued: r.u64(),
    weight: readBigUint(r, 'chain weight'),
  }));
}

/** version u32 | magic u32 */
export function encodeVersion(v: DbVersion): Uint8Array {
  return new Writer(8).u32(v.version).u32(v.magic).finish();
}

export function decodeVersion(bytes: Uint8Array): DbVersion {
  return decodeStored('version', bytes, (r) => ({ version: r.u32(), magic: r.u32() }));
}
