/** Read-only views of the ledger: coins, balances and history entries. */
import { toHex } from '../consensus/index.js';
import { encodeAddress } from './address.js';
import type { AddressBook } from './addressBook.js';
import { CHANGE } from './hd/index.js';
import type { Ledger, OwnedOutput, TxRecord } from './ledger.js';
import type {
  Balance,
  TxCategory,
  WalletCoin,
  WalletTransaction,
  WalletTxInput,
  WalletTxOutput,
} from './types.js';

export function coinView(o: OwnedOutput, ledger: Ledger, book: AddressBook, locked: boolean): WalletCoin {
  const label = book.label(o.chain, o.keyIndex);
  return {
    txid: o.record.id,
    index: o.op.index,
    value: o.value,
    address: book.address(o.chain, o.keyIndex),
    chain: o.chain,
    keyIndex: o.keyIndex,
    path: book.path(o.chain, o.keyIndex),
    height: o.record.height,
    confirmations: ledger.confirmations(o.record),
    coinbase: o.record.coinbase,
    mature: ledger.isMature(o),
    locked,
    ...(label !== undefined ? { label } : {}),
  };
}

export function balanceOf(ledger: Ledger, minConf: number): Balance {
  let confirmed = 0n;
  let unconfirmed = 0n;
  let immature = 0n;
  for (const o of ledger.unspent()) {
    if (!ledger.isMature(o)) immature += o.value;
    else if (ledger.confirmations(o.record) >= minConf) confirmed += o.value;
    else unconfirmed += o.value;
  }
  return { confirmed, unconfirmed, immature };
}

export function transactionView(
  rec: TxRecord,
  ledger: Ledger,
  prefix: { addressPrefix: string },
): WalletTransaction {
  const { tx } = rec.tx;
  let received = 0n;
  let sent = 0n;
  let allInputsOurs = tx.inputs.length > 0;
  let totalIn = 0n;
  const inputs: WalletTxInput[] = tx.inputs.map((i) => {
    const o = ledger.ownedOutput(i.prevout);
    if (o) {
      sent += o.value;
      totalIn += o.value;
    } else allInputsOurs = false;
    return {
      txid: toHex(i.prevout.txid),
      index: i.prevout.index,
      value: o ? o.value : null,
      ours: o !== undefined,
    };
  });
  let totalOut = 0n;
  let allOutputsOurs = true;
  const outputs: WalletTxOutput[] = tx.outputs.map((out, index) => {
    totalOut += out.value;
    const o = ledger.ownedOutput({ txid: rec.tx.txid, index });
    if (o) received += o.value;
    else allOutputsOurs = false;
    return {
      index,
      address: encodeAddress(out.pubKeyHash, prefix),
      value: out.value,
      ours: o !== undefined,
      change: o !== undefined && o.chain === CHANGE,
    };
  });
  let category: TxCategory;
  if (rec.coinbase) {
    const mine = outputs.find((o) => o.ours);
    const owned = mine ? ledger.ownedOutput({ txid: rec.tx.txid, index: mine.index }) : undefined;
    category = owned && !ledger.isMature(owned) ? 'immature' : 'generate';
  } else if (sent > 0n) category = allOutputsOurs ? 'self' : 'send';
  else category = 'receive';
  return {
    txid: rec.id,
    height: rec.height,
    confirmations: ledger.confirmations(rec),
    blockHash: rec.blockHash,
    blockIndex: rec.blockIndex,
    coinbase: rec.coinbase,
    category,
    received,
    sent,
    fee: allInputsOurs ? totalIn - totalOut : null,
    amount: received - sent,
    size: rec.tx.size,
    inputs,
    outputs,
    tx,
  };
}
