/**
 * Difficulty levels of generated domains, retargeted like proof of work.
 *
 * Chain state, per block: each leveled domain's level and its streak of passing checks. At every
 * height that is a multiple of `levelWindow`, the model after that block is checked on
 * `levelCheckSamples` tasks of each leveled domain at the current level, drawn from
 * levelSeed(blockHash); a domain passes when correct · 1000 ≥ levelBoundPermille · samples. After
 * `levelHoldChecks` consecutive passes (the domain held above the bound for that many windows)
 * its level rises by one (up to the evaluator's maximum) and the streak restarts; a failed check
 * resets the streak. Every other block inherits its parent's state.
 *
 * The state after a block depends on that block's own hash (the check's seed), so no block
 * commits to its own level state: the state after the parent is what a child's update is scored
 * at, and what the update must name (ModelUpdate.levels, checked in poi/improvement.ts). Parent
 * and child models are always scored at the same level. A reorg restores the state with the
 * block entries it belongs to.
 */
import type { NetworkParams } from '../params/types.js';
import { type Hash, taggedHash } from '../primitives/hash.js';
import type { Evaluator } from './evaluator.js';

export interface LevelState {
  /** Level of each leveled domain (0 = easiest). */
  readonly levels: readonly number[];
  /** Consecutive passing checks at the current level, per domain. */
  readonly streaks: readonly number[];
}

export function initialLevelState(domains: number): LevelState {
  return { levels: new Array(domains).fill(0), streaks: new Array(domains).fill(0) };
}

/** True at the heights where the level check runs. */
export function isLevelCheckHeight(height: number, params: NetworkParams): boolean {
  return height > 0 && height % params.levelWindow === 0;
}

/** Seed of the level check at a block. */
export function levelSeed(blockHash: Hash): Hash {
  return taggedHash('qenex/level-seed', blockHash);
}

/** Whether a check of `correct` right answers out of `samples` passes the bound. */
export function levelCheckPasses(correct: number, samples: number, params: NetworkParams): boolean {
  return correct * 1000 >= params.levelBoundPermille * samples;
}

/**
 * The state after a level-check block, from the state before it and the check's correct counts
 * (one per leveled domain, each out of params.levelCheckSamples).
 */
export function nextLevelState(
  prev: LevelState,
  correct: readonly number[],
  maxLevels: readonly number[],
  params: NetworkParams,
): LevelState {
  const levels: number[] = [];
  const streaks: number[] = [];
  prev.levels.forEach((level, d) => {
    const passed = levelCheckPasses(correct[d] ?? 0, params.levelCheckSamples, params);
    const streak = passed ? (prev.streaks[d] ?? 0) + 1 : 0;
    if (streak >= params.levelHoldChecks && level < (maxLevels[d] ?? 0)) {
      levels.push(level + 1);
      streaks.push(0);
    } else {
      levels.push(level);
      streaks.push(Math.min(streak, params.levelHoldChecks));
    }
  });
  return { levels, streaks };
}

export function sameLevelState(a: LevelState, b: LevelState): boolean {
  return sameLevels(a.levels, b.levels) && sameLevels(a.streaks, b.streaks);
}

export function sameLevels(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The level state after the block `blockHash` at `height` whose model (after the block) is
 * `model()`: the parent's state, except at a level-check height. `model` is only called there.
 */
export function levelStateAfter<M>(
  evaluator: Evaluator<M>,
  parent: LevelState,
  height: number,
  blockHash: Hash,
  model: () => M,
  params: NetworkParams,
): LevelState {
  if (!isLevelCheckHeight(height, params) || evaluator.maxLevels.length === 0) return parent;
  const correct = evaluator.levelCheck(
    model(),
    levelSeed(blockHash),
    params.levelCheckSamples,
    parent.levels,
  );
  return nextLevelState(parent, correct, evaluator.maxLevels, params);
}
