/**
 * The model update a block may carry:
 *   baseModelHash 32 | claimedPpm u32 | nLevels varint (≤ MAX_LEVEL_DOMAINS) | nLevels × level u16
 *   | grow u8 (0, or 1 + the domain to grow, ≤ MAX_LEVEL_DOMAINS) | delta varbytes (≤ MAX_DELTA_SIZE)
 *   | nContrib varint (≤ MAX_CONTRIBUTORS) | nContrib × (pubKeyHash 20, samples u32)
 * The delta's inner format belongs to the evaluator (training/); consensus only bounds its size
 * and hands it over. Contributors are the addresses whose deltas went into the aggregate, with the
 * number of training samples each one reported. claimedPpm is the improvement the block's coinbase
 * is paid for (its bonus and the contributors' payouts); it must not exceed the improvement every
 * node re-measures on the block's own hash (see consensus/money.ts and poi/improvement.ts).
 * levels are the difficulty levels of the generated domains the update is scored at; they must be
 * the chain's levels after the parent block (poi/levels.ts). A growth update (grow = a domain) widens the
 * model without changing its function: no delta, no claim, no contributors (poi/improvement.ts).
 */
import { DecodeError } from '../errors.js';
import { decodeExact, type Reader, Writer } from './encoding.js';
import { type Hash, sha256d } from './hash.js';
import { PKH_SIZE } from './tx.js';

export const MAX_DELTA_SIZE = 1_000_000;
export const MAX_CONTRIBUTORS = 256;
/** Bound on per-domain lists and indexes in consensus objects (levels, the grown domain). */
export const MAX_LEVEL_DOMAINS = 8;

export interface Contributor {
  readonly pubKeyHash: Uint8Array;
  readonly samples: number;
}

export interface ModelUpdate {
  readonly baseModelHash: Hash;
  /** Improvement (ppm) the coinbase claims; ≤ the verified improvement. */
  readonly claimedPpm: number;
  /** Levels of the evaluator's leveled domains this update is scored at. */
  readonly levels: readonly number[];
  /** A capacity-growth update: the domain it widens (the model after it is evaluator.grow(parent, grow)); null otherwise. */
  readonly grow: number | null;
  readonly delta: Uint8Array;
  readonly contributors: readonly Contributor[];
}

export function writeModelUpdate(w: Writer, u: ModelUpdate): void {
  w.bytes(u.baseModelHash).u32(u.claimedPpm).varint(u.levels.length);
  for (const l of u.levels) w.u16(l);
  w.u8(u.grow === null ? 0 : u.grow + 1)
    .varbytes(u.delta)
    .varint(u.contributors.length);
  for (const c of u.contributors) w.bytes(c.pubKeyHash).u32(c.samples);
}

export function readModelUpdate(r: Reader): ModelUpdate {
  const baseModelHash = r.bytes(32);
  const claimedPpm = r.u32();
  const nLevels = r.varint('levels', MAX_LEVEL_DOMAINS);
  const levels: number[] = new Array(nLevels);
  for (let i = 0; i < nLevels; i++) levels[i] = r.u16();
  const growByte = r.u8();
  if (growByte > MAX_LEVEL_DOMAINS) {
    throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'model update grow domain' });
  }
  const delta = r.varbytes('model delta', MAX_DELTA_SIZE);
  const n = r.varint('contributors', MAX_CONTRIBUTORS);
  const contributors: Contributor[] = new Array(n);
  for (let i = 0; i < n; i++) contributors[i] = { pubKeyHash: r.bytes(PKH_SIZE), samples: r.u32() };
  return {
    baseModelHash,
    claimedPpm,
    levels,
    grow: growByte === 0 ? null : growByte - 1,
    delta,
    contributors,
  };
}

export function encodeModelUpdate(u: ModelUpdate): Uint8Array {
  const w = new Writer(80 + 2 * u.levels.length + u.delta.length + u.contributors.length * 24);
  writeModelUpdate(w, u);
  return w.finish();
}

export function decodeModelUpdate(bytes: Uint8Array): ModelUpdate {
  if (bytes.length > MAX_DELTA_SIZE + 80 + 2 * MAX_LEVEL_DOMAINS + MAX_CONTRIBUTORS * 24) {
    throw new DecodeError({
      code: 'DECODE_OVERSIZE',
      what: 'model update',
      size: bytes.length,
      max: MAX_DELTA_SIZE,
    });
  }
  return decodeExact(bytes, readModelUpdate);
}

export function modelUpdateId(u: ModelUpdate): Hash {
  return sha256d(encodeModelUpdate(u));
}
