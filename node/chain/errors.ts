/**
 * Chain service errors that are not consensus verdicts (those are the consensus `VerdictError`).
 */
import { QenexError } from '../../consensus/index.js';

export type ChainErrorType =
  | { code: 'CHAIN_NOT_STARTED' }
  /** params, evaluator and stored genesis disagree (wrong evaluator, wrong network's data dir). */
  | { code: 'CHAIN_GENESIS_MISMATCH'; detail: string }
  /** The stored chain breaks an invariant the node itself maintains. */
  | { code: 'CHAIN_CORRUPT'; detail: string }
  /** A model checkpoint the index refers to is missing or does not hash to its key. */
  | { code: 'CHAIN_MODEL_MISSING'; modelHash: string }
  /** `verifyChain` found the stored state differs from a full replay. */
  | { code: 'CHAIN_VERIFY_MISMATCH'; mismatches: readonly string[] }
  | { code: 'CHAIN_BAD_OPTIONS'; option: string; detail: string };

export class ChainError extends QenexError<ChainErrorType> {
  constructor(type: ChainErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'ChainError';
  }
}

function describe(t: ChainErrorType): string {
  switch (t.code) {
    case 'CHAIN_NOT_STARTED':
      return 'chain is not started';
    case 'CHAIN_GENESIS_MISMATCH':
      return `genesis mismatch: ${t.detail}`;
    case 'CHAIN_CORRUPT':
      return `chain state corrupt: ${t.detail}`;
    case 'CHAIN_MODEL_MISSING':
      return `model checkpoint ${t.modelHash} missing or corrupt`;
    case 'CHAIN_VERIFY_MISMATCH':
      return `chain verification failed: ${t.mismatches.length} mismatch(es): ${t.mismatches.slice(0, 5).join('; ')}`;
    case 'CHAIN_BAD_OPTIONS':
      return `bad chain option ${t.option}: ${t.detail}`;
  }
}
