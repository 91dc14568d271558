/**
 * The model update a block may carry:
 *   baseModelHash 32 | claimedPpm u32 | nLevels varint (≤ MAX_LEVEL_DOMAINS) | nLevels × level u16
 *   | grow u8 (0, or 1 + the domain to grow, ≤ MAX_LEVEL_DOMAINS) | rule u8
 *   | nContrib varint (≤ MAX_CONTRIBUTIONS) | nContrib × contribution (primitives/contribution.ts)
 * The update is the contributions' signed deltas themselves, not an aggregate: every node checks
 * each signature against the base, combines the deltas with the aggregation rule the update names
 * (`rule`, an id the evaluator defines) and applies the result; the header's model hash must be
 * the model that produces (poi/improvement.ts). Each contribution is paid by its measured credit
 * (poi/credit.ts, money.ts), in the coinbase of the next block.
 * claimedPpm is the improvement the block's reward is computed from; it must not exceed the
 * improvement every node re-measures on the block's own hash. levels are the difficulty levels of
 * the generated domains the update is scored at; they must be the chain's levels after the parent
 * block (poi/levels.ts). A growth update (grow = a domain) widens the model without changing its
 * function: no contributions, no claim, rule 0.
 */
import { DecodeError } from '../errors.js';
import { type Contribution, readContribution, writeContribution } from './contribution.js';
import { decodeExact, type Reader, Writer } from './encoding.js';
import { type Hash, sha256d } from './hash.js';

/** Decoder bound on the contributions of one update (params.maxContributors is the rule). */
export const MAX_CONTRIBUTIONS = 64;
/** Decoder bound on an encoded update (params.maxModelUpdateSize is the rule). */
export const MAX_MODEL_UPDATE_SIZE = 1_000_000;
/** Bound on per-domain lists and indexes in consensus objects (levels, the grown domain). */
export const MAX_LEVEL_DOMAINS = 8;

export interface ModelUpdate {
  readonly baseModelHash: Hash;
  /** Improvement (ppm) the coinbase claims; ≤ the verified improvement. */
  readonly claimedPpm: number;
  /** Levels of the evaluator's leveled domains this update is scored at. */
  readonly levels: readonly number[];
  /** A capacity-growth update: the domain it widens (the model after it is evaluator.grow(parent, grow)); null otherwise. */
  readonly grow: number | null;
  /** Aggregation rule the contributions are combined with (Evaluator.rules). */
  readonly rule: number;
  readonly contributions: readonly Contribution[];
}

export function writeModelUpdate(w: Writer, u: ModelUpdate): void {
  w.bytes(u.baseModelHash).u32(u.claimedPpm).varint(u.levels.length);
  for (const l of u.levels) w.u16(l);
  w.u8(u.grow === null ? 0 : u.grow + 1)
    .u8(u.rule)
    .varint(u.contributions.length);
  for (const c of u.contributions) writeContribution(w, c);
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
  const rule = r.u8();
  const n = r.varint('contributions', MAX_CONTRIBUTIONS);
  const contributions: Contribution[] = new Array(n);
  for (let i = 0; i < n; i++) contributions[i] = readContribution(r);
  return {
    baseModelHash,
    claimedPpm,
    levels,
    grow: growByte === 0 ? null : growByte - 1,
    rule,
    contributions,
  };
}

export function encodeModelUpdate(u: ModelUpdate): Uint8Array {
  let size = 48 + 2 * u.levels.length;
  for (const c of u.contributions) size += 160 + c.delta.length;
  const w = new Writer(size);
  writeModelUpdate(w, u);
  return w.finish();
}

export function decodeModelUpdate(bytes: Uint8Array): ModelUpdate {
  if (bytes.length > MAX_MODEL_UPDATE_SIZE) {
    throw new DecodeError({
      code: 'DECODE_OVERSIZE',
      what: 'model update',
      size: bytes.length,
      max: MAX_MODEL_UPDATE_SIZE,
    });
  }
  return decodeExact(bytes, readModelUpdate);
}

export function modelUpdateId(u: ModelUpdate): Hash {
  return sha256d(encodeModelUpdate(u));
}
