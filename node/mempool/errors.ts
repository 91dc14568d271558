/**
 * Mempool errors. A rejected transaction throws `MempoolError` with a stable `reason`: Bitcoin
 * Core's reject strings where one exists, or the consensus `VerdictError` reason unchanged when the
 * rule that failed is a consensus rule. `level` says whether the sender broke consensus
 * ('invalid', punishable), depends on state we lack ('context'), or only missed local policy
 * ('policy'). RPC maps these to RPC_VERIFY_REJECTED (-26), RPC_VERIFY_ERROR (-25, missing inputs)
 * and RPC_VERIFY_ALREADY_IN_CHAIN (-27, 'txn-already-known').
 */
import { QenexError, type VerdictLevel, type VerdictReason } from '../../consensus/index.js';

/** Local-policy reject reasons (Bitcoin Core's strings). */
export const MEMPOOL_POLICY_REASONS = [
  'coinbase',
  'txn-already-in-mempool',
  'txn-same-nonwitness-data-in-mempool',
  'txn-already-known',
  'txn-mempool-conflict',
  'min relay fee not met',
  'mempool full',
  'too-long-mempool-chain',
] as const;
export type MempoolPolicyReason = (typeof MEMPOOL_POLICY_REASONS)[number];

/** Every reason `accept` can give. */
export type MempoolRejectReason = VerdictReason | MempoolPolicyReason | 'missing-inputs';

export type MempoolRejectLevel = VerdictLevel | 'policy';

export type MempoolErrorType =
  /** A consensus rule failed; `reason`/`level` are the VerdictError's. */
  | { code: 'MEMPOOL_TX_INVALID'; reason: VerdictReason; level: VerdictLevel }
  /** Local policy (fees, limits, conflicts, duplicates). */
  | { code: 'MEMPOOL_TX_POLICY'; reason: MempoolPolicyReason; level: 'policy' }
  /**
   * Some inputs are neither in the chain's UTXO set nor in the pool. `parents` are the txids (hex)
   * of the missing outputs' transactions; `orphan` says whether the tx was kept in the orphan pool
   * (it will be accepted, and emitted as a 'tx' event, once its parents arrive).
   */
  | {
      code: 'MEMPOOL_MISSING_INPUTS';
      reason: 'missing-inputs';
      level: 'context';
      parents: readonly string[];
      orphan: boolean;
    }
  | { code: 'MEMPOOL_BAD_OPTIONS'; option: string; detail: string };

export class MempoolError extends QenexError<MempoolErrorType> {
  constructor(type: MempoolErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'MempoolError';
  }

  /** The reject reason; undefined only for MEMPOOL_BAD_OPTIONS. */
  get reason(): MempoolRejectReason | undefined {
    return this.type.code === 'MEMPOOL_BAD_OPTIONS' ? undefined : this.type.reason;
  }

  /** How bad the rejection is for the sender; undefined only for MEMPOOL_BAD_OPTIONS. */
  get level(): MempoolRejectLevel | undefined {
    return this.type.code === 'MEMPOOL_BAD_OPTIONS' ? undefined : this.type.level;
  }
}

export function policyError(reason: MempoolPolicyReason, detail?: string): MempoolError {
  return new MempoolError(
    { code: 'MEMPOOL_TX_POLICY', reason, level: 'policy' },
    detail === undefined ? reason : `${reason}: ${detail}`,
  );
}

function describe(t: MempoolErrorType): string {
  switch (t.code) {
    case 'MEMPOOL_TX_INVALID':
    case 'MEMPOOL_TX_POLICY':
      return t.reason;
    case 'MEMPOOL_MISSING_INPUTS':
      return `missing-inputs: parents ${t.parents.join(', ')}`;
    case 'MEMPOOL_BAD_OPTIONS':
      return `invalid mempool option ${t.option}: ${t.detail}`;
  }
}
