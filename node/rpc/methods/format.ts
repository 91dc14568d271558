/** Bitcoin-shaped JSON views of qenex objects. */
import {
  type Block,
  bitsToTarget,
  blockWithIds,
  encodeBlock,
  encodeHeader,
  encodeTx,
  type NetworkParams,
  type Transaction,
  toHex,
  withId,
} from '../../../consensus/index.js';
import { encodeAddress } from '../../../wallet/index.js';
import type { ChainEntry } from '../../db/index.js';
import { formatAmount } from '../amount.js';

/** Difficulty as Bitcoin shows it: network-limit target / block target (for display only). */
export function difficulty(bits: number, params: NetworkParams): number {
  const limit = bitsToTarget(params.powLimitBits);
  const target = bitsToTarget(bits);
  const scaled = (limit * 100_000_000n) / target;
  return Number(scaled) / 1e8;
}

export function hex32(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}

/**
 * Bitcoin Core's `scriptPubKey` object for an output lock. qenex has no script language and one
 * kind of lock, Bitcoin's "pubkeyhash" kind: the hash160 of a public key (a BIP340 x-only key),
 * spent by that key and its signature. `hex` is the lock as the output encodes it (the 20-byte
 * hash, not a Bitcoin script) and `asm` its one element.
 */
export function scriptPubKeyToJson(pubKeyHash: Uint8Array, params: NetworkParams) {
  const hex = toHex(pubKeyHash);
  return { asm: hex, hex, address: encodeAddress(pubKeyHash, params), type: 'pubkeyhash' as const };
}

export function txToJson(tx: Transaction, params: NetworkParams, extra: Record<string, unknown> = {}) {
  const t = withId(tx);
  return {
    txid: toHex(t.txid),
    hash: toHex(t.wtxid),
    version: tx.version,
    size: t.size,
    locktime: tx.lockTime,
    vin:
      tx.inputs.length === 0
        ? [{ coinbase: true, height: tx.lockTime }]
        : tx.inputs.map((i, n) => ({
            txid: toHex(i.prevout.txid),
            vout: i.prevout.index,
            pubkey: toHex(tx.witnesses[n]!.pubkey),
            signature: toHex(tx.witnesses[n]!.sig),
          })),
    vout: tx.outputs.map((o, n) => ({
      value: formatAmount(o.value),
      n,
      scriptPubKey: scriptPubKeyToJson(o.pubKeyHash, params),
    })),
    hex: toHex(encodeTx(tx)),
    ...extra,
  };
}

export interface HeaderJsonContext {
  readonly entry: ChainEntry;
  readonly tipHeight: number;
  readonly onBest: boolean;
  readonly next: ChainEntry | undefined;
  readonly medianTime: number;
  readonly nTx: number;
}

export function headerToJson(block: Block, c: HeaderJsonContext, params: NetworkParams) {
  const h = block.header;
  return {
    hash: toHex(c.entry.hash),
    confirmations: c.onBest ? c.tipHeight - c.entry.height + 1 : -1,
    height: c.entry.height,
    version: h.version,
    versionHex: h.version.toString(16).padStart(8, '0'),
    merkleroot: toHex(h.merkleRoot),
    modelhash: toHex(h.modelHash),
    time: h.time,
    mediantime: c.medianTime,
    nonce: Number(h.nonce),
    bits: h.bits.toString(16).padStart(8, '0'),
    target: hex32(bitsToTarget(h.bits)),
    difficulty: difficulty(h.bits, params),
    chainwork: hex32(c.entry.weight),
    improvementppm: c.entry.improvementPpm,
    nTx: c.nTx,
    ...(c.entry.height > 0 ? { previousblockhash: toHex(h.prevHash) } : {}),
    ...(c.next ? { nextblockhash: toHex(c.next.hash) } : {}),
  };
}

export function blockToJson(block: Block, c: HeaderJsonContext, params: NetworkParams, verbosity: 1 | 2) {
  const b = blockWithIds(block);
  return {
    ...headerToJson(block, c, params),
    size: b.size,
    tx: verbosity === 1 ? b.txs.map((t) => toHex(t.txid)) : block.txs.map((tx) => txToJson(tx, params)),
    update: block.update
      ? {
          basemodelhash: toHex(block.update.baseModelHash),
          claimedppm: block.update.claimedPpm,
          grow: block.update.grow,
          rule: block.update.rule,
          contributions: block.update.contributions.map((x) => ({
            address: encodeAddress(x.payout, params),
            signer: toHex(x.pubkey),
            samples: x.samples,
            deltasize: x.delta.length,
          })),
        }
      : null,
  };
}

export function blockHex(block: Block): string {
  return toHex(encodeBlock(block));
}

export function headerHex(block: Block): string {
  return toHex(encodeHeader(block.header));
}
