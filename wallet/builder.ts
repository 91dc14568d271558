/**
 * Builds and signs a transaction from selected coins. Each input i is signed with BIP340 over
 *   sighash(magic, txid, spentOutputsHash(spent outputs), i)
 * using fresh auxiliary randomness. The result is checked before it is returned: the consensus
 * context-free rules (checkTx), the contextual rules against the spent coins at the next height
 * (checkTxInputs: maturity, keys, amounts, lock time) and every signature.
 */
import {
  type Coin,
  CoinView,
  checkTx,
  checkTxInputs,
  equalBytes,
  getPublicKey,
  hash160,
  type NetworkParams,
  type OutPoint,
  SCHNORR_AUX_LENGTH,
  sighash,
  sign,
  spentOutputsHash,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  type TxWithId,
  txid,
  verify,
  withId,
} from '../consensus/index.js';
import { WalletError } from './errors.js';

export interface BuilderInput {
  readonly prevout: OutPoint;
  /** The output being spent (value and lock). */
  readonly coin: Coin;
  /** The secret key for `coin.pubKeyHash` (called once, while signing). */
  readonly secretKey: () => Uint8Array;
}

export interface BuildArgs {
  readonly params: NetworkParams;
  readonly inputs: readonly BuilderInput[];
  /** Payment outputs, in order. */
  readonly outputs: readonly TxOutput[];
  /** Change output and where to insert it among the outputs (0..outputs.length). */
  readonly change: { readonly output: TxOutput; readonly position: number } | null;
  readonly lockTime: number;
  /** Height of the block the transaction is meant for (tip + 1), for the self-check. */
  readonly nextHeight: number;
  readonly random: (n: number) => Uint8Array;
}

export interface Built {
  readonly tx: Transaction;
  readonly withId: TxWithId;
  readonly fee: bigint;
  readonly changeIndex: number;
}

function internal(reason: string): WalletError {
  return new WalletError({ code: 'WALLET_INTERNAL', reason });
}

export function buildSignedTransaction(args: BuildArgs): Built {
  const { params } = args;
  const outputs = [...args.outputs];
  let changeIndex = -1;
  if (args.change) {
    changeIndex = Math.min(Math.max(args.change.position, 0), outputs.length);
    outputs.splice(changeIndex, 0, args.change.output);
  }
  const body: Transaction = {
    version: TX_VERSION,
    inputs: args.inputs.map((i) => ({ prevout: i.prevout })),
    outputs,
    lockTime: args.lockTime,
    witnesses: [],
  };
  const id = txid(body);
  const spentHash = spentOutputsHash(args.inputs.map((i) => i.coin));
  const witnesses = args.inputs.map((input, i) => {
    const sk = input.secretKey();
    const pubkey = getPublicKey(sk);
    if (!equalBytes(hash160(pubkey), input.coin.pubKeyHash)) {
      sk.fill(0);
      throw internal(`key for input ${i} does not match the coin`);
    }
    const msg = sighash(params.magic, id, spentHash, i);
    const sig = sign(msg, sk, args.random(SCHNORR_AUX_LENGTH));
    sk.fill(0);
    return { pubkey, sig };
  });
  const tx: Transaction = { ...body, witnesses };
  const t = withId(tx);

  // Self-check against the consensus rules.
  checkTx(tx, params, t.size);
  const view = new CoinView();
  for (const i of args.inputs) view.addCoin(i.prevout, i.coin);
  const res = checkTxInputs(t, view, args.nextHeight, params);
  for (const c of res.sigChecks)
    if (!verify(c.sig, c.msg, c.pubkey)) throw internal('signature check failed');
  return { tx, withId: t, fee: res.fee, changeIndex };
}
