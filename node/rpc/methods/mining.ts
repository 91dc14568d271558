/** Mining namespace. */
import { z } from 'zod';
import {
  bitsToTarget,
  blockWithIds,
  decodeBlock,
  encodeTx,
  toHex,
  VerdictError,
  withId,
} from '../../../consensus/index.js';
import { decodeAddress, isValidAddress } from '../../../wallet/index.js';
import { buildTemplate, MinerError } from '../../miner/index.js';
import { RPC_INVALID_ADDRESS_OR_KEY, RPC_METHOD_NOT_FOUND, RPC_VERIFY_ERROR, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { formatAmount, hexBytesSchema } from '../validators.js';
import type { RpcNodeContext } from './context.js';
import { difficulty, hex32 } from './format.js';
import { decodeOr22 } from './util.js';

export function miningMethods(node: RpcNodeContext): RpcMethod[] {
  const { chain, params } = node;
  const methods: RpcMethod[] = [
    defineMethod({
      name: 'getmininginfo',
      description: 'Returns a json object containing mining-related information.',
      params: [],
      handler: () => {
        const s = node.miner?.status();
        return {
          blocks: chain.tip.height,
          difficulty: difficulty(chain.tip.bits, params),
          networkhashps: s?.hashrate ?? 0,
          pooledtx: node.mempool.size,
          chain: params.name,
          mining: s?.mining ?? false,
          localhashps: s?.hashrate ?? 0,
          blocksfound: s?.blocksFound ?? 0,
          address: s?.address ?? null,
          lastblockhash: s?.lastBlockHash ?? null,
          warnings: '',
        };
      },
    }),
    defineMethod({
      name: 'submitblock',
      description:
        'Attempts to submit new block to network. Returns null when accepted, else a reason string (duplicate, inconclusive, or the rejection reason).',
      params: [param('hexdata', hexBytesSchema)],
      handler: async ({ hexdata }) => {
        const block = decodeOr22(() => decodeBlock(hexdata), 'Block');
        try {
          const r = await chain.processBlock(block, 'rpc');
          if (r.status === 'duplicate') return 'duplicate';
          if (r.status === 'orphan' || r.status === 'side') return 'inconclusive';
          return null;
        } catch (e) {
          if (e instanceof VerdictError) return e.reason;
          throw e;
        }
      },
    }),
    defineMethod({
      name: 'getblocktemplate',
      description:
        'Returns data needed to construct a block to work on (coinbase already built, paying the given address).',
      params: [
        param('template_request', z.object({ address: z.string().optional() }).passthrough(), {
          optional: true,
        }),
      ],
      handler: ({ template_request }) => {
        const address = template_request?.address ?? node.miner?.status().address;
        if (!address || !isValidAddress(address, params)) {
          throw rpcError(
            RPC_INVALID_ADDRESS_OR_KEY,
            'getblocktemplate needs {"address": "<valid address>"} when the node is not mining',
          );
        }
        const ctx = chain.nextBlockContext(node.now());
        const pkh = decodeAddress(address, params);
        const tpl = buildTemplate(ctx, node.mempool, pkh, params, {});
        const b = blockWithIds({ header: tpl.header, txs: tpl.txs, update: null });
        return {
          version: tpl.header.version,
          previousblockhash: toHex(tpl.header.prevHash),
          transactions: b.txs
            .slice(1)
            .map((t) => ({ data: toHex(encodeTx(t.tx)), txid: toHex(t.txid), hash: toHex(t.wtxid) })),
          coinbasetxn: { data: toHex(encodeTx(tpl.txs[0]!)), txid: toHex(withId(tpl.txs[0]!).txid) },
          coinbasevalue: formatAmount(tpl.reward + tpl.fees),
          fees: formatAmount(tpl.fees),
          target: hex32(bitsToTarget(tpl.header.bits)),
          mintime: ctx.medianTimePast + 1,
          curtime: tpl.header.time,
          bits: tpl.header.bits.toString(16).padStart(8, '0'),
          height: tpl.height,
          merkleroot: toHex(tpl.header.merkleRoot),
          modelhash: toHex(tpl.header.modelHash),
          sizelimit: params.maxBlockSize,
        };
      },
    }),
  ];
  methods.push(
    defineMethod({
      name: 'generatetoaddress',
      description:
        'Mine blocks immediately to a specified address (devnet only). Returns the block hashes. A block that loses the race for the tip (to the node’s own miner or a peer) is mined again on the new tip; after 10 lost races in a row for one block the call fails with -25 (RPC_VERIFY_ERROR), error.data.blocks listing the blocks mined before.',
      params: [
        param('nblocks', z.number().int().min(1).max(10_000)),
        param('address', z.string()),
        paramWithDefault('maxtries', z.number().int().min(1), 1_000_000),
      ],
      handler: async ({ nblocks, address, maxtries }) => {
        if (params.name !== 'devnet')
          throw rpcError(RPC_METHOD_NOT_FOUND, 'generatetoaddress is only available on devnet');
        if (!isValidAddress(address, params))
          throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
        try {
          return await node.generate(nblocks, address, maxtries);
        } catch (e) {
          // The chain did not take a generated block: a block-submission error, not an internal one.
          if (e instanceof MinerError && e.type.code === 'MINER_TIP_RACE') {
            throw rpcError(RPC_VERIFY_ERROR, `generatetoaddress: ${e.message}; try again`, {
              blocks: e.type.mined,
            });
          }
          if (e instanceof MinerError && e.type.code === 'MINER_BLOCK_REJECTED')
            throw rpcError(RPC_VERIFY_ERROR, `generatetoaddress: ${e.message}`);
          if (e instanceof VerdictError)
            throw rpcError(RPC_VERIFY_ERROR, `generatetoaddress: generated block rejected: ${e.reason}`);
          throw e;
        }
      },
    }),
  );
  return methods;
}
