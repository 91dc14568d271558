/**
 * The training values the node's settings are checked against: the default and the bound of a
 * delta's density and the names of the aggregation rules. A module that imports nothing, so that
 * node/config (and with it every `qenex rpc` call) reads them without loading the training code
 * (docs/architecture.md, "Leaf modules"). What they mean is told where they are used:
 * compress.ts, federation/bounds.ts and federation/rules.ts, which export them too.
 */

/** Share of each weight tensor a compressed delta carries (top-k by magnitude; compress.ts). */
export const DEFAULT_DELTA_DENSITY = 1 / 128;

/**
 * Largest share of a weight tensor a contribution may carry (twice DEFAULT_DELTA_DENSITY;
 * federation/bounds.ts).
 */
export const MAX_CONTRIBUTION_DENSITY = 1 / 64;

/** The aggregation rules; ModelUpdate.rule is an index into this list (federation/rules.ts). */
export const FEDERATION_RULES = ['sparse-mean', 'mean'] as const;
export type FederationRule = (typeof FEDERATION_RULES)[number];
