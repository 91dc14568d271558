import { strict as assert } from 'node:assert';
import {
  devnetParams,
  type Evaluator,
  initialLevelState,
  isLevelCheckHeight,
  type LevelState,
  levelCheckPasses,
  levelStateAfter,
  nextLevelState,
  sha256d,
  toHex,
} from '../../../../consensus/index.js';

const p = devnetParams; // window 60, 2,048 samples, bound 900‰, hold 2
const pass = Math.ceil((p.levelBoundPermille * p.levelCheckSamples) / 1000);

describe('difficulty levels of generated domains', () => {
  it('checks only at multiples of the window', () => {
    assert.deepEqual(
      [0, 1, 59, 60, 61, 120].map((h) => isLevelCheckHeight(h, p)),
      [false, false, false, true, false, true],
    );
  });

  it('a check passes at the bound exactly', () => {
    assert.equal(levelCheckPasses(pass, p.levelCheckSamples, p), true);
    assert.equal(levelCheckPasses(pass - 1, p.levelCheckSamples, p), false);
  });

  it('rises after levelHoldChecks consecutive passes, and a failure resets the streak', () => {
    let s: LevelState = initialLevelState(1);
    s = nextLevelState(s, [pass], [7], p);
    assert.deepEqual(s, { levels: [0], streaks: [1] });
    s = nextLevelState(s, [pass - 1], [7], p);
    assert.deepEqual(s, { levels: [0], streaks: [0] }, 'a failed check resets the streak');
    s = nextLevelState(s, [pass], [7], p);
    s = nextLevelState(s, [p.levelCheckSamples], [7], p);
    assert.deepEqual(s, { levels: [1], streaks: [0] });
  });

  it('never rises past the evaluator maximum', () => {
    let s: LevelState = { levels: [7], streaks: [1] };
    s = nextLevelState(s, [p.levelCheckSamples], [7], p);
    assert.deepEqual(s.levels, [7]);
  });

  it('levelStateAfter scores the model only at a check height, at the parent level, on the block seed', () => {
    const calls: Array<{ seed: string; levels: readonly number[]; count: number }> = [];
    const ev = {
      maxLevels: [7],
      levelCheck: (_m: unknown, seed: Uint8Array, count: number, levels: readonly number[]) => {
        calls.push({ seed: toHex(seed), levels, count });
        return [p.levelCheckSamples];
      },
    } as unknown as Evaluator<number>;
    const parent: LevelState = { levels: [2], streaks: [1] };
    const hash = sha256d(Uint8Array.of(9));
    assert.equal(
      levelStateAfter(ev, parent, 61, hash, () => 0, p),
      parent,
    );
    assert.equal(calls.length, 0);
    assert.deepEqual(
      levelStateAfter(ev, parent, 120, hash, () => 0, p),
      { levels: [3], streaks: [0] },
    );
    assert.deepEqual(calls[0]!.levels, [2]);
    assert.equal(calls[0]!.count, p.levelCheckSamples);
    // another block hash gives another seed
    levelStateAfter(ev, parent, 120, sha256d(Uint8Array.of(10)), () => 0, p);
    assert.notEqual(calls[1]!.seed, calls[0]!.seed);
  });
});
