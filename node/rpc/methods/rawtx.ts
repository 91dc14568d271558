/** Raw transactions namespace. */
import { z } from 'zod';
import {
  decodeTx,
  encodeTx,
  type NetworkParams,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  toHex,
  withId,
} from '../../../consensus/index.js';
import { decodeAddress, isValidAddress } from '../../../wallet/index.js';
import { MempoolError } from '../../mempool/index.js';
import { formatAmount } from '../amount.js';
import {
  RPC_DESERIALIZATION_ERROR,
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_INVALID_PARAMETER,
  RPC_VERIFY_ALREADY_IN_CHAIN,
  rpcError,
} from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import {
  booleanSchema,
  hashHexSchema,
  hexBytesSchema,
  makeAmountSchema,
  parseAmount,
} from '../validators.js';
import type { RpcNodeContext } from './context.js';
import { txToJson } from './format.js';
import { decodeOr22, hashFromHex, hashParam, lookupBlock, txRejection, verbosityParam } from './util.js';

/**
 * The witness of an input not signed yet: all zeros. An all-zero x-only key is not a curve point,
 * so such a witness never verifies; signrawtransactionwithwallet replaces it.
 */
const UNSIGNED_WITNESS = { pubkey: new Uint8Array(32), sig: new Uint8Array(64) };

/** Sequence numbers that mean what a qenex input means (final, not replaceable); inputs carry none. */
const NEUTRAL_SEQUENCES: ReadonlySet<number> = new Set([0xffff_ffff, 0xffff_fffe]);

const rawInputSchema = z
  .object({
    txid: hashHexSchema,
    vout: z.number().int().min(0).max(0xffff_ffff),
    sequence: z.number().int().min(0).max(0xffff_ffff).optional(),
  })
  .passthrough();

const rawOutputsSchema = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.record(z.string(), z.unknown())),
]);

/** testmempoolaccept's default maxfeerate, as Bitcoin Core's: 0.10 QXC per 1000 bytes. */
const DEFAULT_MAX_RAW_TX_FEE_RATE = 10_000_000n;

/** createrawtransaction's outputs ({address: amount, ...} or [{address: amount}, ...]) as outputs. */
function rawOutputs(
  outputs: Record<string, unknown> | Array<Record<string, unknown>>,
  params: NetworkParams,
): TxOutput[] {
  const pairs: Array<[string, unknown]> = [];
  if (Array.isArray(outputs)) {
    for (const o of outputs) {
      const entries = Object.entries(o);
      if (entries.length !== 1)
        throw rpcError(
          RPC_INVALID_PARAMETER,
          'Invalid parameter, key-value pair must contain exactly one key',
        );
      pairs.push(entries[0]!);
    }
  } else pairs.push(...Object.entries(outputs));
  const seen = new Set<string>();
  return pairs.map(([address, amount]) => {
    if (address === 'data')
      throw rpcError(RPC_INVALID_PARAMETER, 'Invalid parameter, qenex has no data outputs');
    if (!isValidAddress(address, params))
      throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, `Invalid qenex address: ${address}`);
    if (seen.has(address))
      throw rpcError(RPC_INVALID_PARAMETER, `Invalid parameter, duplicated address: ${address}`);
    seen.add(address);
    return { value: parseAmount(amount), pubKeyHash: decodeAddress(address, params) };
  });
}

