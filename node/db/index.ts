export type { BinaryLevel } from './backends.js';
export { createBackend } from './backends.js';
export { ChainBatch, ChainDb } from './chainDb.js';
export {
  decodeChainState,
  decodeEntry,
  decodeVersion,
  encodeChainState,
  encodeEntry,
  encodeVersion,
  readBigUint,
  writeBigUint,
} from './codec.js';
export type { DbErrorType } from './errors.js';
export { DbError } from './errors.js';
export type { PrefixName } from './layout.js';
export { DB_VERSION, PREFIX, RETIRED_PREFIXES } from './layout.js';
export type { ChainDbOptions } from './options.js';
export { utxoSnapshotFromDb } from './snapshot.js';
export type { ChainEntry, ChainState, DbVersion, EntryStatus } from './types.js';
export { ENTRY_STATUSES } from './types.js';
