/** Wallet.signTransaction: signs the wallet's inputs of any transaction, keeps the others' witnesses. */
import { strict as assert } from 'node:assert';
import {
  CoinView,
  checkTxInputs,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  txid,
  verify,
  withId,
} from '../../../consensus/index.js';
import { decodeAddress, Wallet } from '../../../wallet/index.js';
import { keyPair, signTx } from '../../utils/chainBuilder.js';
import { MNEMONIC_A, params, walletCode } from './helpers.js';

const ZERO_WITNESS = { pubkey: new Uint8Array(32), sig: new Uint8Array(64) };
const other = keyPair('sign-other');

function unsigned(n: number): Transaction {
  return {
    version: TX_VERSION,
    inputs: Array.from({ length: n }, (_v, i) => ({
      prevout: { txid: new Uint8Array(32).fill(i + 1), index: i },
    })),
    outputs: [{ value: 1_000n, pubKeyHash: other.pkh }],
    lockTime: 0,
    witnesses: Array.from({ length: n }, () => ZERO_WITNESS),
  };
}

describe('wallet: signing a given transaction', () => {
  it("signs its own inputs, leaves others' as they were, and says which witnesses verify", async () => {
    const w = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    const mine: TxOutput = { value: 5_000n, pubKeyHash: decodeAddress(w.getNewAddress(), params) };
    const theirs: TxOutput = { value: 7_000n, pubKeyHash: other.pkh };
    const tx = unsigned(2);
    const r = w.signTransaction(tx, [mine, theirs]);
    assert.deepEqual(r.valid, [true, false]);
    assert.deepEqual(txid(r.tx), txid(tx));
    assert.deepEqual(r.tx.witnesses[1], ZERO_WITNESS);
    // the other party signs its input; the wallet's signature stays valid (it commits to both coins)
    const both = signTx(tx, [mine, theirs], [other, other], params);
    const merged = { ...r.tx, witnesses: [r.tx.witnesses[0]!, both.witnesses[1]!] };
    const again = w.signTransaction(merged, [mine, theirs]);
    assert.deepEqual(again.valid, [true, true]);
    // and consensus agrees
    const view = new CoinView();
    view.addCoin(tx.inputs[0]!.prevout, { ...mine, height: 1, coinbase: false });
    view.addCoin(tx.inputs[1]!.prevout, { ...theirs, height: 1, coinbase: false });
    const checks = checkTxInputs(withId(again.tx), view, 10, params).sigChecks;
    assert.ok(checks.every((c) => verify(c.sig, c.msg, c.pubkey)));
  });

  it('a kept witness signed over other spent outputs does not verify; a locked wallet signs nothing', async () => {
    const w = (await Wallet.create({ mnemonic: MNEMONIC_A }, { params })).wallet;
    const theirs: TxOutput = { value: 7_000n, pubKeyHash: other.pkh };
    const signed = signTx(unsigned(1), [theirs], [other], params);
    assert.deepEqual(w.signTransaction(signed, [theirs]).valid, [true]);
    assert.deepEqual(w.signTransaction(signed, [{ ...theirs, value: 8_000n }]).valid, [false]);
    const watching = Wallet.watchOnly(w.exportXpub(), {}, { params });
    assert.equal(
      walletCode(() => watching.signTransaction(signed, [theirs])),
      'WALLET_LOCKED',
    );
  });
});
