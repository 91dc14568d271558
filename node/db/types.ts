import type { Hash, LevelState, Payout, VerdictReason } from '../../consensus/index.js';

/**
 * Validation state of a stored block:
 *  - 'unvalidated'     stored with its header context and proof of improvement checked, but never
 *                      connected (its transactions have not been checked against the UTXO set)
 *  - 'valid-connected' connected: on the best chain
 *  - 'valid-side'      was fully valid when connected, since disconnected by a reorg
 *  - 'invalid'         breaks a consensus rule, or descends from a block that does
 */
export type EntryStatus = 'unvalidated' | 'valid-connected' | 'valid-side' | 'invalid';

export const ENTRY_STATUSES: readonly EntryStatus[] = [
  'unvalidated',
  'valid-connected',
  'valid-side',
  'invalid',
];

/** Header-index entry: one per stored (or rejected-after-PoW) block. */
export interface ChainEntry {
  readonly hash: Hash;
  readonly prevHash: Hash;
  readonly height: number;
  readonly time: number;
  readonly bits: number;
  /** Model hash after this block (from its header). */
  readonly modelHash: Hash;
  /** Proof of work of this block alone (workFromBits). */
  readonly work: bigint;
  /** Cumulative fork-choice weight of the chain ending here: parent's + blockWeight(work, improvement). */
  readonly weight: bigint;
  /** Verified improvement of the block's model update in ppm, measured on receipt (0 without one). */
  readonly improvementPpm: number;
  /** Total issued after this block. Only meaningful once connected (valid-connected/valid-side); else 0. */
  readonly issuedAfter: bigint;
  /** Order in which this node first stored the block (lower = earlier); diagnostics only (fork choice breaks ties with consensus tieWinner). */
  readonly seq: number;
  readonly status: EntryStatus;
  /** Serialized block size in bytes. */
  readonly size: number;
  /** Why it is invalid (for a descendant of an invalid block: its ancestor's reason); null otherwise. */
  readonly invalidReason: VerdictReason | null;
  /** Difficulty levels of the generated domains after this block (consensus poi/levels.ts). */
  readonly levels: LevelState;
  /** Verified gain per domain of this block's update, ppm of evalSamples (empty without one). */
  readonly gainPpm: readonly number[];
  /** Whether this block's update grew the model (capacity growth, consensus poi/growth.ts). */
  readonly grew: boolean;
  /**
   * What the next block's coinbase owes this block's contributors (consensus connectBlock's
   * owedNext). Set when the block is connected; [] before, and for blocks without an update.
   */
  readonly owed: readonly Payout[];
}

/** The best-chain pointer ('R'). */
export interface ChainState {
  readonly tipHash: Hash;
  readonly height: number;
  readonly issued: bigint;
  readonly weight: bigint;
}

/** Stored layout version and the network it belongs to ('V'). */
export interface DbVersion {
  readonly version: number;
  readonly magic: number;
}
