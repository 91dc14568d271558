/**
 * Native BIP340 verification through bcrypto (libsecp256k1 built by node-gyp), ~25× noble.
 * Uses `bcrypto/lib/schnorr` (BIP340). NOT `bcrypto/lib/secp256k1`, whose schnorrVerify is the
 * older pre-BIP340 scheme.
 */
import { createRequire } from 'node:module';
import type { SigCheck, SigVerifier, SyncSigVerifier } from '../../consensus/index.js';

/** The part of bcrypto's CommonJS `lib/schnorr` we use. Every argument must be a Buffer. */
interface BcryptoSchnorr {
  verify(msg: Buffer, sig: Buffer, key: Buffer): boolean;
  verifyBatch(batch: Array<[Buffer, Buffer, Buffer]>): boolean;
}

const requireCjs = createRequire(import.meta.url);
const native = requireCjs('bcrypto/lib/schnorr') as BcryptoSchnorr;

const MSG_LENGTH = 32;
const SIG_LENGTH = 64;
const PUBKEY_LENGTH = 32;

/** A Buffer view of the same memory (bcrypto's binding demands Buffers; no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Well-formed: Uint8Arrays of the BIP340 lengths. Anything else is invalid, not an error. */
export function isWellFormed(check: SigCheck): boolean {
  const { msg, sig, pubkey } = check;
  return (
    msg instanceof Uint8Array &&
    sig instanceof Uint8Array &&
    pubkey instanceof Uint8Array &&
    msg.length === MSG_LENGTH &&
    sig.length === SIG_LENGTH &&
    pubkey.length === PUBKEY_LENGTH
  );
}

function verifyOne(check: SigCheck): boolean {
  if (!isWellFormed(check)) return false;
  try {
    return native.verify(asBuffer(check.msg), asBuffer(check.sig), asBuffer(check.pubkey));
  } catch {
    return false;
  }
}

/** Index of the first malformed check in [start, end), or `end` if there is none. */
export function firstMalformed(checks: readonly SigCheck[], start = 0, end = checks.length): number {
  for (let i = start; i < end; i++) {
    if (!isWellFormed(checks[i]!)) return i;
  }
  return end;
}

/**
 * Index of the first invalid check in [start, end), or -1. The well-formed prefix goes to one
 * native batch call (the common all-valid case); if that fails, the prefix is re-verified one by
 * one to locate the first failure.
 */
export function firstInvalid(checks: readonly SigCheck[], start = 0, end = checks.length): number {
  const stop = firstMalformed(checks, start, end);
  if (stop > start && !batchValid(checks, start, stop)) {
    for (let i = start; i < stop; i++) {
      if (!verifyOne(checks[i]!)) return i;
    }
  }
  return stop < end ? stop : -1;
}

/** All of [start, end) (well-formed) valid, by one native batch call. */
function batchValid(checks: readonly SigCheck[], start: number, end: number): boolean {
  const batch = new Array<[Buffer, Buffer, Buffer]>(end - start);
  for (let i = start; i < end; i++) {
    const c = checks[i]!;
    batch[i - start] = [asBuffer(c.msg), asBuffer(c.sig), asBuffer(c.pubkey)];
  }
  try {
    return native.verifyBatch(batch);
  } catch {
    return false;
  }
}

/** Single-threaded native verifier. Never throws on malformed input: it is invalid. */
export const bcryptoVerifier: SigVerifier & SyncSigVerifier = {
  verifySync: verifyOne,
  async verifyBatch(checks: readonly SigCheck[]): Promise<number> {
    return firstInvalid(checks, 0, checks.length);
  },
};
