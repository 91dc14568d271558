/** Mempool.testAccept (testmempoolaccept): every accept check, nothing added, orphaned or announced. */
import { strict as assert } from 'node:assert';
import { devnetParams, nobleVerifier, toHex, txid } from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { Mempool, MempoolError } from '../../../../node/mempool/index.js';
import { keyPair, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';
import { ChainAdapter, coinbaseOf, outputOf, pay, type Spendable } from './helpers.js';

const alice = keyPair('test-accept-alice');

async function reasonOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MempoolError);
    return e.reason;
  }
  assert.fail('expected a rejection');
}

describe('node/mempool testAccept', function () {
  this.timeout(60_000);
  let chain: ChainAdapter;
  let mature: Spendable[];

  before(async () => {
    const tc = new TestChain(linearParams(devnetParams));
    chain = new ChainAdapter(tc);
    for (let i = 0; i < 102; i++) await chain.connect(tc.buildBlock());
    mature = [coinbaseOf(tc, 1), coinbaseOf(tc, 2)];
  });

  it('returns what accept would, and leaves the pool, its orphans and its listeners untouched', async () => {
    const mp = new Mempool(
      { maxSizeBytes: 1_000_000, minFeeRate: 1n },
      { chain, verifier: nobleVerifier, logger: silentLogger },
    );
    let events = 0;
    mp.on('tx', () => events++);
    const tx = pay(mature[0]!, alice, 1_700n);
    const r = await mp.testAccept(tx);
    assert.deepEqual([r.txid, r.fee, r.size], [toHex(txid(tx)), 1_700n, 170]);
    assert.equal(mp.size, 0);
    assert.equal(events, 0);
    // a child of a transaction not in the pool: missing inputs, and not kept as an orphan
    const child = pay(outputOf(tx, 0, alice), alice, 1_000n);
    assert.equal(await reasonOf(mp.testAccept(child)), 'missing-inputs');
    assert.equal(mp.orphanCount, 0);
    // the same checks as accept: a fee below the minimum, a duplicate
    assert.equal(await reasonOf(mp.testAccept(pay(mature[1]!, alice, 10n))), 'min relay fee not met');
    await mp.accept(tx);
    assert.equal(await reasonOf(mp.testAccept(tx)), 'txn-already-in-mempool');
    assert.deepEqual((await mp.testAccept(child)).txid, toHex(txid(child)));
    assert.equal(mp.size, 1);
  });
});
