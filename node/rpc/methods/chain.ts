/** Blockchain namespace: Bitcoin Core's names and result shapes. */
import { z } from 'zod';
import { bitsToTarget, toHex } from '../../../consensus/index.js';
import { formatAmount } from '../amount.js';
import { RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { booleanSchema, heightSchema } from '../validators.js';
import type { RpcNodeContext } from './context.js';
import {
  blockHex,
  blockToJson,
  difficulty,
  headerHex,
  headerToJson,
  hex32,
  scriptPubKeyToJson,
} from './format.js';
import { hashFromHex, hashParam, headerContext, lookupBlock, mtpOf, verbosityParam } from './util.js';

export function chainMethods(node: RpcNodeContext): RpcMethod[] {
  const { chain, params } = node;
  return [
    defineMethod({
      name: 'getblockchaininfo',
      description: 'Returns an object containing various state info regarding blockchain processing.',
      params: [],
      handler: async () => {
        const tip = chain.tip;
        const sync = node.sync();
        return {
          chain: params.name,
          blocks: tip.height,
          headers: sync.headers,
          bestblockhash: toHex(tip.hash),
          bits: tip.bits.toString(16).padStart(8, '0'),
          target: hex32(bitsToTarget(tip.bits)),
          difficulty: difficulty(tip.bits, params),
          time: tip.time,
          mediantime: mtpOf(node, tip),
          verificationprogress: sync.verificationProgress,
          initialblockdownload: sync.initialBlockDownload,
          chainwork: hex32(tip.weight),
          size_on_disk: await node.sizeOnDisk(),
          pruned: false,
          modelhash: toHex(tip.modelHash),
          issued: formatAmount(tip.issuedAfter),
          warnings: '',
        };
      },
    }),
    defineMethod({
      name: 'getblockcount',
      description: 'Returns the height of the most-work fully-validated chain.',
      params: [],
      result: 'n (numeric) The current block count',
      handler: () => chain.tip.height,
    }),
    defineMethod({
      name: 'getbestblockhash',
      description: 'Returns the hash of the best (tip) block in the most-work fully-validated chain.',
      params: [],
      handler: () => toHex(chain.tip.hash),
    }),
    defineMethod({
      name: 'getblockhash',
      description: 'Returns hash of block in best-block-chain at height provided.',
      params: [param('height', heightSchema)],
      handler: ({ height }) => {
        const e = chain.getEntryByHeight(height);
        if (!e) throw rpcError(RPC_INVALID_PARAMETER, 'Block height out of range');
        return toHex(e.hash);
      },
    }),
    defineMethod({
      name: 'getblock',
      description:
        'If verbosity is 0, returns a string that is serialized, hex-encoded data for block. If 1, an object with information about the block; if 2, also with information about each transaction.',
      params: [param('blockhash', hashParam), paramWithDefault('verbosity', verbosityParam, 1)],
      handler: async ({ blockhash, verbosity }) => {
        const v = verbosity === true ? 1 : verbosity === false ? 0 : verbosity;
        const { entry, block } = await lookupBlock(node, blockhash);
        if (v === 0) return blockHex(block);
        return blockToJson(block, headerContext(node, entry, block), params, v as 1 | 2);
      },
    }),
    defineMethod({
      name: 'getblockheader',
      description:
        "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'. If true, an object.",
      params: [param('blockhash', hashParam), paramWithDefault('verbose', booleanSchema, true)],
      handler: async ({ blockhash, verbose }) => {
        const { entry, block } = await lookupBlock(node, blockhash);
        if (!verbose) return headerHex(block);
        return headerToJson(block, headerContext(node, entry, block), params);
      },
    }),
    defineMethod({
      name: 'getdifficulty',
      description: 'Returns the proof-of-work difficulty as a multiple of the minimum difficulty.',
      params: [],
      handler: () => difficulty(chain.tip.bits, params),
    }),
    defineMethod({
      name: 'gettxout',
      description: 'Returns details about an unspent transaction output.',
      params: [
        param('txid', hashParam),
        param('n', z.number().int().min(0).max(0xffffffff)),
        paramWithDefault('include_mempool', booleanSchema, true),
      ],
      handler: async ({ txid, n, include_mempool }) => {
        const op = { txid: hashFromHex(txid), index: n };
        if (include_mempool) {
          for (const e of node.mempool.entries()) {
            for (const i of e.tx.tx.inputs) {
              if (toHex(i.prevout.txid) === txid.toLowerCase() && i.prevout.index === n) return null;
            }
          }
          const pooled = node.mempool.get(txid.toLowerCase());
          if (pooled) {
            const out = pooled.tx.tx.outputs[n];
            if (!out) return null;
            return {
              bestblock: toHex(chain.tip.hash),
              confirmations: 0,
              value: formatAmount(out.value),
              scriptPubKey: scriptPubKeyToJson(out.pubKeyHash, params),
              coinbase: false,
            };
          }
        }
        const coin = await chain.getCoin(op);
        if (!coin) return null;
        return {
          bestblock: toHex(chain.tip.hash),
          confirmations: chain.tip.height - coin.height + 1,
          value: formatAmount(coin.value),
          scriptPubKey: scriptPubKeyToJson(coin.pubKeyHash, params),
          coinbase: coin.coinbase,
        };
      },
    }),
    defineMethod({
      name: 'getmempoolinfo',
      description: 'Returns details on the active state of the TX memory pool.',
      params: [],
      handler: () => {
        const i = node.mempool.info();
        return {
          loaded: true,
          size: i.size,
          bytes: i.bytes,
          usage: i.usage,
          maxmempool: i.maxmempool,
          // Bitcoin reports fee rates in coin per kvB.
          mempoolminfee: formatAmount(i.mempoolminfee * 1000n),
          minrelaytxfee: formatAmount(i.minrelaytxfee * 1000n),
          unbroadcastcount: 0,
        };
      },
    }),
    defineMethod({
      name: 'getrawmempool',
      description:
        'Returns all transaction ids in memory pool as a json array of string transaction ids, or an object with details if verbose.',
      params: [paramWithDefault('verbose', booleanSchema, false)],
      handler: ({ verbose }) => {
        if (!verbose) return node.mempool.txids();
        const out: Record<string, unknown> = {};
        for (const e of node.mempool.entries()) {
          out[e.txid] = {
            vsize: e.size,
            weight: e.size * 4,
            time: Math.floor(e.time / 1000),
            height: e.height,
            descendantcount: e.descendantCount,
            descendantsize: e.descendantSize,
            ancestorcount: e.ancestorCount,
            ancestorsize: e.ancestorSize,
            wtxid: e.wtxid,
            fees: {
              base: formatAmount(e.fee),
              ancestor: formatAmount(e.ancestorFees),
              descendant: formatAmount(e.descendantFees),
            },
            depends: e.depends,
            spentby: e.spentBy,
          };
        }
        return out;
      },
    }),
  ];
}
