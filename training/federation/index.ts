/** Public API of federation: combining a block's contributions (consensus Evaluator.combine). */
export { decodeContribution, maxContributionEntries } from './bounds.js';
export { combineContributions } from './combine.js';
export {
  checkDuplicates,
  cosine,
  DUPLICATE_THRESHOLD_100,
  nearDuplicate,
  pairwiseDots,
  weightNorm,
} from './duplicates.js';
export { FEDERATION_RULES, type FederationRule, federationRule, roundedMean } from './rules.js';
