/**
 * The two storage backends behind one abstract-level type: `level` (classic-level, LevelDB on
 * disk) and `memory-level` (tests, ephemeral nodes). Keys and values are Uint8Array views.
 */
import type { AbstractLevel } from 'abstract-level';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import type { ChainDbOptions } from './options.js';

/** A LevelDB-like store of byte keys to byte values. */
export type BinaryLevel = AbstractLevel<string | Uint8Array, Uint8Array, Uint8Array>;

export function createBackend(opts: ChainDbOptions): BinaryLevel {
  const encodings = { keyEncoding: 'view', valueEncoding: 'view' } as const;
  if (opts.backend === 'memory')
    return new MemoryLevel<Uint8Array, Uint8Array>({ ...encodings, storeEncoding: 'view' });
  return new Level<Uint8Array, Uint8Array>(opts.path, encodings);
}
