export type { CryptoErrorType } from './errors.js';
export { CryptoError } from './errors.js';
export type { SigCheck, SigVerifier, SyncSigVerifier } from './schnorr.js';
export {
  getPublicKey,
  nobleVerifier,
  SCHNORR_AUX_LENGTH,
  SCHNORR_MSG_LENGTH,
  SCHNORR_PUBKEY_LENGTH,
  SCHNORR_SECRET_KEY_LENGTH,
  SCHNORR_SIG_LENGTH,
  sign,
  verify,
} from './schnorr.js';
