/**
 * The aggregation rules a block's contributions are combined with (ModelUpdate.rule is an index
 * into FEDERATION_RULES). Per coordinate, over the n contributions:
 *   sparse-mean (0)  Σ dᵢ / #{i : dᵢ ≠ 0}: the mean over the contributions that sent the
 *                    coordinate (a compressed delta leaves a coordinate out because its trainer
 *                    holds it back for later, not because it learnt 0 there);
 *   mean (1)         Σ dᵢ / n.
 * Neither reads the reported sample counts: a count is the payee's own claim. Integer arithmetic
 * only: the quotient s / k is rounded half away from zero, sign(s)·⌊(2|s| + k) / (2k)⌋, then
 * clamped to the delta bounds; applying it saturates like applyModelDelta.
 */
import { VerdictError } from '../../consensus/index.js';
import { FEDERATION_RULES, type FederationRule } from '../constants.js';

/** The rules by id (defined in constants.ts, which node/config reads without the training code). */
export { FEDERATION_RULES, type FederationRule };

/** The rule with id `id`; VerdictError('bad-model-rule') for an unknown id. */
export function federationRule(id: number): FederationRule {
  const rule = Number.isInteger(id) ? FEDERATION_RULES[id] : undefined;
  if (rule === undefined) {
    throw new VerdictError(
      'bad-model-rule',
      `aggregation rule ${id} is unknown (known: ${FEDERATION_RULES.map((r, i) => `${i} ${r}`).join(', ')})`,
    );
  }
  return rule;
}

/**
 * s / k (k ≥ 1) rounded half away from zero, clamped to ±max. Exact: |s| ≤ 2^31 and k ≤ 2^16
 * keep every intermediate far inside the doubles' integer range.
 */
export function roundedMean(s: number, k: number, max: number): number {
  const q = s >= 0 ? Math.floor((2 * s + k) / (2 * k)) : 0 - Math.floor((-2 * s + k) / (2 * k));
  return q > max ? max : q < -max ? -max : q;
}
