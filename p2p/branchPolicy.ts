/**
 * Which branches a node spends work on (Bitcoin Core's AcceptBlock rules for unrequested blocks
 * and its minimum chain work, adapted to weight). Validating a block may cost a model evaluation
 * (~100 ms) and storing it ~100 KB, while a block of an easy target costs its miner next to
 * nothing; so a block is downloaded or validated only when its branch could become the best chain:
 *
 *  - the most weight the branch can reach (its headers' work, each block at the improvement cap:
 *    consensus maxBlockWeight) must reach the network's `minChainWeight`; and
 *  - a branch forking more than `maxLightForkDepth` blocks below our tip must be able to outweigh
 *    the tip (a deep branch that can at best tie is not fetched; it may with one more block).
 *
 * Headers are enough to judge a branch, so sync downloads the headers first and asks for blocks
 * only once they pass; a gossiped block is judged on its header and its stored parent before the
 * chain sees it. Blocks the node makes itself (miner, RPC) never pass through here.
 */
import { type BlockHeader, maxBlockWeight, type NetworkParams } from '../consensus/index.js';
import type { BlockPlace, P2pChain, TipSummary } from './types.js';

/** A branch as its headers show it. */
export interface BranchBound {
  /** Height of the last best-chain block the branch descends from. */
  readonly forkHeight: number;
  /** The most cumulative weight the branch's tip can carry. */
  readonly maxWeight: bigint;
}

/** Why a branch is not worth downloading or validating. */
export type BranchRefusal =
  /** It cannot reach the network's minimum chain weight. */
  | { readonly reason: 'below-min-weight'; readonly detail: string }
  /** It forks deeper than maxLightForkDepth and cannot outweigh our tip. */
  | { readonly reason: 'light-deep-fork'; readonly detail: string };

/** Null when the branch may become the best chain (download and validate it), else why not. */
export function refuseBranch(
  b: BranchBound,
  tip: TipSummary,
  params: Pick<NetworkParams, 'minChainWeight' | 'maxLightForkDepth'>,
): BranchRefusal | null {
  if (b.maxWeight < params.minChainWeight) {
    return {
      reason: 'below-min-weight',
      detail: `branch can weigh at most ${b.maxWeight}, the network's minimum is ${params.minChainWeight}`,
    };
  }
  const depth = tip.height - b.forkHeight;
  if (depth > params.maxLightForkDepth && b.maxWeight <= tip.weight) {
    return {
      reason: 'light-deep-fork',
      detail: `branch forks ${depth} blocks below the tip and can weigh at most ${b.maxWeight}, the tip weighs ${tip.weight}`,
    };
  }
  return null;
}

/** The bound of a branch that so far ends at the stored block `p` (its own weight). */
export function boundAt(p: BlockPlace): BranchBound {
  return { forkHeight: p.forkHeight, maxWeight: p.weight };
}

/** `b` extended by the blocks of these headers, each at the most weight its work can carry. */
export function extendBound(
  b: BranchBound,
  headers: readonly Pick<BlockHeader, 'bits'>[],
  params: Pick<NetworkParams, 'maxImprovementPpm'>,
): BranchBound {
  let maxWeight = b.maxWeight;
  for (const h of headers) maxWeight += maxBlockWeight(h.bits, params);
  return { forkHeight: b.forkHeight, maxWeight };
}

/**
 * The policy for a block nobody asked for (gossip): null when it may be validated. A block whose
 * parent we do not have is left to the chain's bounded orphan pool: its ancestors are fetched
 * headers-first from the sender (syncer.ts), which judges the whole branch.
 */
export function refuseUnsolicited(chain: P2pChain, header: BlockHeader): BranchRefusal | null {
  const parent = chain.blockPlace(header.prevHash);
  if (!parent) return null;
  const bound = extendBound(boundAt(parent), [header], chain.params);
  return refuseBranch(bound, chain.tipSummary(), chain.params);
}
