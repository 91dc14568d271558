/**
 * SignedDelta: a contributor's delta as gossiped between nodes, the consensus contribution
 * (consensus/primitives/contribution.ts) with the base model it applies to in front:
 *
 *   version u8 (1) | baseModelHash 32 | payout pubKeyHash 20 | x-only pubkey 32 | samples u32
 *   | delta varbytes | BIP340 signature 64
 *
 * The signature is the contribution's (contributionSighash(base, …)), so a pooled delta goes
 * into a block unchanged (`toContribution`). The contributor field is the payout address its
 * credit is paid to; the signer chooses it (by default hash160 of its own key), so the signing key
 * can stay a hot key on the node while payouts go to the wallet. The signer (pubkey) is the
 * delta's identity: pools keep the newest delta per signer. `verifySignedDelta` rejects, with one
 * error type (FederationError): a stale base (context: honest lag), and (invalid) an oversized or
 * malformed delta, one over the contribution bounds consensus enforces (bounds.ts: entries per
 * tensor, size, not zero), a bad sample count or contributor, and a bad signature.
 */
import {
  type Contribution,
  contributionSighash,
  DecodeError,
  equalBytes,
  getPublicKey,
  type Hash,
  hash160,
  MAX_CONTRIBUTION_DELTA_SIZE,
  MAX_REPORTED_SAMPLES,
  type NetworkParams,
  nobleVerifier,
  Reader,
  type SyncSigVerifier,
  sign,
  taggedHash,
  VerdictError,
  Writer,
} from '../../consensus/index.js';
import { decodeSparseDelta, type SparseDelta } from '../delta.js';
import { TrainingError } from '../errors.js';
import { checkContribution } from './bounds.js';
import { rejected } from './errors.js';

export const SIGNED_DELTA_VERSION = 1;
export const MAX_SIGNED_DELTA_BYTES = 1 + 32 + 20 + 32 + 4 + 5 + MAX_CONTRIBUTION_DELTA_SIZE + 64;

export interface SignedDelta {
  readonly baseModelHash: Hash;
  /** Payout public-key hash (the contribution's `payout`). */
  readonly contributor: Uint8Array;
  readonly pubkey: Uint8Array;
  readonly samples: number;
  /** Encoded delta (delta.ts). */
  readonly delta: Uint8Array;
  readonly sig: Uint8Array;
}

/** The block contribution this signed delta is. */
export function toContribution(m: SignedDelta): Contribution {
  return { payout: m.contributor, pubkey: m.pubkey, samples: m.samples, delta: m.delta, sig: m.sig };
}

export function signedDeltaSighash(m: Omit<SignedDelta, 'sig'>): Hash {
  return contributionSighash(m.baseModelHash, {
    payout: m.contributor,
    pubkey: m.pubkey,
    samples: m.samples,
    delta: m.delta,
  });
}

export function encodeSignedDelta(m: SignedDelta): Uint8Array {
  const w = new Writer(200 + m.delta.length);
  w.u8(SIGNED_DELTA_VERSION).bytes(m.baseModelHash).bytes(m.contributor).bytes(m.pubkey).u32(m.samples);
  w.varbytes(m.delta).bytes(m.sig);
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
  const delta = r.varbytes('delta', MAX_CONTRIBUTION_DELTA_SIZE);
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
  /** The delta's entries (checked against the contribution bounds). */
  readonly delta: SparseDelta;
}

/**
 * Checks a gossiped delta against the current chain model. Cheap checks first; the signature
 * last, with `verifier` (default noble's; a node passes its native one: every node checks every
 * gossiped delta, and noble's BIP340 verification was the largest single cost of a plain node's
 * thread in a 32-node netsim). Throws FederationError ('context' for a stale base, 'invalid'
 * otherwise).
 */
export function verifySignedDelta(
  m: SignedDelta,
  currentModelHash: Hash,
  params: NetworkParams,
  verifier: SyncSigVerifier = nobleVerifier,
): VerifiedDelta {
  if (!equalBytes(m.baseModelHash, currentModelHash)) throw rejected('stale base', 'context');
  const max = Math.min(params.maxModelUpdateSize, MAX_CONTRIBUTION_DELTA_SIZE);
  if (m.delta.length > max) throw rejected(`delta of ${m.delta.length} bytes > ${max}`);
  if (!Number.isInteger(m.samples) || m.samples < 1 || m.samples > MAX_REPORTED_SAMPLES) {
    throw rejected(`sample count ${m.samples} outside 1..${MAX_REPORTED_SAMPLES}`);
  }
  if (m.contributor.length !== 20) {
    throw rejected(`contributor of ${m.contributor.length} bytes, not a 20-byte public-key hash`);
  }
  let delta: SparseDelta;
  try {
    // the delta's own shape (decoded once); the bounds a block will check (entries per tensor, not zero)
    delta = decodeSparseDelta(m.delta);
    checkContribution(delta, 0, delta.growth);
  } catch (e) {
    if (e instanceof VerdictError) throw rejected(e.message);
    if (e instanceof TrainingError) throw rejected(`malformed delta: ${e.message}`);
    throw e;
  }
  if (!verifier.verifySync({ sig: m.sig, msg: signedDeltaSighash(m), pubkey: m.pubkey })) {
    throw rejected('bad signature');
  }
  return { message: m, delta };
}

/**
 * Keeps the first delta per signer and drops byte-identical copies of a delta already seen under
 * another key (copying someone's delta and re-signing it earns nothing; near-copies are judged by
 * consensus, bad-model-duplicate).
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

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
