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
  type Hash,
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
  type Witness,
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
    const w = witnessFor(sighash(params.magic, id, spentHash, i), input.coin, input.secretKey, args.random);
    if (!w) throw internal(`key for input ${i} does not match the coin`);
    return w;
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

/** Input witness by the key `secretKey` yields (wiped after use); undefined if it does not lock `coin`. */
function witnessFor(
  msg: Hash,
  coin: TxOutput,
  secretKey: () => Uint8Array,
  random: (n: number) => Uint8Array,
): Witness | undefined {
  const sk = secretKey();
  try {
    const pubkey = getPublicKey(sk);
    if (!equalBytes(hash160(pubkey), coin.pubKeyHash)) return undefined;
    return { pubkey, sig: sign(msg, sk, random(SCHNORR_AUX_LENGTH)) };
  } finally {
    sk.fill(0);
  }
}

export interface SignInputsArgs {
  readonly params: NetworkParams;
  readonly tx: Transaction;
  /** The output each input spends, in input order: every signature commits to all of them. */
  readonly spent: readonly TxOutput[];
  /** The secret key for the coin input `i` spends, when the signer holds it. */
  readonly keyFor: (coin: TxOutput, i: number) => (() => Uint8Array) | undefined;
  readonly random: (n: number) => Uint8Array;
}

export interface SignedInputs {
  readonly tx: Transaction;
  /** Per input: its witness (new, or kept from `tx`) verifies against the coin it spends. */
  readonly valid: readonly boolean[];
}

/**
 * Signs each input whose key `keyFor` yields and keeps every other input's witness (an offline or
 * multi-party signing step); then checks every witness: its key hashes to the spent coin's lock
 * and its signature verifies. The txid does not change (it excludes witnesses).
 */
export function signInputs(args: SignInputsArgs): SignedInputs {
  const { tx, spent } = args;
  if (spent.length !== tx.inputs.length) throw internal('one spent output per input is needed');
  const id = txid(tx);
  const spentHash = spentOutputsHash(spent);
  const msgs = tx.inputs.map((_input, i) => sighash(args.params.magic, id, spentHash, i));
  const witnesses = tx.inputs.map((_input, i) => {
    const key = args.keyFor(spent[i]!, i);
    return (key && witnessFor(msgs[i]!, spent[i]!, key, args.random)) ?? tx.witnesses[i]!;
  });
  const valid = witnesses.map(
    (w, i) => equalBytes(hash160(w.pubkey), spent[i]!.pubKeyHash) && verify(w.sig, msgs[i]!, w.pubkey),
  );
  return { tx: { ...tx, witnesses }, valid };
}