export function rawTxMethods(node: RpcNodeContext): RpcMethod[] {
  const { params } = node;
  return [
    defineMethod({
      name: 'getrawtransaction',
      description:
        'Return the raw transaction data. Without a blockhash it looks in the mempool only (qenex keeps no transaction index); with one, in that block.',
      params: [
        param('txid', hashParam),
        param('verbose', verbosityParam, { optional: true }),
        param('blockhash', hashParam, { optional: true }),
      ],
      handler: async ({ txid, verbose, blockhash }) => {
        const id = txid.toLowerCase();
        const v = verbose === true || (typeof verbose === 'number' && verbose > 0);
        if (blockhash) {
          const { entry, block } = await lookupBlock(node, blockhash);
          for (const tx of block.txs) {
            const t = withId(tx);
            if (toHex(t.txid) !== id) continue;
            if (!v) return toHex(encodeTx(tx));
            const onBest = node.chain.isOnBestChain(entry.hash);
            return txToJson(tx, params, {
              in_active_chain: onBest,
              blockhash: toHex(entry.hash),
              confirmations: onBest ? node.chain.tip.height - entry.height + 1 : 0,
              blocktime: entry.time,
            });
          }
          throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, 'No such transaction found in the provided block');
        }
        const pooled = node.mempool.get(id);
        if (!pooled) {
          throw rpcError(
            RPC_INVALID_ADDRESS_OR_KEY,
            'No such mempool transaction. qenex keeps no transaction index: provide the block hash',
          );
        }
        return v ? txToJson(pooled.tx.tx, params) : toHex(encodeTx(pooled.tx.tx));
      },
    }),
    defineMethod({
      name: 'decoderawtransaction',
      description: 'Return a JSON object representing the serialized, hex-encoded transaction.',
      params: [param('hexstring', hexBytesSchema)],
      handler: ({ hexstring }) =>
        txToJson(
          decodeOr22(() => decodeTx(hexstring), 'TX'),
          params,
        ),
    }),
    defineMethod({
      name: 'createrawtransaction',
      description:
        'Create a transaction spending the given inputs and creating new outputs; returns its hex, unsigned (each input carries an all-zero witness until signed, e.g. by signrawtransactionwithwallet). The txid is final already: it excludes witnesses. Outputs are {"address": amount, ...} or [{"address": amount}, ...]; qenex has no "data" outputs, and inputs have no sequence (only 4294967295 and 4294967294 are accepted).',
      params: [
        param('inputs', z.array(rawInputSchema)),
        param('outputs', rawOutputsSchema),
        paramWithDefault('locktime', z.number().int().min(0).max(0xffff_ffff), 0),
        paramWithDefault('replaceable', booleanSchema, false),
      ],
      result: '"hex" (string) hex string of the transaction',
      handler: ({ inputs, outputs, locktime, replaceable }) => {
        if (replaceable)
          throw rpcError(RPC_INVALID_PARAMETER, 'replaceable: qenex transactions are never replaceable');
        if (inputs.length === 0) {
          throw rpcError(
            RPC_INVALID_PARAMETER,
            'Invalid parameter, a transaction needs an input (one without inputs is a coinbase)',
          );
        }
        for (const i of inputs) {
          if (i.sequence !== undefined && !NEUTRAL_SEQUENCES.has(i.sequence))
            throw rpcError(RPC_INVALID_PARAMETER, 'Invalid parameter, qenex inputs have no sequence number');
        }
        const tx: Transaction = {
          version: TX_VERSION,
          inputs: inputs.map((i) => ({ prevout: { txid: hashFromHex(i.txid), index: i.vout } })),
          outputs: rawOutputs(outputs, params),
          lockTime: locktime,
          witnesses: inputs.map(() => UNSIGNED_WITNESS),
        };
        return toHex(encodeTx(tx));
      },
    }),
    defineMethod({
      name: 'testmempoolaccept',
      description:
        "Returns the result of mempool acceptance tests of a raw transaction (serialized, hex-encoded), as sendrawtransaction would run them, without adding it to the mempool. One transaction at a time (as Bitcoin Core before packages). maxfeerate (QXC per 1000 bytes, default 0.10; 0 for no limit) rejects a higher fee rate as 'max-fee-exceeded'.",
      params: [
        param('rawtxs', z.array(z.string())),
        paramWithDefault('maxfeerate', makeAmountSchema(), DEFAULT_MAX_RAW_TX_FEE_RATE),
      ],
      handler: async ({ rawtxs, maxfeerate }) => {
        if (rawtxs.length !== 1)
          throw rpcError(RPC_INVALID_PARAMETER, 'Array must contain exactly one raw transaction for now');
        const bytes = hexBytesSchema.safeParse(rawtxs[0]);
        if (!bytes.success) throw rpcError(RPC_DESERIALIZATION_ERROR, 'TX decode failed');
        const tx = decodeOr22(() => decodeTx(bytes.data), 'TX');
        const t = withId(tx);
        const ids = { txid: toHex(t.txid), wtxid: toHex(t.wtxid) };
        try {
          const r = await node.mempool.testAccept(tx);
          if (maxfeerate > 0n && r.fee * 1000n > maxfeerate * BigInt(r.size))
            return [{ ...ids, allowed: false, 'reject-reason': 'max-fee-exceeded' }];
          return [
            {
              ...ids,
              allowed: true,
              vsize: r.size,
              fees: {
                base: formatAmount(r.fee),
                'effective-feerate': formatAmount((r.fee * 1000n) / BigInt(r.size)),
                'effective-includes': [ids.wtxid],
              },
            },
          ];
        } catch (e) {
          if (e instanceof MempoolError && e.reason !== undefined)
            return [{ ...ids, allowed: false, 'reject-reason': e.reason }];
          throw e;
        }
      },
    }),
    defineMethod({
      name: 'sendrawtransaction',
      description: 'Submit a raw transaction (serialized, hex-encoded) to the local node and network.',
      params: [param('hexstring', hexBytesSchema)],
      handler: async ({ hexstring }) => {
        const tx = decodeOr22(() => decodeTx(hexstring), 'TX');
        const t = withId(tx);
        // Already confirmed: one of its outputs is in the UTXO set.
        for (let i = 0; i < tx.outputs.length; i++) {
          if (await node.chain.getCoin({ txid: t.txid, index: i })) {
            throw rpcError(RPC_VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
          }
        }
        if (node.mempool.has(t.txid)) return toHex(t.txid);
        try {
          const r = await node.mempool.accept(tx);
          return r.txid;
        } catch (e) {
          throw txRejection(e) ?? e;
        }
      },
    }),
  ];
}
