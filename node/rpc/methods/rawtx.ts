/** Raw transactions namespace. */
import { decodeTx, encodeTx, toHex, withId } from '../../../consensus/index.js';
import { RPC_INVALID_ADDRESS_OR_KEY, RPC_VERIFY_ALREADY_IN_CHAIN, rpcError } from '../errors.js';
import { defineMethod, param } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { hexBytesSchema } from '../validators.js';
import type { RpcNodeContext } from './context.js';
import { txToJson } from './format.js';
import { decodeOr22, hashParam, lookupBlock, txRejection, verbosityParam } from './util.js';

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
