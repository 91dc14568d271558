/** Chain work, as Bitcoin's GetBlockProof. */
import { VerdictError } from '../errors.js';
import { bitsToTarget, MAX_TARGET } from './compact.js';

const TWO_256 = 1n << 256n;

/**
 * Expected number of hashes to find a block at `target` (in [1, 2^256-1], else
 * VerdictError('bad-diffbits')): floor(2^256 / (target + 1)).
 * (Bitcoin computes it as ~target / (target + 1) + 1, which is the same value.)
 */
export function workFromTarget(target: bigint): bigint {
  if (target <= 0n || target > MAX_TARGET) {
    throw new VerdictError('bad-diffbits', `target ${target} outside [1, 2^256-1]`);
  }
  return TWO_256 / (target + 1n);
}

/**
 * Work of a block with compact `bits`. Unlike Bitcoin (which returns 0 for an invalid nBits) this
 * throws VerdictError('bad-diffbits') for bits that `bitsToTarget` rejects: bits must already be
 * valid for a block to carry work.
 */
export function workFromBits(bits: number): bigint {
  return workFromTarget(bitsToTarget(bits));
}
