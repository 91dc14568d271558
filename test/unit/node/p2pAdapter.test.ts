import { strict as assert } from 'node:assert';
import { p2pChain } from '../../../node/p2pAdapter.js';
import { keyPair } from '../../utils/chainBuilder.js';
import { blocksAbove, buildBase, feed, forkAt, openChain } from './chain/helpers.js';

describe('node p2p adapter', () => {
  it('places stored blocks for the branch policy: height, weight and fork height', async () => {
    const { chain, db } = await openChain();
    const base = await buildBase(6);
    await feed(chain, blocksAbove(base, 0));
    // A side branch of two blocks from height 3.
    const side = forkAt(base, 3);
    await side.mine({ miner: keyPair('side') });
    await side.mine({ miner: keyPair('side') });
    assert.deepEqual(await feed(chain, blocksAbove(side, 3)), ['side', 'side']);
    const adapter = p2pChain(chain, db);
    const tip = chain.tip;
    assert.deepEqual(adapter.blockPlace(tip.hash), {
      height: 6,
      weight: tip.weight,
      forkHeight: 6,
      invalid: false,
    });
    const sideTip = chain.getEntry(side.tip.block.hash)!;
    assert.deepEqual(adapter.blockPlace(sideTip.hash), {
      height: 5,
      weight: sideTip.weight,
      forkHeight: 3,
      invalid: false,
    });
    assert.equal(adapter.blockPlace(new Uint8Array(32)), undefined);
    // headers after a locator: the best chain's, in order, from the first locator hash on it
    const best = blocksAbove(base, 0);
    const after2 = await adapter.getHeadersAfter([sideTip.hash, chain.getEntryByHeight(2)!.hash], 3);
    assert.deepEqual(
      after2,
      best.slice(2, 5).map((b) => b.block.header),
    );
    assert.deepEqual(await adapter.getHeadersAfter([tip.hash], 10), []);
    // A block that failed validation is placed, and marked invalid (a sync session does not take
    // a claim of it as proven).
    const tc = forkAt(base, 6);
    const from = tc.coinbaseOutpoint(3);
    const tx = tc.spend(from, [{ value: from.coin.value - 1000n, pubKeyHash: tc.miner.pkh }]);
    const bad = tc.buildBlock({ txs: [tx], coinbaseTotal: 50n * 100_000_000n + 1000n + 1n });
    await assert.rejects(chain.processBlock(bad.block));
    assert.deepEqual(adapter.blockPlace(bad.hash), {
      height: 7,
      weight: chain.getEntry(bad.hash)!.weight,
      forkHeight: 6,
      invalid: true,
    });
    await chain.stop();
  });
});
