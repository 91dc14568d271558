/** Control, util and qenex's model namespace. */
import { z } from 'zod';
import { toHex } from '../../../consensus/index.js';
import { decodeAddress, WalletError } from '../../../wallet/index.js';
import { RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
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
      name: 'getmemoryinfo',
      description:
        'Returns information about memory usage. mode "stats" (the only one: "mallocinfo" needs glibc\'s malloc_info, which a Node.js process cannot reach): Bitcoin Core\'s "locked" object, here from process.memoryUsage(): used = heapUsed (V8 heap in use), free = heapTotal - heapUsed, total = heapTotal (V8 heap reserved), locked = 0 (Node.js locks no memory in RAM); Core\'s chunks_used and chunks_free have no V8 counterpart and are left out. qenex adds "process": rss, heaptotal, heapused, external (C++ objects bound to JS), arraybuffers (ArrayBuffers and Buffers, included in external), bytes.',
      params: [paramWithDefault('mode', z.string(), 'stats')],
      allowInWarmup: true,
      handler: ({ mode }) => {
        if (mode === 'mallocinfo') throw rpcError(RPC_INVALID_PARAMETER, 'mallocinfo mode not available');
        if (mode !== 'stats') throw rpcError(RPC_INVALID_PARAMETER, `unknown mode ${mode}`);
        const m = process.memoryUsage();
        return {
          locked: { used: m.heapUsed, free: m.heapTotal - m.heapUsed, total: m.heapTotal, locked: 0 },
          process: {
            rss: m.rss,
            heaptotal: m.heapTotal,
            heapused: m.heapUsed,
            external: m.external,
            arraybuffers: m.arrayBuffers,
          },
        };
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
