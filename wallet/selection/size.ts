/**
 * Exact transaction sizes and fees. Every qenex input has the same size (outpoint 36 bytes plus a
 * 96-byte witness: x-only key and BIP340 signature) and every output is 28 bytes, so the size of a
 * transaction is known before it is signed and equals the consensus `txSize` of the result.
 */
import { OUTPOINT_SIZE, OUTPUT_SIZE, WITNESS_SIZE } from '../../consensus/index.js';

/** Bytes one input adds (outpoint + witness). */
export const INPUT_SIZE = OUTPOINT_SIZE + WITNESS_SIZE;
export { OUTPUT_SIZE };

function varintLen(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : 5;
}

/** Serialized size of a transaction with `nIn` inputs and `nOut` outputs (version, counts, lockTime). */
export function txSizeFor(nIn: number, nOut: number): number {
  return 4 + varintLen(nIn) + nIn * INPUT_SIZE + varintLen(nOut) + nOut * OUTPUT_SIZE + 4;
}

/** Fee of `size` bytes at `feeRate` units per 1000 bytes, rounded up. */
export function feeFor(size: number, feeRate: bigint): bigint {
  return (feeRate * BigInt(size) + 999n) / 1000n;
}
