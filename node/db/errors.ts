/**
 * Chain database errors. `DB_CORRUPT` means stored bytes failed to decode or break an invariant
 * the node itself wrote (never the peer's fault); `DB_IO` wraps a failure of the LevelDB backend.
 */
import { QenexError } from '../../consensus/index.js';

export type DbErrorType =
  | { code: 'DB_NOT_OPEN' }
  | { code: 'DB_IO'; op: string; cause: string }
  | { code: 'DB_CORRUPT'; what: string; detail: string }
  | { code: 'DB_VERSION'; found: number; expected: number }
  | { code: 'DB_WRONG_NETWORK'; foundMagic: number; expectedMagic: number };

export class DbError extends QenexError<DbErrorType> {
  constructor(type: DbErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'DbError';
  }
}

function describe(t: DbErrorType): string {
  switch (t.code) {
    case 'DB_NOT_OPEN':
      return 'chain database is not open';
    case 'DB_IO':
      return `chain database ${t.op} failed: ${t.cause}`;
    case 'DB_CORRUPT':
      return `chain database corrupt (${t.what}): ${t.detail}`;
    case 'DB_VERSION':
      return `chain database version ${t.found} is not supported (expected ${t.expected}); it was written by an older qenex with another block format: move the data directory away and sync again`;
    case 'DB_WRONG_NETWORK':
      return `chain database belongs to network magic 0x${t.foundMagic.toString(16)}, not 0x${t.expectedMagic.toString(16)}`;
  }
}

/** Message of an unknown thrown value, for DB_IO. */
export function causeOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
