import { strict as assert } from 'node:assert';
import {
  devnetParams,
  mainParams,
  maxBlockWeight,
  testParams,
  workFromBits,
} from '../../../consensus/index.js';
import { boundAt, extendBound, refuseBranch } from '../../../p2p/branchPolicy.js';

describe('p2p branch policy', () => {
  const W = workFromBits(devnetParams.powLimitBits);
  const policy = { minChainWeight: 0n, maxLightForkDepth: 10 };
  /** Our tip: height 30, 31 blocks of work W without improvement. */
  const tip = { hash: new Uint8Array(32), height: 30, weight: 31n * W };

  it('a header bounds its block at twice its work (the improvement cap)', () => {
    assert.equal(maxBlockWeight(devnetParams.powLimitBits, devnetParams), 2n * W);
    const b = extendBound(
      boundAt({ height: 5, weight: 6n * W, forkHeight: 5, invalid: false }),
      [{ bits: 0x207fffff }],
      devnetParams,
    );
    assert.deepEqual(b, { forkHeight: 5, maxWeight: 8n * W });
  });

  it('fetches a branch extending the tip, or forking within maxLightForkDepth, light or not', () => {
    assert.equal(refuseBranch({ forkHeight: 30, maxWeight: 33n * W }, tip, policy), null);
    // 10 blocks deep, one header: cannot outweigh the tip yet, but shallow enough to keep.
    assert.equal(refuseBranch({ forkHeight: 20, maxWeight: 23n * W }, tip, policy), null);
  });

  it('refuses a branch forking deeper that cannot outweigh the tip (a tie keeps the tip)', () => {
    const deep = refuseBranch({ forkHeight: 19, maxWeight: 31n * W }, tip, policy);
    assert.equal(deep?.reason, 'light-deep-fork');
    assert.match(deep!.detail, /forks 11 blocks below the tip/);
    assert.equal(
      refuseBranch({ forkHeight: 0, maxWeight: 31n * W + 1n }, tip, policy),
      null,
      'heavier: fetched',
    );
  });

  it('refuses any branch that cannot reach the minimum chain weight', () => {
    const min = { minChainWeight: 100n * W, maxLightForkDepth: 10 };
    assert.equal(refuseBranch({ forkHeight: 30, maxWeight: 99n * W }, tip, min)?.reason, 'below-min-weight');
    assert.equal(refuseBranch({ forkHeight: 30, maxWeight: 100n * W }, tip, min), null);
  });

  it('networks: main and test demand a launch minimum, devnet none', () => {
    for (const p of [mainParams, testParams]) {
      assert.equal(p.minChainWeight, 120n * workFromBits(p.powLimitBits));
      assert.equal(p.maxLightForkDepth, 6);
    }
    assert.equal(devnetParams.minChainWeight, 0n);
    assert.equal(devnetParams.maxLightForkDepth, 10);
  });
});
