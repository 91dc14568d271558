/**
 * What the federation experiments (longRounds.ts, chainSim.ts, lossSignificance.ts) share: their
 * `--name value` options, the largest model, and a base trained from it on shard 0 of 3 (whole
 * deltas, seed 'exp/warm', so that every experiment starts from the same model).
 */
import { LocalTrainer, type NetworkModel, networkEvaluator } from '../../training/index.js';

/** The value after `--name` on the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

/** `model` grown by every consensus growth step of every head. */
export function fullyGrown(model: NetworkModel): NetworkModel {
  let m = model;
  for (const d of [0, 1]) for (let g = networkEvaluator.grow(m, d); g; g = networkEvaluator.grow(m, d)) m = g;
  return m;
}

/** `start` trained `samples` samples on shard 0 of 3 at `levels` (the experiments' base). */
export function warmedBase(start: NetworkModel, levels: readonly number[], samples: number): NetworkModel {
  if (samples <= 0) return start;
  const w = new LocalTrainer({ shard: { index: 0, count: 3 }, seed: 'exp/warm', deltaDensity: null });
  w.setBase(start, levels);
  w.train(samples);
  return w.currentModel();
}
