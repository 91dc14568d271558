/**
 * SignedDelta: a contributor's delta as gossiped between nodes.
 *
 *   version u8 (1) | baseModelHash 32 | contributor pubKeyHash 20 | x-only pubkey 32
 *   | samples u32 | delta varbytes (≤ MAX_DELTA_BYTES) | BIP340 signature 64
 *
 * The signature covers taggedHash('qenex/signed-delta', everything before it). The contributor
 * field is the payout address (public-key hash) credited in a block's contributor list and paid
 * in its coinbase; the signer chooses it (by default hash160 of its own key, usually its wallet's
 * address), so the signing key can stay a hot key on the node while payouts go to the wallet.
 * The signer (pubkey) is the delta's identity: pools keep the newest delta per signer, so nobody
 * can replace another node's delta. `verifySignedDelta` rejects, with typed errors: a stale base
 * (not the current chain model), an oversized or malformed delta, a zero delta, a bad sample
 * count, a malformed contributor, and a bad signature.
 */
import {
  DecodeError,
  equalBytes,
  getPublicKey,
  type Hash,
  hash160,
  type NetworkParams,
  Reader,
  sign,
  taggedHash,
  verify,
  Writer,
} from '../consensus/index.js';
import { decodeDelta, isZeroDelta, MAX_DELTA_BYTES, type ModelDelta } from './delta.js';
import { TrainingError } from './errors.js';

export const SIGNED_DELTA_VERSION = 1;
/** Reported samples above this are rejected (a count is a claim, not a proof; bound it). */
export const MAX_REPORTED_SAMPLES = 100_000_000;
export const MAX_SIGNED_DELTA_BYTES = 1 + 32 + 20 + 32 + 4 + 5 + MAX_DELTA_BYTES + 64;

export interface SignedDelta {
  readonly baseModelHash: Hash;
  readonly contributor: Uint8Array;
  readonly pubkey: Uint8Array;
  readonly samples: number;
  /** Encoded delta (delta.ts). */
  readonly delta: Uint8Array;
  readonly sig: Uint8Array;
}

function writeBody(w: Writer, m: Omit<SignedDelta, 'sig'>): void {
  w.u8(SIGNED_DELTA_VERSION).bytes(m.baseModelHash).bytes(m.contributor).bytes(m.pubkey).u32(m.samples);
  w.varbytes(m.delta);
}

export function signedDeltaSighash(m: Omit<SignedDelta, 'sig'>): Hash {
  const w = new Writer(128 + m.delta.length);
  writeBody(w, m);
  return taggedHash('qenex/signed-delta', w.finish());
}

export function encodeSignedDelta(m: SignedDelta): Uint8Array {
  const w = new Writer(200 + m.delta.length);
  writeBody(w, m);
  w.bytes(m.sig);
  return w.finish();
}

/** Decodes the envelope (not the delta inside); throws DecodeError on bad bytes. */
export function decodeSignedDelta(bytes: Uint8Array): SignedDelta {
  if (bytes.length > MAX_SIGNED_DELTA_BYTES) {
    throw new DecodeError({
      code: 'DECODE_OVERSIZE',
      what: 'signed delta',
      size: bytes.length,
      max: MAX_SIGNED_DELTA_BYTES,
    });
  }
  const r = new Reader(bytes);
  if (r.u8() !== SIGNED_DELTA_VERSION)
    throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'signed delta version' });
  const baseModelHash = r.bytes(32);
  const contributor = r.bytes(20);
  const pubkey = r.bytes(32);
  const samples = r.u32();
  const delta = r.varbytes('delta', MAX_DELTA_BYTES);
  const sig = r.bytes(64);
  r.end();
  return { baseModelHash, contributor, pubkey, samples, delta, sig };
}

export interface SignDeltaInput {
  readonly baseModelHash: Hash;
  readonly samples: number;
  readonly delta: Uint8Array;
  /** Payout public-key hash (20 bytes); default hash160 of the signing key. */
  readonly contributor?: Uint8Array;
}

