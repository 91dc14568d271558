export { bcryptoVerifier } from './bcrypto.js';
export type { VerifyErrorType } from './errors.js';
export { VerifyError } from './errors.js';
export type { VerifyPoolDeps, VerifyPoolOptions } from './options.js';
export { DEFAULT_MIN_BATCH_PER_THREAD } from './options.js';
export { VerifyPool } from './pool.js';
