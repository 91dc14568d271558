/**
 * Parses `getmodelinfo` answers into DomainScores. The expected shape:
 * `{ modelversion, parameters, domains: [{ domain, level, heldout: { correct, total, accuracy } }] }`.
 */
import { z } from 'zod';
import type { DomainScore } from './types.js';

const scalar = z.union([z.number(), z.string()]);

const modelInfoSchema = z.object({
  modelversion: scalar,
  parameters: scalar,
  domains: z.array(
    z.object({
      domain: z.string().min(1),
      level: z.number().nullable(),
      heldout: z.object({
        correct: z.number().int().nonnegative(),
        total: z.number().int().nonnegative(),
        accuracy: z.number().min(0).max(1),
      }),
    }),
  ),
});

// LEGACY-GETMODELINFO: the pre-levels answer (`version`, and `domains` keyed by domain name with
// {correct, samples, accuracy}), accepted with level null so the soak runs on older nodes.
// Remove this schema and its use in parseModelInfo once every node answers the shape above.
const legacyModelInfoSchema = z.object({
  version: z.number(),
  domains: z.record(
    z.string(),
    z.object({ correct: z.number(), samples: z.number(), accuracy: z.number().min(0).max(1) }),
  ),
});

export interface ModelInfo {
  readonly modelVersion: number | string | null;
  readonly parameters: number | string | null;
  readonly domains: readonly DomainScore[];
  /** True when the answer had the legacy shape (see LEGACY-GETMODELINFO). */
  readonly legacy: boolean;
}

/** A getmodelinfo answer that matches neither shape. */
export class ModelInfoShapeError extends Error {
  override readonly name = 'ModelInfoShapeError';
}

export function parseModelInfo(raw: unknown): ModelInfo {
  const parsed = modelInfoSchema.safeParse(raw);
  if (parsed.success) {
    return {
      modelVersion: parsed.data.modelversion,
      parameters: parsed.data.parameters,
      domains: parsed.data.domains.map((d) => ({
        domain: d.domain,
        level: d.level,
        correct: d.heldout.correct,
        total: d.heldout.total,
        accuracy: d.heldout.accuracy,
      })),
      legacy: false,
    };
  }
  // LEGACY-GETMODELINFO: remove from here…
  const legacy = legacyModelInfoSchema.safeParse(raw);
  if (legacy.success) {
    return {
      modelVersion: legacy.data.version,
      parameters: null,
      domains: Object.entries(legacy.data.domains).map(([domain, d]) => ({
        domain,
        level: null,
        correct: d.correct,
        total: d.samples,
        accuracy: d.accuracy,
      })),
      legacy: true,
    };
  }
  // …to here.
  throw new ModelInfoShapeError(
    'getmodelinfo answered in an unexpected shape; expected { modelversion, parameters, domains: ' +
      '[{ domain, level, heldout: { correct, total, accuracy } }] }:\n' +
      `${z.prettifyError(parsed.error)}\nanswer: ${JSON.stringify(raw).slice(0, 2000)}`,
  );
}
