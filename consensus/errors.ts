/**
 * Typed errors. Every failure carries a stable `code`; callers switch on it, p2p maps it to a
 * peer penalty (design.md convention 6), RPC maps it to a JSON-RPC error.
 */
export class QenexError<T extends { code: string } = { code: string }> extends Error {
  readonly type: T;
  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = 'QenexError';
  }
  get code(): T['code'] {
    return this.type.code;
  }
}

/** Errors from decoding consensus objects (always the peer's fault when it came from the wire). */
export type DecodeErrorType =
  | { code: 'DECODE_TRUNCATED'; need: number; have: number }
  | { code: 'DECODE_TRAILING_BYTES'; extra: number }
  | { code: 'DECODE_NONCANONICAL_VARINT' }
  | { code: 'DECODE_OVERSIZE'; what: string; size: number; max: number }
  | { code: 'DECODE_INVALID_VALUE'; what: string };

export class DecodeError extends QenexError<DecodeErrorType> {
  constructor(type: DecodeErrorType, message?: string) {
    super(type, message ?? describeDecode(type));
    this.name = 'DecodeError';
  }
}

function describeDecode(t: DecodeErrorType): string {
  switch (t.code) {
    case 'DECODE_TRUNCATED':
      return `truncated input: need ${t.need} bytes, have ${t.have}`;
    case 'DECODE_TRAILING_BYTES':
      return `${t.extra} trailing bytes after object`;
    case 'DECODE_NONCANONICAL_VARINT':
      return 'non-canonical varint encoding';
    case 'DECODE_OVERSIZE':
      return `${t.what} too large: ${t.size} > ${t.max}`;
    case 'DECODE_INVALID_VALUE':
      return `invalid value for ${t.what}`;
  }
}

/**
 * Validation verdicts. `reason` is a stable string code (Bitcoin Core's reject reasons where one
 * exists); `level` says how bad it is for the sender:
 *   - 'invalid'   : the object breaks a consensus rule; whoever relayed it is misbehaving
 *   - 'context'   : cannot be judged yet / depends on local state (missing parent, missing inputs,
 *                   too far in the future); not punishable
 */
export type VerdictLevel = 'invalid' | 'context';

export interface VerdictType {
  code: 'VERDICT';
  reason: VerdictReason;
  level: VerdictLevel;
}

export class VerdictError extends QenexError<VerdictType> {
  constructor(reason: VerdictReason, message?: string, level: VerdictLevel = 'invalid') {
    super({ code: 'VERDICT', reason, level }, message ? `${reason}: ${message}` : reason);
    this.name = 'VerdictError';
  }
  get reason(): VerdictReason {
    return this.type.reason;
  }
  get level(): VerdictLevel {
    return this.type.level;
  }
}

/** Every reason a transaction or block can be rejected. Stable: p2p and RPC key off these. */
export const VERDICT_REASONS = [
  // transaction, context-free
  'bad-txns-vin-empty',
  'bad-txns-vout-empty',
  'bad-txns-oversize',
  'bad-txns-vout-negative',
  'bad-txns-vout-toolarge',
  'bad-txns-txouttotal-toolarge',
  'bad-txns-inputs-duplicate',
  'bad-txns-dust',
  'bad-txns-witness-count',
  'bad-txns-version',
  'bad-cb-has-inputs',
  'bad-cb-height',
  // transaction, contextual
  'bad-txns-inputs-missingorspent',
  'bad-txns-in-belowout',
  'bad-txns-inputvalues-outofrange',
  'bad-txns-premature-spend-of-coinbase',
  'bad-txns-pubkey-mismatch',
  'bad-txns-sig',
  'bad-txns-nonfinal',
  // block, context-free
  'high-hash',
  'bad-diffbits',
  'bad-txnmrklroot',
  'bad-txns-duplicate',
  'bad-blk-length',
  'bad-blk-empty',
  'bad-cb-missing',
  'bad-cb-multiple',
  'bad-cb-amount',
  'bad-cb-split',
  'bad-cb-contributors',
  'bad-version',
  // block, contextual
  'prev-blk-not-found',
  'time-too-old',
  'time-too-new',
  'bad-txns-spend-in-block',
  'bad-model-hash',
  'bad-model-base',
  'bad-model-update',
  'bad-model-improvement',
  'bad-model-contributors',
  'bad-model-claim',
  'bad-model-level',
  'bad-model-significance',
  'bad-model-growth',
  'bad-model-contribution',
  'bad-model-duplicate',
  'bad-model-rule',
  'bad-model-aggregate',
  'bad-supply',
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];
