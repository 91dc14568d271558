import { strict as assert } from 'node:assert';
import { TestChain } from '../../../utils/chainBuilder.js';

describe('consensus smoke', () => {
  it('mines past maturity and spends a coinbase', async () => {
    const c = new TestChain();
    for (let i = 0; i < 101; i++) await c.mine();
    const from = c.coinbaseOutpoint(1);
    const tx = c.spend(from, [{ value: from.coin.value - 1000n, pubKeyHash: c.miner.pkh }]);
    await c.mine({ txs: [tx], fees: 1000n });
    assert.equal(c.height, 102);
  });
});
