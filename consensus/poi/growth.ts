/**
 * When a model may grow (capacity growth, poi/improvement.ts). A small model saturates: its
 * verified gains dry up while the task (language) still has far more to teach. So when a domain
 * has stalled, an update may widen that domain's part of the model without changing its function,
 * up to the evaluator's bound.
 *
 * The window is the last `growthStallBlocks` blocks up to the parent. Growing domain d is allowed
 * when none of them grew the model (nor is genesis among them: the chain is at least that long)
 * and d's verified gains over them (ppm of evalSamples, summed over the window's update blocks; a
 * gain can be negative) are below `growthStallPpm`. The node computes the window from its block
 * index entries, which record each update block's per-domain gains.
 */
import type { NetworkParams } from '../params/types.js';

export interface GrowthWindow {
  /** Blocks up to the parent since the last growth block or genesis (capped at growthStallBlocks). */
  readonly sinceGrowth: number;
  /** Per-domain verified gain (ppm of evalSamples) summed over the window's blocks. */
  readonly gainPpm: readonly number[];
}

/** Whether the window allows growing `domain` (whether the evaluator still can is checked apart). */
export function growthAllowed(w: GrowthWindow, domain: number, params: NetworkParams): boolean {
  const gain = w.gainPpm[domain];
  return w.sinceGrowth >= params.growthStallBlocks && gain !== undefined && gain < params.growthStallPpm;
}

/** Per-domain gains in ppm of `count` samples (floor), from a comparison's per-domain scores. */
export function domainGainsPpm(
  byDomain: readonly { readonly parent: number; readonly child: number }[],
  count: number,
): number[] {
  return byDomain.map((d) => Math.floor(((d.child - d.parent) * 1_000_000) / count));
}

/** What the growth window needs of one block: its per-domain gains and whether it grew the model. */
export interface GrowthRecord {
  readonly gainPpm: readonly number[];
  readonly grew: boolean;
}

/**
 * The window from the blocks up to the parent, newest first (the parent first; genesis excluded).
 * Reads at most `growthStallBlocks` of them.
 */
export function growthWindowOf(
  newestFirst: Iterable<GrowthRecord>,
  domains: number,
  params: NetworkParams,
): GrowthWindow {
  const gainPpm: number[] = new Array(domains).fill(0);
  let sinceGrowth = 0;
  let grewSeen = false;
  let n = 0;
  for (const b of newestFirst) {
    if (n++ >= params.growthStallBlocks) break;
    if (b.grew) grewSeen = true;
    if (!grewSeen) sinceGrowth++;
    b.gainPpm.forEach((g, d) => {
      gainPpm[d] = (gainPpm[d] ?? 0) + g;
    });
  }
  return { sinceGrowth, gainPpm };
}
