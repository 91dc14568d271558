/** Util namespace: estimatesmartfee, from the node's fee estimator (node/fees). */
import { z } from 'zod';
import { FeeEstimator, FeeEstimatorError, MAX_CONF_TARGET } from '../../fees/index.js';
import { formatAmount } from '../amount.js';
import { RPC_INVALID_PARAMETER, RPC_MISC_ERROR, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import type { RpcNodeContext } from './context.js';

const ESTIMATE_MODES = ['unset', 'economical', 'conservative'] as const;

export function feeMethods(node: RpcNodeContext): RpcMethod[] {
  const estimator = new FeeEstimator({}, { chain: node.chain, mempool: node.mempool });
  return [
    defineMethod({
      name: 'estimatesmartfee',
      description:
        'Estimates the fee rate (QXC per 1000 bytes) a transaction needs to begin confirmation within conf_target blocks, from the lowest fee rates full recent blocks took (85% of 12 windows of conf_target blocks economical, 95% of 48 conservative), what the mempool holds for the next conf_target blocks, and its current minimum. "unset" is economical (Bitcoin Core 28\'s default). Without a confirmed transaction in that history: "errors": ["Insufficient data or no feerate found"].',
      params: [
        param('conf_target', z.number().int()),
        paramWithDefault('estimate_mode', z.string(), 'unset'),
      ],
      result: '{"feerate": n, "errors": ["str"], "blocks": n}',
      handler: async ({ conf_target, estimate_mode }) => {
        if (conf_target < 1 || conf_target > MAX_CONF_TARGET) {
          throw rpcError(
            RPC_INVALID_PARAMETER,
            `Invalid conf_target, must be between 1 and ${MAX_CONF_TARGET}`,
          );
        }
        const mode = estimate_mode.toLowerCase();
        if (!(ESTIMATE_MODES as readonly string[]).includes(mode)) {
          throw rpcError(
            RPC_INVALID_PARAMETER,
            'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"',
          );
        }
        try {
          const e = await estimator.estimate(
            conf_target,
            mode === 'conservative' ? 'conservative' : 'economical',
          );
          return e.feeRate === null
            ? { errors: ['Insufficient data or no feerate found'], blocks: e.blocks }
            : { feerate: formatAmount(e.feeRate), blocks: e.blocks };
        } catch (err) {
          if (err instanceof FeeEstimatorError) throw rpcError(RPC_MISC_ERROR, `${err.message}; try again`);
          throw err;
        }
      },
    }),
  ];
}
