/**
 * Federation: the life of a contributor's delta. A trainer signs it (signedDelta.ts), nodes
 * gossip and pool it (pool.ts), a mining node's proposer puts the pooled contributions into a
 * block's update (proposer.ts, scoring in buildProposal.ts), and every node combines them (combine.ts, consensus
 * Evaluator.combine) under the bounds and duplicate rule consensus enforces (bounds.ts,
 * duplicates.ts). A refused delta is a FederationError (errors.ts). aggregate.ts keeps the
 * sample-weighted and robust rules for experiments; blocks use rules.ts.
 */

export {
  AGGREGATION_RULES,
  type AggregateOptions,
  type AggregationRule,
  aggregateDeltas,
  type WeightedDelta,
} from './aggregate.js';
export { decodeContribution, MAX_CONTRIBUTION_DENSITY, maxContributionEntries } from './bounds.js';
export {
  buildProposal,
  type ProposalInput,
  type ProposalNote,
  type ProposalOutcome,
} from './buildProposal.js';
export { combineContributions } from './combine.js';
export {
  checkDuplicates,
  cosine,
  DUPLICATE_THRESHOLD_100,
  duplicateError,
  nearDuplicate,
  pairwiseDots,
  weightNorm,
} from './duplicates.js';
export { type DeltaRejectLevel, FederationError, type FederationErrorType } from './errors.js';
export { DeltaPool, type DeltaPoolDeps, type DeltaPoolOptions, type DeltaPoolStats } from './pool.js';
export {
  type Proposal,
  type ProposalContext,
  type ProposalScorer,
  type ProposerLogger,
  UpdateProposer,
  type UpdateProposerDeps,
  type UpdateProposerOptions,
} from './proposer.js';
export { FEDERATION_RULES, type FederationRule, federationRule, roundedMean } from './rules.js';
export {
  decodeSignedDelta,
  encodeSignedDelta,
  MAX_SIGNED_DELTA_BYTES,
  type SignDeltaInput,
  type SignedDelta,
  signDelta,
  signedDeltaSighash,
  toContribution,
  uniqueDeltas,
  type VerifiedDelta,
  verifySignedDelta,
} from './signedDelta.js';
