/**
 * Verdict apart from punishment (design.md convention 6, Bitcoin Core's MaybePunishNodeForBlock):
 * consensus and the node say *what* is wrong (a VerdictReason and a level, a DecodeError code);
 * this file alone says what it costs the peer that sent it. The tables are exhaustive records, so
 * a new consensus reason fails the type check until it is given a penalty here.
 *
 * A peer whose accumulated score reaches the ban threshold (100 by default) is banned. Level
 * 'context' verdicts (missing parent, missing inputs, a block from the near future) and local
 * policy rejections cost nothing: an honest peer can send them.
 */
import { DecodeError, VERDICT_REASONS, type VerdictReason } from '../consensus/index.js';

/** Misbehaviour that is not a consensus verdict. */
export type ProtocolOffence =
  /** Bytes that do not decode (any gossip message, request or response). */
  | 'malformed-message'
  /** A frame larger than the protocol allows. */
  | 'oversize-message'
  /** A well-formed response that breaks the protocol: unrequested blocks, headers that do not connect. */
  | 'bad-response'
  /** A request or response that did not complete in time. */
  | 'request-timeout'
  /** A request over the per-peer rate limit (answered 'rate-limited'; clients back off). */
  | 'rate-limited'
  /**
   * A request stream beyond the per-connection limit of concurrent streams of its protocol (reset
   * unserved). Our client never has more than a few requests in flight per protocol and peer.
   */
  | 'stream-flood'
  /**
   * A sync peer that did not deliver the headers or blocks it was asked for (timed out, served none
   * of the blocks of the headers it had just sent, or kept answering 'rate-limited'): disconnected.
   */
  | 'sync-stall'
  /** A peer whose status claimed more weight than the whole chain it then served can carry. */
  | 'unproven-weight'
  /**
   * A gossiped block (or the branch of a gossiped orphan) forking deeper than the network's
   * maxLightForkDepth below our tip without the weight to overtake it (branchPolicy.ts).
   */
  | 'low-work-branch'
  /** A model delta the node's delta sink rejected. */
  | 'invalid-delta'
  /** Another network or genesis: disconnected (and briefly refused), not scored. */
  | 'wrong-network'
  /** An operator's `ban` call. */
  | 'manual';

export type PenaltyCode = VerdictReason | ProtocolOffence;

export const BAN_SCORE = 100;

/** Penalty of each consensus reason when the verdict's level is 'invalid'. */
export const VERDICT_PENALTIES: Readonly<Record<VerdictReason, number>> = Object.freeze({
  'bad-txns-vin-empty': 100,
  'bad-txns-vout-empty': 100,
  'bad-txns-oversize': 100,
  'bad-txns-vout-negative': 100,
  'bad-txns-vout-toolarge': 100,
  'bad-txns-txouttotal-toolarge': 100,
  'bad-txns-inputs-duplicate': 100,
  'bad-txns-dust': 100,
  'bad-txns-witness-count': 100,
  'bad-txns-version': 100,
  'bad-cb-has-inputs': 100,
  'bad-cb-height': 100,
  'bad-txns-inputs-missingorspent': 100,
  'bad-txns-in-belowout': 100,
  'bad-txns-inputvalues-outofrange': 100,
  // Depend on the height the sender and we see: an honest relay racing a new block can trip them.
  'bad-txns-premature-spend-of-coinbase': 10,
  'bad-txns-pubkey-mismatch': 100,
  'bad-txns-sig': 100,
  'bad-txns-nonfinal': 10,
  'high-hash': 100,
  'bad-diffbits': 100,
  'bad-txnmrklroot': 100,
  'bad-txns-duplicate': 100,
  'bad-blk-length': 100,
  'bad-blk-empty': 100,
  'bad-cb-missing': 100,
  'bad-cb-multiple': 100,
  'bad-cb-amount': 100,
  'bad-cb-split': 100,
  'bad-cb-contributors': 100,
  'bad-version': 100,
  // Normally level 'context' (the chain keeps an orphan); scored lightly if a caller says 'invalid'.
  'prev-blk-not-found': 10,
  'time-too-old': 100,
  'time-too-new': 100,
  'bad-txns-spend-in-block': 100,
  'bad-model-hash': 100,
  'bad-model-base': 100,
  'bad-model-update': 100,
  'bad-model-improvement': 100,
  'bad-model-contributors': 100,
  'bad-model-claim': 100,
  'bad-model-level': 100,
  'bad-model-significance': 100,
  'bad-model-growth': 100,
  'bad-model-contribution': 100,
  'bad-model-duplicate': 100,
  'bad-model-rule': 100,
  'bad-model-aggregate': 100,
  'bad-supply': 100,
});

