/** Control, util and qenex's model namespace. */
import { z } from 'zod';
import { evaluationSeed, toHex } from '../../../consensus/index.js';
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

export function modelMethods(node: RpcNodeContext): RpcMethod[] {
  return [
    defineMethod({
      name: 'getmodelinfo',
      description:
        'Returns the chain model: hash, score on a fresh evaluation sample (seeded by the tip hash) in total and per domain (digits, text, math), number of updates (version) and total verified improvement along the best chain.',
      params: [],
      handler: () => {
        const tip = node.chain.tip;
        let version = 0;
        let total = 0;
        let lastHeight: number | null = null;
        for (let h = tip.height; h > 0; h--) {
          const e = node.chain.getEntryByHeight(h)!;
          if (e.improvementPpm > 0) {
            version++;
            total += e.improvementPpm;
            lastHeight ??= h;
          }
        }
        const n = node.params.evalSamples;
        const byDomain = node.evaluator.scoreByDomain(node.chain.getTipModel(), evaluationSeed(tip.hash), n);
        let correct = 0;
        const domains: Record<string, { correct: number; samples: number; accuracy: number }> = {};
        for (const d of byDomain) {
          correct += d.correct;
          domains[d.domain] = {
            correct: d.correct,
            samples: d.total,
            accuracy: d.total > 0 ? d.correct / d.total : 0,
          };
        }
        return {
          modelhash: toHex(tip.modelHash),
          height: tip.height,
          version,
          score: { correct, samples: n, accuracy: correct / n },
          domains,
          totalimprovementppm: total,
          lastupdateheight: lastHeight,
        };
      },
    }),
  ];
}
