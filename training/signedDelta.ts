/**
 * SignedDelta: a contributor's delta as gossiped between nodes.
 *
 *   version u8 (1) | baseModelHash 32 | contributor pubKeyHash 20 | x-only pubkey 32
 *   | samples u32 | delta varbytes (≤ MAX_DELTA_BYTES) | BIP340 signature 64
 *
 * The signature covers taggedHash('qenex/signed-delta', everything before it). The contributor
 * field must be hash160(pubkey) (the address that is credited in the block's contributor list).
 * `verifySignedDelta` rejects, with typed errors: a stale base (not the current chain model), an
 * oversized or malformed delta, a zero delta, a bad sample count, a contributor that does not
 * match the key, and a bad signature.
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
}

/** Signs with `secretKey`; the contributor is hash160 of its x-only public key. */
export function signDelta(
  input: SignDeltaInput,
  secretKey: Uint8Array,
  auxRand: Uint8Array = new Uint8Array(32),
): SignedDelta {
  const pubkey = getPublicKey(secretKey);
  const body = { ...input, contributor: hash160(pubkey), pubkey };
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
  if (m.contributor.length !== 20 || !equalBytes(hash160(m.pubkey), m.contributor)) {
    throw new TrainingError({
      code: 'TRAINING_BAD_CONTRIBUTOR',
      reason: 'contributor is not hash160(pubkey)',
    });
  }
  const delta = decodeDelta(m.delta);
  if (isZeroDelta(delta)) throw new TrainingError({ code: 'TRAINING_BAD_DELTA', reason: 'zero delta' });
  if (!verify(m.sig, signedDeltaSighash(m), m.pubkey))
    throw new TrainingError({ code: 'TRAINING_BAD_SIGNATURE' });
  return { message: m, delta };
}

/**
 * Keeps the first delta per contributor and drops byte-identical copies of a delta already seen
 * under another key (copying someone's delta and re-signing it earns nothing).
 */
export function uniqueDeltas(list: readonly VerifiedDelta[]): VerifiedDelta[] {
  const contributors = new Set<string>();
  const payloads = new Set<string>();
  const out: VerifiedDelta[] = [];
  for (const v of list) {
    const c = bytesKey(v.message.contributor);
    const p = bytesKey(taggedHash('qenex/delta-payload', v.message.delta));
    if (contributors.has(c) || payloads.has(p)) continue;
    contributors.add(c);
    payloads.add(p);
    out.push(v);
  }
  return out;
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