export const PROTOCOL_PENALTIES: Readonly<Record<ProtocolOffence, number>> = Object.freeze({
  'malformed-message': 100,
  'oversize-message': 100,
  'bad-response': 20,
  'request-timeout': 2,
  'rate-limited': 1,
  // Each excess stream: a flood reaches the ban threshold within ten streams (limits.ts lets that
  // many past libp2p's own cap so that they are seen and charged), a one-off overlap costs little.
  'stream-flood': 10,
  // A stall holds one of our sync slots for a request timeout: ten of them are a ban, and the
  // peer is disconnected at once, so its claim is forgotten.
  'sync-stall': 10,
  // An honest peer's chain always carries the weight it announces (its weight never decreases).
  'unproven-weight': 10,
  // Refused unvalidated, so cheap to us: twenty such blocks are a ban, while an honest node left
  // on a losing branch sends one or two before our status makes it follow our chain.
  'low-work-branch': 5,
  'invalid-delta': 20,
  'wrong-network': 0,
  manual: BAN_SCORE,
});

const VERDICT_SET: ReadonlySet<string> = new Set(VERDICT_REASONS);

export function isVerdictReason(s: unknown): s is VerdictReason {
  return typeof s === 'string' && VERDICT_SET.has(s);
}

export function penaltyOf(code: PenaltyCode): number {
  return isVerdictReason(code) ? VERDICT_PENALTIES[code] : PROTOCOL_PENALTIES[code];
}

/** What to do with a gossip message or a served object after the node judged it. */
export type Judgement =
  | { readonly verdict: 'accept' }
  | { readonly verdict: 'ignore'; readonly reason: string }
  | {
      readonly verdict: 'reject';
      readonly code: PenaltyCode;
      readonly penalty: number;
      readonly reason: string;
    };

function field(err: unknown, name: 'reason' | 'level' | 'code'): unknown {
  if (typeof err !== 'object' || err === null || !(name in err)) return undefined;
  return (err as Record<string, unknown>)[name];
}

/**
 * Classifies an error thrown while judging a peer's object:
 *  - DecodeError → reject, 'oversize-message' for DECODE_OVERSIZE, else 'malformed-message';
 *  - anything with `level` 'context' or 'policy' (VerdictError, MempoolError...) → ignore;
 *  - `level` 'invalid' with a consensus `reason` → reject with that reason's penalty;
 *  - `level` 'invalid' with another reason → reject with `fallback` (or 'malformed-message');
 *  - anything else (our own failure: I/O, a bug) → reject with `fallback` when the sink's contract
 *    says every throw means invalid, else ignore (never punish a peer for our faults).
 */
export function judgeError(err: unknown, fallback: ProtocolOffence | null): Judgement {
  if (err instanceof DecodeError) {
    const code = err.code === 'DECODE_OVERSIZE' ? 'oversize-message' : 'malformed-message';
    return { verdict: 'reject', code, penalty: penaltyOf(code), reason: err.code };
  }
  const level = field(err, 'level');
  const reason = field(err, 'reason');
  const reasonStr = typeof reason === 'string' ? reason : String(field(err, 'code') ?? 'error');
  if (level === 'context' || level === 'policy') return { verdict: 'ignore', reason: reasonStr };
  if (level === 'invalid') {
    if (isVerdictReason(reason)) {
      return { verdict: 'reject', code: reason, penalty: VERDICT_PENALTIES[reason], reason };
    }
    const code = fallback ?? 'malformed-message';
    return { verdict: 'reject', code, penalty: penaltyOf(code), reason: reasonStr };
  }
  if (fallback !== null)
    return { verdict: 'reject', code: fallback, penalty: penaltyOf(fallback), reason: reasonStr };
  return { verdict: 'ignore', reason: reasonStr };
}
