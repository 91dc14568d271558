/**
 * The score chart's data: the held-out accuracy per domain of the best chain's model, at every
 * height where it changed (a verified model update, or a new difficulty level for a generated
 * domain), from genesis or the last `maxPoints` changes, plus the tip.
 */
import { equalBytes, type Hash, toHex } from '../../consensus/index.js';
import type { ModelScores } from '../modelScores.js';

export interface ScorePoint {
  readonly height: number;
  readonly modelHash: string;
  /** Held-out accuracy (0..1) by domain name. */
  readonly accuracy: Readonly<Record<string, number>>;
}

interface HistoryEntry {
  readonly height: number;
  readonly modelHash: Hash;
  readonly levels: { readonly levels: readonly number[] };
}

export interface ScoreHistoryDeps {
  readonly chain: {
    readonly tip: HistoryEntry;
    getEntryByHeight(height: number): HistoryEntry | undefined;
  };
  readonly scores: Pick<ModelScores, 'of'>;
}

function changed(e: HistoryEntry, parent: HistoryEntry): boolean {
  return !equalBytes(e.modelHash, parent.modelHash) || e.levels.levels.join() !== parent.levels.levels.join();
}

export class ScoreHistory {
  constructor(
    private readonly opts: { readonly maxPoints: number },
    private readonly deps: ScoreHistoryDeps,
  ) {}

  /** Points in height order. A model whose checkpoint is not stored (pruned) is left out. */
  async points(): Promise<ScorePoint[]> {
    const { chain, scores } = this.deps;
    const tip = chain.tip;
    const marks: HistoryEntry[] = [tip];
    // Walk down from the tip: the entry list is in memory, only changed models get scored.
    let child = tip;
    for (let h = tip.height - 1; h >= 0 && marks.length <= this.opts.maxPoints; h--) {
      const e = chain.getEntryByHeight(h);
      if (!e) break;
      if (changed(child, e) && marks.at(-1) !== child) marks.push(child);
      if (h === 0) marks.push(e);
      child = e;
    }
    const out: ScorePoint[] = [];
    for (const e of marks.reverse()) {
      const s = await scores.of(e);
      if (!s) continue;
      const accuracy: Record<string, number> = {};
      for (const d of s) accuracy[d.domain] = d.total > 0 ? d.correct / d.total : 0;
      out.push({ height: e.height, modelHash: toHex(e.modelHash), accuracy });
    }
    return out;
  }
}
