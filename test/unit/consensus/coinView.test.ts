import { strict as assert } from 'node:assert';
import { CoinView, decodeUndo, encodeUndo, MemoryUtxoSet } from '../../../consensus/index.js';
import { TestChain } from '../../utils/chainBuilder.js';

describe('UTXO set apply/undo', () => {
  it('undo restores the exact previous UTXO set, block by block, back to genesis', async () => {
    const c = new TestChain();
    for (let i = 0; i < 105; i++) await c.mine();
    for (let h = 1; h <= 4; h++) {
      const from = c.coinbaseOutpoint(h);
      await c.mine({
        txs: [c.spend(from, [{ value: from.coin.value - 2000n, pubKeyHash: c.miner.pkh }])],
        fees: 2000n,
      });
    }
    // replay into a fresh set collecting undo data and snapshots
    const set = new MemoryUtxoSet();
    const snaps: string[] = [JSON.stringify(set.snapshot(), big)];
    const undos = [];
    for (const e of c.entries.slice(1)) {
      const u = set.apply(e.block, e.height);
      undos.push(decodeUndo(encodeUndo(u)));
      snaps.push(JSON.stringify(set.snapshot(), big));
    }
    assert.equal(JSON.stringify(set.snapshot(), big), JSON.stringify(c.utxo.snapshot(), big));
    for (let i = c.entries.length - 1; i >= 1; i--) {
      set.undo(c.entries[i]!.block, undos[i - 1]!);
      assert.equal(JSON.stringify(set.snapshot(), big), snaps[i - 1], `after undoing block ${i}`);
    }
    assert.equal(set.size, 0);
  });

  it('a view overlays spends and additions without touching its source', () => {
    const set = new MemoryUtxoSet();
    const view = new CoinView(set);
    const op = { txid: new Uint8Array(32).fill(1), index: 0 };
    view.addCoin(op, { value: 5n, pubKeyHash: new Uint8Array(20), height: 1, coinbase: false });
    assert.equal(view.getCoin(op)?.value, 5n);
    assert.equal(set.getCoin(op), undefined);
    assert.equal(view.spendCoin(op)?.value, 5n);
    assert.equal(view.spendCoin(op), undefined, 'a coin can be spent once');
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}