/** Signs with `secretKey`; the contributor (payout) defaults to hash160 of its x-only public key. */
export function signDelta(
  input: SignDeltaInput,
  secretKey: Uint8Array,
  auxRand: Uint8Array = new Uint8Array(32),
): SignedDelta {
  const pubkey = getPublicKey(secretKey);
  const { contributor, ...rest } = input;
  const body = { ...rest, contributor: contributor ?? hash160(pubkey), pubkey };
  return { ...body, sig: sign(signedDeltaSighash(body), secretKey, auxRand) };
}

export interface VerifiedDelta {
  readonly message: SignedDelta;
  readonly delta: ModelDelta;
}

/**
 * Checks a gossiped delta against the current chain model. Cheap checks first; the signature
 * last. Throws TrainingError: TRAINING_STALE_BASE, TRAINING_DELTA_OVERSIZE, TRAINING_BAD_DELTA,
 * TRAINING_BAD_CONTRIBUTOR or TRAINING_BAD_SIGNATURE.
 */
export function verifySignedDelta(
  m: SignedDelta,
  currentModelHash: Hash,
  params: NetworkParams,
): VerifiedDelta {
  if (!equalBytes(m.baseModelHash, currentModelHash))
    throw new TrainingError({ code: 'TRAINING_STALE_BASE' });
  const max = Math.min(params.maxModelUpdateSize, MAX_DELTA_BYTES);
  if (m.delta.length > max) {
    throw new TrainingError({ code: 'TRAINING_DELTA_OVERSIZE', size: m.delta.length, max });
  }
  if (!Number.isInteger(m.samples) || m.samples < 1 || m.samples > MAX_REPORTED_SAMPLES) {
    throw new TrainingError({ code: 'TRAINING_BAD_CONTRIBUTOR', reason: `sample count ${m.samples}` });
  }
  if (m.contributor.length !== 20) {
    throw new TrainingError({
      code: 'TRAINING_BAD_CONTRIBUTOR',
      reason: `contributor of ${m.contributor.length} bytes, not a 20-byte public-key hash`,
    });
  }
  const delta = decodeDelta(m.delta);
  if (isZeroDelta(delta)) throw new TrainingError({ code: 'TRAINING_BAD_DELTA', reason: 'zero delta' });
  if (!verify(m.sig, signedDeltaSighash(m), m.pubkey))
    throw new TrainingError({ code: 'TRAINING_BAD_SIGNATURE' });
  return { message: m, delta };
}

/**
 * Keeps the first delta per signer and drops byte-identical copies of a delta already seen under
 * another key (copying someone's delta and re-signing it earns nothing). Several signers may name
 * the same payout address; `creditContributors` merges them for a block.
 */
export function uniqueDeltas(list: readonly VerifiedDelta[]): VerifiedDelta[] {
  const signers = new Set<string>();
  const payloads = new Set<string>();
  const out: VerifiedDelta[] = [];
  for (const v of list) {
    const s = bytesKey(v.message.pubkey);
    const p = bytesKey(taggedHash('qenex/delta-payload', v.message.delta));
    if (signers.has(s) || payloads.has(p)) continue;
    signers.add(s);
    payloads.add(p);
    out.push(v);
  }
  return out;
}

/**
 * A block's contributor list for these deltas: one entry per payout address in first-seen order,
 * with the samples of all its deltas summed (capped at u32, the block field's range).
 */
export function creditContributors(
  list: readonly VerifiedDelta[],
): Array<{ pubKeyHash: Uint8Array; samples: number }> {
  const byPayout = new Map<string, { pubKeyHash: Uint8Array; samples: number }>();
  for (const v of list) {
    const k = bytesKey(v.message.contributor);
    const held = byPayout.get(k);
    if (held) held.samples = Math.min(0xffff_ffff, held.samples + v.message.samples);
    else byPayout.set(k, { pubKeyHash: v.message.contributor, samples: v.message.samples });
  }
  return [...byPayout.values()];
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
