/** Helpers shared by the namespaces: parameter schemas, lookups and error mapping. */
import { z } from 'zod';
import {
  type Block,
  DecodeError,
  fromHex,
  type Hash,
  medianTimePast,
  VerdictError,
} from '../../../consensus/index.js';
import type { ChainEntry } from '../../db/index.js';
import { MempoolError } from '../../mempool/index.js';
import {
  RPC_DESERIALIZATION_ERROR,
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_VERIFY_ALREADY_IN_CHAIN,
  RPC_VERIFY_ERROR,
  RPC_VERIFY_REJECTED,
  type RpcError,
  rpcError,
} from '../errors.js';
import { hashHexSchema } from '../validators.js';
import type { RpcNodeContext } from './context.js';
import type { HeaderJsonContext } from './format.js';

export const hashParam = hashHexSchema;
export const verbosityParam = z.union([z.boolean(), z.number().int().min(0).max(2)]);

export function hashFromHex(hex: string): Hash {
  return fromHex(hex.toLowerCase());
}

export function mtpOf(node: RpcNodeContext, entry: ChainEntry): number {
  const times: number[] = [];
  let e: ChainEntry | undefined = entry;
  while (e && times.length < node.params.medianTimeSpan) {
    times.unshift(e.time);
    e = e.height > 0 ? node.chain.getEntry(e.prevHash) : undefined;
  }
  return medianTimePast(times, node.params);
}

export async function lookupBlock(
  node: RpcNodeContext,
  hex: string,
): Promise<{ entry: ChainEntry; block: Block }> {
  const hash = hashFromHex(hex);
  const entry = node.chain.getEntry(hash);
  const block = entry ? await node.chain.getBlock(hash) : undefined;
  if (!entry || !block) throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, 'Block not found');
  return { entry, block };
}

export function headerContext(node: RpcNodeContext, entry: ChainEntry, block: Block): HeaderJsonContext {
  const onBest = node.chain.isOnBestChain(entry.hash);
  return {
    entry,
    tipHeight: node.chain.tip.height,
    onBest,
    next: onBest ? node.chain.getEntryByHeight(entry.height + 1) : undefined,
    medianTime: mtpOf(node, entry),
    nTx: block.txs.length,
  };
}

/** Maps a decode failure of user-supplied hex to Bitcoin's -22. */
export function decodeOr22<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError)
      throw rpcError(RPC_DESERIALIZATION_ERROR, `${what} decode failed: ${e.message}`);
    throw e;
  }
}

/** Mempool/consensus rejection → Bitcoin's sendrawtransaction codes. */
export function txRejection(e: unknown): RpcError | undefined {
  if (e instanceof MempoolError) {
    if (e.reason === 'missing-inputs') return rpcError(RPC_VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
    if (e.reason === 'txn-already-known')
      return rpcError(RPC_VERIFY_ALREADY_IN_CHAIN, 'Transaction already in block chain');
    return rpcError(RPC_VERIFY_REJECTED, e.message);
  }
  if (e instanceof VerdictError) return rpcError(RPC_VERIFY_REJECTED, e.message);
  return undefined;
}
