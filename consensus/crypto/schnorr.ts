/**
 * BIP340 Schnorr signatures over secp256k1 (x-only 32-byte public keys, 64-byte signatures),
 * backed by @noble/curves. This is the consensus reference: faster verifiers (node/verify) must
 * accept and reject exactly what `verify` here does.
 *
 * Consensus rule: the message is always a 32-byte digest (a sighash); any other length is
 * invalid, as are signatures that are not 64 bytes and keys that are not 32 bytes.
 *
 * Note: noble also rejects s = 0, which BIP340 itself does not. A valid BIP340 signature with
 * s = 0 needs k ≡ -e·d (mod n) where e hashes R = k·G itself, i.e. a hash fixed point, so no
 * one can produce one; libsecp256k1 (node/verify) and this file therefore agree on every
 * signature that can actually be made.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { CryptoError } from './errors.js';

export const SCHNORR_MSG_LENGTH = 32;
export const SCHNORR_SIG_LENGTH = 64;
export const SCHNORR_PUBKEY_LENGTH = 32;
export const SCHNORR_SECRET_KEY_LENGTH = 32;
export const SCHNORR_AUX_LENGTH = 32;

/** One signature to check: `sig` over the 32-byte `msg` by the x-only `pubkey`. */
export interface SigCheck {
  readonly msg: Uint8Array;
  readonly sig: Uint8Array;
  readonly pubkey: Uint8Array;
}

/** Verifies many signatures; resolves to the index of the FIRST invalid check, or -1 if all are valid. */
export interface SigVerifier {
  verifyBatch(checks: readonly SigCheck[]): Promise<number>;
}

/** Verifies one signature synchronously. Never throws: malformed input is simply invalid. */
export interface SyncSigVerifier {
  verifySync(check: SigCheck): boolean;
}

function requireLength(bytes: Uint8Array, expected: number, what: 'message' | 'secretKey' | 'auxRand'): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
    const actual = bytes instanceof Uint8Array ? bytes.length : -1;
    throw new CryptoError({ code: 'CRYPTO_BAD_LENGTH', what, expected, actual });
  }
}

/** The 32-byte x-only public key of `secretKey`. Throws CryptoError if the key is not in [1, n-1]. */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  requireLength(secretKey, SCHNORR_SECRET_KEY_LENGTH, 'secretKey');
  try {
    return schnorr.getPublicKey(secretKey);
  } catch {
    throw new CryptoError({ code: 'CRYPTO_INVALID_SECRET_KEY' });
  }
}

/**
 * BIP340 signature of the 32-byte `msg32`. `auxRand32` is the BIP340 auxiliary randomness: pass
 * fresh random bytes when available, zero bytes for deterministic signatures (consensus code has
 * no randomness of its own).
 */
export function sign(msg32: Uint8Array, secretKey: Uint8Array, auxRand32: Uint8Array): Uint8Array {
  requireLength(msg32, SCHNORR_MSG_LENGTH, 'message');
  requireLength(secretKey, SCHNORR_SECRET_KEY_LENGTH, 'secretKey');
  requireLength(auxRand32, SCHNORR_AUX_LENGTH, 'auxRand');
  if (!secp256k1.utils.isValidSecretKey(secretKey)) {
    throw new CryptoError({ code: 'CRYPTO_INVALID_SECRET_KEY' });
  }
  try {
    return schnorr.sign(msg32, secretKey, auxRand32);
  } catch {
    // Only reachable with negligible probability (nonce k' = 0, or the self-check failing).
    throw new CryptoError({ code: 'CRYPTO_SIGN_FAILED' });
  }
}

/** True iff `sig` is a valid BIP340 signature of the 32-byte `msg32` by `pubkey32`. Never throws. */
export function verify(sig: Uint8Array, msg32: Uint8Array, pubkey32: Uint8Array): boolean {
  if (!(sig instanceof Uint8Array) || !(msg32 instanceof Uint8Array) || !(pubkey32 instanceof Uint8Array)) {
    return false;
  }
  if (
    sig.length !== SCHNORR_SIG_LENGTH ||
    msg32.length !== SCHNORR_MSG_LENGTH ||
    pubkey32.length !== SCHNORR_PUBKEY_LENGTH
  ) {
    return false;
  }
  try {
    return schnorr.verify(sig, msg32, pubkey32);
  } catch {
    return false;
  }
}

/** Reference verifier (pure JS, ~700 verifications/s per core). */
export const nobleVerifier: SigVerifier & SyncSigVerifier = {
  verifySync(check: SigCheck): boolean {
    return verify(check.sig, check.msg, check.pubkey);
  },
  async verifyBatch(checks: readonly SigCheck[]): Promise<number> {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (!verify(c.sig, c.msg, c.pubkey)) return i;
    }
    return -1;
  },
};
