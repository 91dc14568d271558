import type { RpcMethod } from '../types.js';
import { chainMethods } from './chain.js';
import { chainStateMethods } from './chainState.js';
import type { RpcNodeContext } from './context.js';
import { controlMethods } from './control.js';
import { feeMethods } from './fees.js';
import { miningMethods } from './mining.js';
import { modelMethods } from './model.js';
import { netMethods } from './net.js';
import { rawTxMethods } from './rawtx.js';

export type { RpcNodeContext } from './context.js';

/** Every namespace of the node, by category (shown by `help`). */
export function nodeNamespaces(node: RpcNodeContext): Array<[string, RpcMethod[]]> {
  return [
    ['blockchain', [...chainMethods(node), ...chainStateMethods(node)]],
    ['rawtransactions', rawTxMethods(node)],
    ['mining', miningMethods(node)],
    ['network', netMethods(node)],
    ['control', controlMethods(node)],
    ['util', feeMethods(node)],
    ['model', modelMethods(node)],
  ];
}
