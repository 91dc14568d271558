/** Control, util and qenex's model namespace. */
import { z } from 'zod';
import { toHex } from '../../../consensus/index.js';
import { decodeAddress, WalletError } from '../../../wallet/index.js';
import { defineMethod, param } from '../registry.js';
import type { RpcMethod } from '../types.js';
import type { RpcNodeContext } from './context.js';

export function controlMethods(node: RpcNodeContext): RpcMethod[] {
  return [
    defineMethod({
      name: 'uptime',
      description: 'Returns the total uptime of the server in seconds.',
      params: [],
      allowInWarmup: true,
      handler: () => Math.max(0, node.now() - node.startedAt),
    }),
    defineMethod({
      name: 'stop',
      description: 'Request a graceful shutdown of the qenex node.',
      params: [],
      allowInWarmup: true,
      handler: () => {
        node.requestStop();
        return 'qenex server stopping';
      },
    }),
    defineMethod({
      name: 'validateaddress',
      description: 'Return information about the given qenex address.',
      params: [param('address', z.string())],
      handler: ({ address }) => {
        try {
          const pkh = decodeAddress(address, node.params);
          return { isvalid: true, address, pubkeyhash: toHex(pkh), iswitness: false };
        } catch (e) {
          if (e instanceof WalletError) return { isvalid: false, error: e.message };
          throw e;
        }
      },
    }),
  ];
}
