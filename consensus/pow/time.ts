/** Block timestamp rules, as Bitcoin's GetMedianTimePast and ContextualCheckBlockHeader. */
import { VerdictError } from '../errors.js';
import type { NetworkParams } from '../params/types.js';

export type TimeParams = Pick<NetworkParams, 'medianTimeSpan' | 'maxFutureDrift'>;

/**
 * Median time past of a new block's ancestors. `times` are header times in chain order, oldest
 * first, ending with the parent's time; only the last `params.medianTimeSpan` are used (fewer near
 * genesis). As Bitcoin, the result is the element at index floor(n / 2) of the sorted window, so for
 * an even count it is the upper of the two middle values.
 * Throws VerdictError('time-too-old') if `times` is empty (a block without ancestors has no MTP).
 */
export function medianTimePast(times: readonly number[], params: Pick<TimeParams, 'medianTimeSpan'>): number {
  const window = times.slice(Math.max(0, times.length - params.medianTimeSpan));
  if (window.length === 0) {
    throw new VerdictError('time-too-old', 'median time past of an empty chain');
  }
  window.sort((a, b) => a - b);
  return window[Math.floor(window.length / 2)]!;
}

/**
 * Check a block's header time against its ancestors' median time past and the validating node's
 * clock `now` (seconds; always passed in, consensus reads no clock). Throws VerdictError:
 *   'time-too-old' (level 'invalid') if time <= mtp;
 *   'time-too-new' (level 'context') if time > now + params.maxFutureDrift — the block may become
 *                  valid later, so the sender is not punished.
 */
export function checkBlockTime(
  time: number,
  mtp: number,
  now: number,
  params: Pick<TimeParams, 'maxFutureDrift'>,
): void {
  if (time <= mtp) {
    throw new VerdictError('time-too-old', `block time ${time} <= median time past ${mtp}`);
  }
  if (time > now + params.maxFutureDrift) {
    throw new VerdictError(
      'time-too-new',
      `block time ${time} > now ${now} + ${params.maxFutureDrift}`,
      'context',
    );
  }
}
