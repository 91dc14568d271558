/**
 * The difficulty levels of generated domains are chain state: computed per block, stored with the
 * block's entry, restored by a reorg and re-derived by verifychain.
 */
import { strict as assert } from 'node:assert';
import {
  type Evaluator,
  equalBytes,
  initialLevelState,
  type LevelState,
  levelStateAfter,
  type NetworkParams,
} from '../../../../consensus/index.js';
import { Chain } from '../../../../node/chain/index.js';
import { ChainDb } from '../../../../node/db/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { type LinearModel, linearEvaluator } from '../../../../training/index.js';
import type { TestChain } from '../../../utils/chainBuilder.js';
import { blocksAbove, buildBase, CLOCK, CountingVerifier, feed, forkAt, P } from './helpers.js';

/** Checks every 2 blocks; a level rises after 2 passes in a row. */
const params: NetworkParams = Object.freeze({ ...P, levelWindow: 2, levelHoldChecks: 2 });

/** The linear evaluator with one leveled domain whose check passes when the seed's first byte is even. */
const leveled: Evaluator<LinearModel> = {
  ...linearEvaluator,
  maxLevels: [5],
  levelCheck: (_m, seed, count) => [seed[0]! % 2 === 0 ? count : 0],
};

/** The level state after each block of `tc`, replayed with the consensus function. */
function replay(tc: TestChain): LevelState {
  let s = initialLevelState(1);
  for (const e of tc.entries.slice(1))
    s = levelStateAfter(leveled, s, e.height, e.block.hash, () => e.model, params);
  return s;
}

describe('node/chain level state', () => {
  it('stores each block’s levels, restores them on a reorg and after a restart, and verifychain re-derives them', async () => {
    const base = await buildBase(10, params);
    const db = new ChainDb({ backend: 'memory' });
    const open = async (): Promise<Chain<LinearModel>> => {
      const chain = new Chain<LinearModel>(
        {},
        {
          db,
          params,
          evaluator: leveled,
          verifier: new CountingVerifier(),
          logger: silentLogger,
          clock: CLOCK,
        },
      );
      await chain.start();
      return chain;
    };
    let chain = await open();
    await feed(chain, blocksAbove(base, 0));
    const a = forkAt(base, 10);
    for (let i = 0; i < 30; i++) await a.mine();
    await feed(chain, blocksAbove(a, 10));
    const levelsA = replay(a);
    assert.deepEqual(chain.tip.levels, levelsA);
    assert.ok(levelsA.levels[0]! > 0, 'some level rose on branch A');

    // A heavier branch B from height 4 with other block hashes, hence other level checks.
    const b = forkAt(base, 4);
    for (let i = 0; i < 40; i++) await b.mine({ time: b.tip.block.block.header.time + 7 });
    let levelsB = replay(b);
    if (levelsB.levels[0] === levelsA.levels[0] && levelsB.streaks[0] === levelsA.streaks[0]) {
      await b.mine({ time: b.tip.block.block.header.time + 7 });
      levelsB = replay(b);
    }
    assert.notDeepEqual(levelsB, levelsA, 'the branches end at different level states');
    await feed(chain, blocksAbove(b, 4));
    assert.ok(equalBytes(chain.tip.hash, b.tip.block.hash));
    assert.deepEqual(chain.tip.levels, levelsB);
    for (const e of b.entries.slice(1)) {
      const partial = forkAt(b, e.height);
      assert.deepEqual(chain.getEntry(e.block.hash)?.levels, replay(partial), `levels at height ${e.height}`);
    }
    const report = await chain.verifyChain();
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.blocksChecked, chain.tip.height);

    // After a restart the tip's level state comes back from the database.
    await chain.stop();
    chain = await open();
    assert.deepEqual(chain.tip.levels, levelsB);
    // Branch A's entries stay stored as a side branch, with their own levels.
    assert.deepEqual(chain.getEntry(a.tip.block.hash)?.levels, levelsA);
    await chain.stop();
  });

  it('relays a plain block at a level-check height before its check; elsewhere, and without leveled domains, validates first', async () => {
    const base = await buildBase(5, params); // tip at height 5: its child (6) is a check height
    const open = async (evaluator: Evaluator<LinearModel>): Promise<Chain<LinearModel>> => {
      const chain = new Chain<LinearModel>(
        {},
        {
          db: new ChainDb({ backend: 'memory' }),
          params,
          evaluator,
          verifier: new CountingVerifier(),
          logger: silentLogger,
          clock: CLOCK,
        },
      );
      await chain.start();
      await feed(chain, blocksAbove(base, 0));
      return chain;
    };
    const check = forkAt(base, 5).buildBlock();
    const plain = forkAt(base, 4).buildBlock(); // height 5: no check
    const withLevels = await open(leveled);
    const without = await open(linearEvaluator);
    try {
      assert.equal(withLevels.relayBeforeValidation(check.block), true);
      assert.equal(withLevels.relayBeforeValidation(plain.block), false, 'not a check height');
      assert.equal(without.relayBeforeValidation(check.block), false, 'no leveled domain: nothing to check');
      assert.equal((await withLevels.processBlock(check.block)).status, 'connected');
    } finally {
      await withLevels.stop();
      await without.stop();
    }
  });
});
