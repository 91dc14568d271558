/** qenex's training namespace: local trainer state, improvements on the best chain, delta submission. */
import { z } from 'zod';
import {
  contributorPool,
  equalBytes,
  evaluationSeed,
  fromHex,
  improvementBonus,
  type NetworkParams,
  toHex,
} from '../../../consensus/index.js';
import {
  applyModelDelta,
  type DeltaPool,
  decodeDelta,
  FederationError,
  type NetworkModel,
  type UpdateProposer,
} from '../../../training/index.js';
import { encodeAddress } from '../../../wallet/index.js';
import type { Chain } from '../../chain/index.js';
import type { TrainingService } from '../../training/index.js';
import { formatAmount, type RpcAmount } from '../amount.js';
import { RPC_VERIFY_REJECTED, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { hexBytesSchema } from '../validators.js';
import type { RpcEvaluator } from './context.js';

/** Samples drawn for the local per-domain accuracy in gettraininginfo. */
const LOCAL_EVAL_SAMPLES = 4096;

export interface TrainingRpcDeps {
  readonly chain: Chain;
  readonly evaluator: RpcEvaluator;
  readonly pool: DeltaPool;
  /** The miner's aggregator (rule, last claim). */
  readonly proposer: UpdateProposer;
  readonly params: NetworkParams;
  /** Configured cadence of the local trainer's deltas. */
  readonly deltaIntervalMs: number;
  /** The local trainer (null when training is off). */
  training(): TrainingService | null;
  /** Gossips an accepted delta. */
  announce(bytes: Uint8Array): Promise<number>;
}

function lastImprovement(chain: Chain): { height: number; ppm: number } | null {
  for (let h = chain.tip.height; h > 0; h--) {
    const e = chain.getEntryByHeight(h)!;
    if (e.improvementPpm > 0) return { height: h, ppm: e.improvementPpm };
  }
  return null;
}

export function trainingMethods(deps: TrainingRpcDeps): RpcMethod[] {
  const { chain, evaluator, pool, proposer, params } = deps;
  return [
    defineMethod({
      name: 'gettraininginfo',
      description:
        'Returns the local trainer state (shard, samples/s, samples since the current chain model), deltas sent and received, the last verified improvement on the best chain, the per-domain accuracy of the locally trained model on the tip-seeded evaluation batch, and the kernels in use: scoringkernel (consensus scoring) and trainingkernel (local training; null when not training), each "wasm" (WebAssembly SIMD) or "js" (plain TypeScript, slower).',
      params: [],
      handler: async () => {
        const svc = deps.training();
        const stats = svc?.stats() ?? null;
        const pooled = pool.stats();
        const last = lastImprovement(chain);
        let domains: Record<string, { correct: number; samples: number; accuracy: number }> | null = null;
        if (svc?.running) {
          const snap = await svc.snapshot();
          const tipModel = chain.getTipModel() as NetworkModel;
          const local =
            snap.delta && snap.baseModelHash && equalBytes(snap.baseModelHash, chain.tip.modelHash)
              ? applyModelDelta(tipModel, decodeDelta(snap.delta))
              : tipModel;
          domains = {};
          for (const d of evaluator.scoreByDomain(
            local,
            evaluationSeed(chain.tip.hash),
            LOCAL_EVAL_SAMPLES,
            chain.tip.levels.levels,
          )) {
            domains[d.domain] = {
              correct: d.correct,
              samples: d.total,
              accuracy: d.total > 0 ? d.correct / d.total : 0,
            };
          }
        }
        return {
          enabled: svc !== null,
          running: svc?.running ?? false,
          scoringkernel: evaluator.kernelName(),
          trainingkernel: svc?.kernel ?? null,
          shard: stats ? `${stats.shard.index}/${stats.shard.count}` : null,
          contributor: stats?.contributor ?? null,
          payoutaddress: stats?.contributor ? encodeAddress(fromHex(stats.contributor), params) : null,
          deltaintervalms: deps.deltaIntervalMs,
          aggregation: proposer.rule,
          lastprecheckppm: proposer.lastPrecheckPpm,
          lastclaimppm: proposer.lastClaimPpm,
          samples: stats?.samples ?? 0,
          samplespersec: stats ? Math.round(stats.samplesPerSecond) : 0,
          deltassent: stats?.deltasSent ?? 0,
          deltasreceived: pooled.received,
          deltasrejected: pooled.rejected,
          pooleddeltas: pooled.size,
          lastimprovement: last ? { height: last.height, ppm: last.ppm } : null,
          localaccuracy: domains,
        };
      },
    }),
    defineMethod({
      name: 'getimprovements',
      description:
        "Lists the most recent best-chain blocks with a verified model improvement (newest first): height, hash, measured and claimed improvement in ppm, the bonus, the contributors' pool, each contribution (payout address, signer, reported samples, delta bytes) and what the next block pays each address (by measured credit).",
      params: [paramWithDefault('count', z.number().int().min(1).max(10_000), 10)],
      handler: async ({ count }) => {
        const out: Array<{
          height: number;
          hash: string;
          improvementppm: number;
          claimedppm: number;
          bonus: RpcAmount;
          pool: RpcAmount;
          contributions: Array<{ address: string; signer: string; samples: number; deltasize: number }>;
          payouts: Array<{ pubkeyhash: string; address: string; amount: RpcAmount }>;
        }> = [];
        for (let h = chain.tip.height; h > 0 && out.length < count; h--) {
          const e = chain.getEntryByHeight(h)!;
          if (e.improvementPpm <= 0) continue;
          const update = (await chain.getBlock(e.hash))?.update;
          if (!update) continue;
          const input = {
            height: h,
            improvementPpm: update.claimedPpm,
            issuedBefore: chain.getEntryByHeight(h - 1)!.issuedAfter,
          };
          const bonus = improvementBonus(input, params);
          out.push({
            height: h,
            hash: toHex(e.hash),
            improvementppm: e.improvementPpm,
            claimedppm: update.claimedPpm,
            bonus: formatAmount(bonus),
            pool: formatAmount(contributorPool(bonus, params)),
            contributions: update.contributions.map((c) => ({
              address: encodeAddress(c.payout, params),
              signer: toHex(c.pubkey),
              samples: c.samples,
              deltasize: c.delta.length,
            })),
            payouts: e.owed.map((p) => ({
              pubkeyhash: toHex(p.pubKeyHash),
              address: encodeAddress(p.pubKeyHash, params),
              amount: formatAmount(p.value),
            })),
          });
        }
        return out;
      },
    }),
    defineMethod({
      name: 'submitdelta',
      description:
        'Submits a signed model delta (hex-encoded SignedDelta) against the current chain model: validated, pooled for the miner and gossiped.',
      params: [param('hexstring', hexBytesSchema)],
      handler: async ({ hexstring }) => {
        let added: boolean;
        try {
          added = pool.add(hexstring);
        } catch (e) {
          if (e instanceof FederationError) throw rpcError(RPC_VERIFY_REJECTED, e.message);
          throw e;
        }
        if (added) await deps.announce(hexstring).catch(() => 0);
        return { accepted: added, pooled: pool.stats().size };
      },
    }),
  ];
}
