/**
 * Wallet state persistence. The node stores the bytes (UTF-8 JSON) wherever it likes and hands
 * them back to `Wallet.open`/`Wallet.fromMnemonic`. Version 1:
 *
 *   { "kind": "qenex-wallet-state", "version": 1, "network": "devnet", "xpub": "tpub…",
 *     "tip": { "height": 120, "hash": "<hex>" } | null,
 *     "next": [receive, change],            // first index neither handed out nor used, per chain
 *     "labels": [[index, "label"], …],      // receive-chain labels, by index
 *     "txs": [{ "tx": "<hex>", "height": 101 | null, "block": "<hex>" | null, "pos": 1 | null }, …] }
 *
 * Transactions are listed confirmed first by (height, pos), then unconfirmed by arrival; coins,
 * spends and balances are rebuilt from them. No key material is in the state.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { decodeTx, encodeTx, isCoinbase, toHex, withId } from '../consensus/index.js';
import { WalletError } from './errors.js';
import type { TxRecord } from './ledger.js';
import type { ChainTip } from './types.js';

export const STATE_KIND = 'qenex-wallet-state';
export const STATE_VERSION = 1;

export interface WalletStateSnapshot {
  readonly network: string;
  readonly xpub: string;
  readonly tip: ChainTip | null;
  readonly next: readonly [number, number];
  readonly labels: ReadonlyArray<readonly [number, string]>;
  readonly records: readonly TxRecord[];
}

export function encodeState(s: WalletStateSnapshot): Uint8Array {
  const json = {
    kind: STATE_KIND,
    version: STATE_VERSION,
    network: s.network,
    xpub: s.xpub,
    tip: s.tip ? { height: s.tip.height, hash: s.tip.hash } : null,
    next: [s.next[0], s.next[1]],
    labels: s.labels.map(([i, l]) => [i, l]),
    txs: s.records.map((r) => ({
      tx: bytesToHex(encodeTx(r.tx.tx)),
      height: r.height,
      block: r.blockHash,
      pos: r.blockIndex,
    })),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

function bad(reason: string): WalletError {
  return new WalletError({ code: 'STATE_INVALID', reason });
}

function isHash(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/u.test(v);
}

function isNat(v: unknown, max = Number.MAX_SAFE_INTEGER): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
}

/** Parses and checks state bytes. Records come back with `seq` set by position. */
export function decodeState(bytes: Uint8Array): WalletStateSnapshot {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    throw bad('not UTF-8 JSON');
  }
  if (!j || typeof j !== 'object' || j.kind !== STATE_KIND) throw bad(`kind is not '${STATE_KIND}'`);
  if (j.version !== STATE_VERSION) throw bad(`unsupported version ${String(j.version)}`);
  if (typeof j.network !== 'string' || typeof j.xpub !== 'string') throw bad('network or xpub missing');
  let tip: ChainTip | null = null;
  if (j.tip !== null) {
    const t = j.tip as Record<string, unknown> | undefined;
    if (!t || !isNat(t.height) || !isHash(t.hash)) throw bad('bad tip');
    tip = { height: t.height, hash: t.hash };
  }
  const next = j.next as unknown[];
  if (!Array.isArray(next) || next.length !== 2 || !isNat(next[0], 2 ** 31) || !isNat(next[1], 2 ** 31)) {
    throw bad('bad next indices');
  }
  if (!Array.isArray(j.labels)) throw bad('bad labels');
  const labels = (j.labels as unknown[]).map((l) => {
    if (!Array.isArray(l) || l.length !== 2 || !isNat(l[0], 2 ** 31) || typeof l[1] !== 'string')
      throw bad('bad label');
    return [l[0], l[1]] as const;
  });
  if (!Array.isArray(j.txs)) throw bad('bad txs');
  const seen = new Set<string>();
  let seq = 0;
  const records = (j.txs as unknown[]).map((x): TxRecord => {
    const r = x as Record<string, unknown> | null;
    if (!r || typeof r.tx !== 'string' || !/^(?:[0-9a-f]{2})+$/u.test(r.tx)) throw bad('bad tx hex');
    let t: ReturnType<typeof withId>;
    try {
      t = withId(decodeTx(hexToBytes(r.tx)));
    } catch (e) {
      throw bad(`undecodable tx: ${(e as Error).message}`);
    }
    const id = toHex(t.txid);
    if (seen.has(id)) throw bad(`duplicate tx ${id}`);
    seen.add(id);
    const coinbase = isCoinbase(t.tx);
    if (r.height === null) {
      if (r.block !== null || r.pos !== null || coinbase)
        throw bad(`unconfirmed tx ${id} with block data or coinbase`);
      return { tx: t, id, coinbase, height: null, blockHash: null, blockIndex: null, seq: ++seq };
    }
    if (!isNat(r.height) || !isHash(r.block) || !isNat(r.pos)) throw bad(`bad confirmation of ${id}`);
    if (!tip || r.height > tip.height) throw bad(`tx ${id} confirmed above the tip`);
    return { tx: t, id, coinbase, height: r.height, blockHash: r.block, blockIndex: r.pos, seq: 0 };
  });
  return { network: j.network, xpub: j.xpub, tip, next: [next[0], next[1]], labels, records };
}
