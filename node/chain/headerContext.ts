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

/** Context for a child at `height` of `parent`, the block before it. */
function contextAt(
  height: number,
  parent: { readonly bits: number; readonly time: number },
  intervalStartTime: (start: number) => number,
  times: readonly number[],
  now: number,
  params: NetworkParams,
): HeaderContext {
  const start = retargetStartHeight(height, params);
  const expectedBits = nextBits(
    {
      height,
      parentBits: parent.bits,
      parentTime: parent.time,
      intervalStartTime: start === null ? 0 : intervalStartTime(start),
    },
    params,
  );
  return { expectedBits, medianTimePast: medianTimePast(times, params), now };
}

/** Context for a child of `parent`, a stored block. */
export function headerContext(
  index: BlockIndex,
  parent: ChainEntry,
  now: number,
  params: NetworkParams,
): HeaderContext {
  return contextAt(
    parent.height + 1,
    parent,
    (start) => index.ancestor(parent, start).time,
    index.times(parent, params.medianTimeSpan),
    now,
    params,
  );
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
  return contextAt(
    tip.height + 2,
    parent,
    (start) => (start > tip.height ? parent.time : index.ancestor(tip, start).time),
    [parent.time, ...index.times(tip, params.medianTimeSpan - 1)],
    now,
    params,
  );
}
