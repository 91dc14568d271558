/**
 * The one error a delta on its way to a block can meet before consensus: FederationError
 * ('DELTA_REJECTED'), from the signed-delta check (signedDelta.ts) and the pool (pool.ts) alike.
 * `level` follows p2p's DeltaSink contract: 'context' (a delta against a model that is no longer
 * the tip's: honest lag) is ignored without punishment, 'invalid' punishes the sender. Blocks
 * carrying bad contributions are judged by consensus (VerdictError), not by this.
 */
import { QenexError } from '../../consensus/index.js';

export type DeltaRejectLevel = 'context' | 'invalid';

export type FederationErrorType = { code: 'DELTA_REJECTED'; reason: string; level: DeltaRejectLevel };

export class FederationError extends QenexError<FederationErrorType> {
  constructor(type: FederationErrorType, message?: string) {
    super(type, message ?? `delta rejected (${type.level}): ${type.reason}`);
    this.name = 'FederationError';
  }

  get level(): DeltaRejectLevel {
    return this.type.level;
  }

  get reason(): string {
    return this.type.reason;
  }
}

export function rejected(reason: string, level: DeltaRejectLevel = 'invalid'): FederationError {
  return new FederationError({ code: 'DELTA_REJECTED', reason, level });
}
