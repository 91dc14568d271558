/**
 * Held-out accuracy of chain models, per domain: what the model has learnt, for reports (the
 * metrics' score gauge, the dashboard's score-by-height chart). Scoring one model takes tens of
 * milliseconds, so results are cached per (model hash, levels): a model only changes with a
 * verified update, and the math domain's score with its difficulty level.
 */
import { type Hash, toHex } from '../consensus/index.js';

export interface DomainScore {
  readonly domain: string;
  readonly correct: number;
  readonly total: number;
}

/** The part of a chain entry that fixes the held-out score: the model after it and the levels. */
export interface ScoredEntry {
  readonly modelHash: Hash;
  readonly levels: { readonly levels: readonly number[] };
}

export interface ModelScoresOptions {
  /** Distinct (model, levels) pairs remembered; default 512. */
  readonly cacheSize?: number;
}

export interface ModelScoresDeps {
  readonly chain: {
    readonly tip: ScoredEntry;
    getTipModel(): unknown;
    /** A stored model checkpoint by hash (any branch), or undefined. */
    getModel(modelHash: Hash): Promise<unknown>;
  };
  /** The evaluator's held-out scoring (training's NetworkEvaluator.heldOut). */
  heldOut(model: unknown, levels: readonly number[]): readonly DomainScore[];
}

export class ModelScores {
  private readonly cacheSize: number;
  /** Map order is use order (least recently used first). */
  private readonly cache = new Map<string, readonly DomainScore[]>();

  constructor(
    opts: ModelScoresOptions,
    private readonly deps: ModelScoresDeps,
  ) {
    this.cacheSize = opts.cacheSize ?? 512;
  }

  /** Scores of the best tip's model (in memory: never waits for the database). */
  ofTip(): readonly DomainScore[] {
    const tip = this.deps.chain.tip;
    return this.cached(tip) ?? this.remember(tip, this.deps.chain.getTipModel());
  }

  /** Scores of the model after `entry`; undefined when its checkpoint is not stored. */
  async of(entry: ScoredEntry): Promise<readonly DomainScore[] | undefined> {
    const hit = this.cached(entry);
    if (hit) return hit;
    const model = await this.deps.chain.getModel(entry.modelHash);
    return model === undefined ? undefined : this.remember(entry, model);
  }

  private cached(entry: ScoredEntry): readonly DomainScore[] | undefined {
    const key = keyOf(entry);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private remember(entry: ScoredEntry, model: unknown): readonly DomainScore[] {
    const scores = this.deps.heldOut(model, entry.levels.levels);
    this.cache.set(keyOf(entry), scores);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return scores;
  }
}

function keyOf(entry: ScoredEntry): string {
  return `${toHex(entry.modelHash)}:${entry.levels.levels.join(',')}`;
}
