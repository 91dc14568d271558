/**
 * The context a block header is judged in (consensus checkHeaderContext): the bits the retarget
 * rule expects and the median time past of the blocks before it, read from the block index.
 */
import {
  type BlockHeader,
  type HeaderContext,
  medianTimePast,
  type NetworkParams,
  nextBits,
  retargetStartHeight,
} from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';
import type { BlockIndex } from './blockIndex.js';

/** Context for a child of `parent`, a stored block. */
export function headerContext(
  index: BlockIndex,
  parent: ChainEntry,
  now: number,
  params: NetworkParams,
): HeaderContext {
  const height = parent.height + 1;
  const start = retargetStartHeight(height, params);
  const intervalStartTime = start === null ? 0 : index.ancestor(parent, start).time;
  const expectedBits = nextBits(
    { height, parentBits: parent.bits, parentTime: parent.time, intervalStartTime },
    params,
  );
  const mtp = medianTimePast(index.times(parent, params.medianTimeSpan), params);
  return { expectedBits, medianTimePast: mtp, now };
}

/**
 * Context for a child of `parent`, a header not stored yet whose own parent is the tip (a block
 * relayed before validation whose validation has not finished).
 */
export function headerContextAfterTip(
  index: BlockIndex,
  parent: BlockHeader,
  now: number,
  params: NetworkParams,
): HeaderContext {
  const tip = index.tip;
  const height = tip.height + 2;
  const start = retargetStartHeight(height, params);
  const intervalStartTime =
    start === null ? 0 : start > tip.height ? parent.time : index.ancestor(tip, start).time;
  const expectedBits = nextBits(
    { height, parentBits: parent.bits, parentTime: parent.time, intervalStartTime },
    params,
  );
  const times = [parent.time, ...index.times(tip, params.medianTimeSpan - 1)];
  return { expectedBits, medianTimePast: medianTimePast(times, params), now };
}
