import { strict as assert } from 'node:assert';
import {
  type Coin,
  checkTx,
  checkTxInputs,
  devnetParams,
  type Transaction,
  TX_VERSION,
  withId,
} from '../../../../consensus/index.js';
import { keyPair, rejectReason, signTx, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const params = linearDevnet;
const alice = keyPair('alice');
const bob = keyPair('bob');
const op = (i: number) => ({ txid: new Uint8Array(32).fill(i + 1), index: i });

function tx(over: Partial<Transaction> = {}): Transaction {
  return {
    version: TX_VERSION,
    inputs: [{ prevout: op(0) }],
    outputs: [{ value: 10_000n, pubKeyHash: bob.pkh }],
    lockTime: 0,
    witnesses: [{ pubkey: alice.pk, sig: new Uint8Array(64) }],
    ...over,
  };
}

describe('transaction rules (context-free)', () => {
  it('accepts a well-formed transaction', () => {
    checkTx(tx(), params);
  });
  const cases: Array<[string, Partial<Transaction>, string]> = [
    ['unknown version', { version: 2 }, 'bad-txns-version'],
    ['witness count ≠ input count', { witnesses: [] }, 'bad-txns-witness-count'],
    ['no outputs', { outputs: [] }, 'bad-txns-vout-empty'],
    ['negative output', { outputs: [{ value: -1n, pubKeyHash: bob.pkh }] }, 'bad-txns-vout-negative'],
    [
      'output above the supply cap',
      { outputs: [{ value: params.maxSupply + 1n, pubKeyHash: bob.pkh }] },
      'bad-txns-vout-toolarge',
    ],
    [
      'outputs summing above the cap',
      {
        outputs: [
          { value: params.maxSupply, pubKeyHash: bob.pkh },
          { value: params.maxSupply, pubKeyHash: bob.pkh },
        ],
      },
      'bad-txns-txouttotal-toolarge',
    ],
    [
      'dust output',
      { outputs: [{ value: params.dustThreshold - 1n, pubKeyHash: bob.pkh }] },
      'bad-txns-dust',
    ],
    [
      'duplicate inputs',
      {
        inputs: [{ prevout: op(0) }, { prevout: op(0) }],
        witnesses: [
          { pubkey: alice.pk, sig: new Uint8Array(64) },
          { pubkey: alice.pk, sig: new Uint8Array(64) },
        ],
      },
      'bad-txns-inputs-duplicate',
    ],
  ];
  for (const [name, over, reason] of cases) {
    it(`rejects ${name} (${reason})`, async () => {
      assert.equal(await rejectReason(() => checkTx(tx(over), params)), reason);
    });
  }
  it('rejects an oversize transaction (bad-txns-oversize)', async () => {
    assert.equal(
      await rejectReason(() => checkTx(tx(), params, params.maxBlockSize + 1)),
      'bad-txns-oversize',
    );
  });
});

describe('transaction rules (contextual)', () => {
  const coin = (over: Partial<Coin> = {}): Coin => ({
    value: 50_000n,
    pubKeyHash: alice.pkh,
    height: 1,
    coinbase: false,
    ...over,
  });
  const source = (c: Coin | undefined) => ({ getCoin: () => c });
  const signed = (over: Partial<Transaction> = {}, spent: Coin = coin()) =>
    withId(
      signTx(
        {
          version: TX_VERSION,
          inputs: [{ prevout: op(0) }],
          outputs: [{ value: 40_000n, pubKeyHash: bob.pkh }],
          lockTime: 0,
          ...over,
        },
        [spent],
        [alice],
        params,
      ),
    );

  it('computes the fee and one signature check per input', () => {
    const r = checkTxInputs(signed(), source(coin()), 10, params);
    assert.equal(r.fee, 10_000n);
    assert.equal(r.sigChecks.length, 1);
  });
  it('rejects missing inputs (bad-txns-inputs-missingorspent), as context in the mempool', async () => {
    assert.equal(
      await rejectReason(() => checkTxInputs(signed(), source(undefined), 10, params)),
      'bad-txns-inputs-missingorspent',
    );
    try {
      checkTxInputs(signed(), source(undefined), 10, params, 'context');
    } catch (e) {
      assert.equal((e as { level: string }).level, 'context');
    }
  });
  it('rejects spending more than the inputs (bad-txns-in-belowout)', async () => {
    const t = signed({ outputs: [{ value: 50_001n, pubKeyHash: bob.pkh }] });
    assert.equal(
      await rejectReason(() => checkTxInputs(t, source(coin()), 10, params)),
      'bad-txns-in-belowout',
    );
  });
  it('rejects input values out of range (bad-txns-inputvalues-outofrange)', async () => {
    const huge = coin({ value: params.maxSupply + 1n });
    assert.equal(
      await rejectReason(() => checkTxInputs(signed({}, huge), source(huge), 10, params)),
      'bad-txns-inputvalues-outofrange',
    );
  });
  it('enforces coinbase maturity of 100 blocks exactly', async () => {
    const cb = coin({ coinbase: true, height: 5 });
    assert.equal(
      await rejectReason(() => checkTxInputs(signed({}, cb), source(cb), 104, params)),
      'bad-txns-premature-spend-of-coinbase',
    );
    checkTxInputs(signed({}, cb), source(cb), 105, params);
  });
  it('rejects a key that does not hash to the output (bad-txns-pubkey-mismatch)', async () => {
    const c = coin({ pubKeyHash: bob.pkh });
    assert.equal(
      await rejectReason(() => checkTxInputs(signed({}, c), source(c), 10, params)),
      'bad-txns-pubkey-mismatch',
    );
  });
  it('rejects a transaction that is not final (bad-txns-nonfinal)', async () => {
    assert.equal(
      await rejectReason(() => checkTxInputs(signed({ lockTime: 10 }), source(coin()), 10, params)),
      'bad-txns-nonfinal',
    );
    checkTxInputs(signed({ lockTime: 9 }), source(coin()), 10, params);
  });
  it('rejects a coinbase offered as a normal transaction (bad-txns-vin-empty)', async () => {
    const cb = withId({
      version: 1,
      inputs: [],
      outputs: [{ value: 1n, pubKeyHash: bob.pkh }],
      lockTime: 3,
      witnesses: [],
    });
    assert.equal(
      await rejectReason(() => checkTxInputs(cb, source(coin()), 10, params)),
      'bad-txns-vin-empty',
    );
  });
  it('signature hash commits to the spent amount (a lie about the input value breaks the signature)', async () => {
    // Signed believing the input is worth 50,000; the real coin is worth 60,000.
    const t = signed({}, coin());
    const real = coin({ value: 60_000n });
    const r = checkTxInputs(t, source(real), 10, params);
    const c = new TestChain();
    assert.equal(await c.verifier.verifyBatch(r.sigChecks), 0);
    const ok = checkTxInputs(t, source(coin()), 10, params);
    assert.equal(await c.verifier.verifyBatch(ok.sigChecks), -1);
  });
});
