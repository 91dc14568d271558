/** Mining namespace. */
import { z } from 'zod';
import {
  bitsToTarget,
  blockWithIds,
  decodeBlock,
  encodeTx,
  toHex,
  VerdictError,
} from '../../../consensus/index.js';
import { decodeAddress, isValidAddress } from '../../../wallet/index.js';
import { type BlockTemplate, buildTemplate, MinerError } from '../../miner/index.js';
import {
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  RPC_VERIFY_ERROR,
  rpcError,
} from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { hexBytesSchema } from '../validators.js';
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
        "Returns a BIP22 block template on top of the best tip. qenex builds the coinbase (consensus fixes its outputs: the genesis share, contributor payouts, the miner's output paying template_request.address, or the node's mining address) and returns it as coinbasetxn; only the time and the nonce may change. Amounts are in base units, as BIP22's satoshis. The template carries no model update (see docs/rpc.md).",
      params: [param('template_request', templateRequestSchema, { optional: true })],
      handler: ({ template_request }) => {
        const mode = template_request?.mode ?? 'template';
        if (mode !== 'template') throw rpcError(RPC_INVALID_PARAMETER, 'Invalid mode');
        const address = template_request?.address ?? node.miner?.status().address;
        if (!address || !isValidAddress(address, params)) {
          throw rpcError(
            RPC_INVALID_ADDRESS_OR_KEY,
            'getblocktemplate needs {"address": "<valid address>"} when the node is not mining',
          );
        }
        const ctx = chain.nextBlockContext(node.now());
        const tpl = buildTemplate(ctx, node.mempool, decodeAddress(address, params), params, {});
        return templateToJson(tpl, ctx.medianTimePast, address, node);
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

/** BIP22's template_request, plus qenex's payout `address`; other members are accepted and ignored. */
const templateRequestSchema = z
  .object({
    mode: z.string().optional(),
    capabilities: z.array(z.string()).optional(),
    rules: z.array(z.string()).optional(),
    address: z.string().optional(),
  })
  .passthrough();

/** Both ends of the 64-bit header nonce, as BIP22's noncerange (min then max, hex). */
const NONCE_RANGE = `${'00'.repeat(8)}${'ff'.repeat(8)}`;

/**
 * BIP22 shape of a template. Amounts in base units; `weight` is 4 × size (qenex limits blocks by
 * size and discounts no bytes); `depends` are 1-based positions in `transactions`.
 */
function templateToJson(tpl: BlockTemplate, medianTimePast: number, address: string, node: RpcNodeContext) {
  const { params } = node;
  const b = blockWithIds({ header: tpl.header, txs: tpl.txs, update: null });
  const [coinbase, ...txs] = b.txs;
  const position = new Map(txs.map((t, i) => [toHex(t.txid), i + 1]));
  let coinbaseValue = 0n;
  for (const o of coinbase!.tx.outputs) coinbaseValue += o.value;
  return {
    capabilities: [],
    version: tpl.header.version,
    rules: [],
    vbavailable: {},
    vbrequired: 0,
    previousblockhash: toHex(tpl.header.prevHash),
    transactions: txs.map((t) => {
      const txid = toHex(t.txid);
      // Selected from the pool in this same synchronous call: still there.
      const entry = node.mempool.get(txid)!;
      return {
        data: toHex(encodeTx(t.tx)),
        txid,
        hash: toHex(t.wtxid),
        depends: entry.depends.map((d) => position.get(d)!),
        fee: Number(entry.fee),
        weight: t.size * 4,
      };
    }),
    coinbaseaux: {},
    coinbasevalue: Number(coinbaseValue),
    coinbasetxn: {
      data: toHex(encodeTx(coinbase!.tx)),
      txid: toHex(coinbase!.txid),
      hash: toHex(coinbase!.wtxid),
      depends: [],
      fee: -Number(tpl.fees),
      weight: coinbase!.size * 4,
    },
    target: hex32(bitsToTarget(tpl.header.bits)),
    mintime: medianTimePast + 1,
    mutable: ['time'],
    noncerange: NONCE_RANGE,
    sizelimit: params.maxBlockSize,
    weightlimit: params.maxBlockSize * 4,
    curtime: tpl.header.time,
    bits: tpl.header.bits.toString(16).padStart(8, '0'),
    height: tpl.height,
    // qenex: what the header commits to besides BIP22's fields, and whom the coinbase pays.
    merkleroot: toHex(tpl.header.merkleRoot),
    modelhash: toHex(tpl.header.modelHash),
    payoutaddress: address,
  };
}
