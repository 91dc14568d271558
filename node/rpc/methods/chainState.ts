/** Blockchain namespace, the state as a whole: getchaintips, gettxoutsetinfo, verifychain. */
import { z } from 'zod';
import { toHex } from '../../../consensus/index.js';
import { ChainError } from '../../chain/index.js';
import type { ChainEntry } from '../../db/index.js';
import { formatAmount } from '../amount.js';
import { RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import type { RpcNodeContext } from './context.js';

/** Bitcoin Core's getchaintips statuses, from a branch tip's entry status. */
function tipStatus(e: ChainEntry, active: boolean): string {
  if (active) return 'active';
  switch (e.status) {
    case 'invalid':
      return 'invalid';
    case 'unvalidated':
      // stored with its header context and proof of improvement checked, never connected
      return 'valid-headers';
    case 'valid-side':
    case 'valid-connected':
      return 'valid-fork';
  }
}

const HASH_TYPES = ['hash_serialized', 'none'] as const;

export function chainStateMethods(node: RpcNodeContext): RpcMethod[] {
  const { chain } = node;
  return [
    defineMethod({
      name: 'getchaintips',
      description:
        'Return information about all known tips in the block tree, including the main chain as well as orphaned branches: height, hash, branchlen (0 for the main chain) and status ("active", "valid-fork": fully validated, was on the best chain; "valid-headers": stored, never connected; "invalid").',
      params: [],
      handler: () => {
        return chain
          .chainTips()
          .map((e) => {
            // A tip on the best chain is its tip; any other branch leaves it at its fork point.
            const fork = chain.forkPoint(e.hash)!;
            return {
              height: e.height,
              hash: toHex(e.hash),
              branchlen: e.height - fork.height,
              status: tipStatus(e, chain.isOnBestChain(e.hash)),
            };
          })
          .sort((a, b) => b.height - a.height || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
      },
    }),
    defineMethod({
      name: 'gettxoutsetinfo',
      description:
        'Returns statistics about the unspent transaction output set: height and bestblock of the tip, transactions (with unspent outputs), txouts, bogosize, total_amount and, with hash_type "hash_serialized" (the default), hash_serialized: sha256d over every coin in key order as txid | output index (u32 big-endian) | value (u64) | public-key hash | height (u32) | coinbase flag (u8) (qenex\'s own serialization, not Bitcoin\'s hash_serialized_3). hash_type "none" skips the hash.',
      params: [paramWithDefault('hash_type', z.string(), 'hash_serialized')],
      handler: async ({ hash_type }) => {
        if (!(HASH_TYPES as readonly string[]).includes(hash_type))
          throw rpcError(RPC_INVALID_PARAMETER, `'${hash_type}' is not a valid hash_type`);
        const { tip, stats } = await chain.utxoStats({ hash: hash_type === 'hash_serialized' });
        return {
          height: tip.height,
          bestblock: toHex(tip.hash),
          txouts: stats.txouts,
          bogosize: stats.bogosize,
          ...(stats.hashSerialized ? { hash_serialized: toHex(stats.hashSerialized) } : {}),
          total_amount: formatAmount(stats.totalAmount),
          transactions: stats.transactions,
        };
      },
    }),
    defineMethod({
      name: 'verifychain',
      description:
        'Verifies the blockchain database: replays the best chain from genesis with full consensus validation into a fresh UTXO set and compares the stored index, undo data, coins, chain state and tip model (as `qenex chain verify`). Returns true when everything matches, false otherwise (the differences are logged). qenex always runs this full check, whatever checklevel and nblocks ask for; blocks wait while it runs.',
      params: [
        paramWithDefault('checklevel', z.number().int(), 3, { description: 'accepted; qenex checks fully' }),
        paramWithDefault('nblocks', z.number().int(), 6, {
          description: 'accepted; qenex checks every block',
        }),
      ],
      handler: async () => {
        try {
          await chain.verifyChain();
          return true;
        } catch (e) {
          if (e instanceof ChainError && e.type.code === 'CHAIN_VERIFY_MISMATCH') {
            node.logger.warn(
              { mismatches: e.type.mismatches },
              'verifychain: the stored chain differs from its replay',
            );
            return false;
          }
          throw e;
        }
      },
    }),
  ];
}
