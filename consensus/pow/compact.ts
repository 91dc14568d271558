/**
 * Compact target ("nBits") encoding, as Bitcoin's arith_uint256::SetCompact / GetCompact, but
 * strict: only the canonical encoding of a positive target that fits in 256 bits is accepted.
 *
 * Layout of the 32-bit compact value: the top byte is a size `n` (number of bytes of the target),
 * the low 23 bits are the mantissa, bit 0x00800000 is a sign bit.
 *   target = mantissa * 256^(n-3)            (n >= 3)
 *   target = mantissa >> 8 * (3 - n)         (n < 3)
 */
import { DecodeError, VerdictError } from '../errors.js';

/** 2^256 - 1, the largest value a 256-bit target or hash can take. */
export const MAX_TARGET = (1n << 256n) - 1n;

const SIGN_BIT = 0x00800000;
const MANTISSA_MASK = 0x007fffff;

/**
 * Decode compact bits to a target. Throws VerdictError('bad-diffbits') when the encoding is
 * negative (sign bit set with a non-zero mantissa), overflows 256 bits, decodes to zero, or is not
 * the canonical encoding of its value (sign bit set on a zero mantissa, a mantissa with a leading
 * zero byte that could be shorter, or low bytes that are shifted out for sizes below 3).
 * Canonical means exactly: `targetToBits(bitsToTarget(bits)) === bits`.
 */
export function bitsToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) {
    throw new VerdictError('bad-diffbits', `bits ${bits} is not a uint32`);
  }
  const size = bits >>> 24;
  const word = bits & MANTISSA_MASK;
  const target = size <= 3 ? BigInt(word >>> (8 * (3 - size))) : BigInt(word) << BigInt(8 * (size - 3));
  if (word !== 0 && (bits & SIGN_BIT) !== 0) {
    throw new VerdictError('bad-diffbits', `bits ${hex32(bits)} encodes a negative target`);
  }
  if (target > MAX_TARGET) {
    throw new VerdictError('bad-diffbits', `bits ${hex32(bits)} overflows 256 bits`);
  }
  if (target === 0n) {
    throw new VerdictError('bad-diffbits', `bits ${hex32(bits)} encodes a zero target`);
  }
  if (targetToBits(target) !== bits) {
    throw new VerdictError('bad-diffbits', `bits ${hex32(bits)} is not canonical`);
  }
  return target;
}

/**
 * Canonical compact encoding of a target in [1, 2^256-1]. Like Bitcoin's GetCompact it keeps only
 * the top 3 significant bytes (rounding down), so `bitsToTarget(targetToBits(t)) <= t`.
 * Throws VerdictError('bad-diffbits') for a target outside that range.
 */
export function targetToBits(target: bigint): number {
  if (target <= 0n || target > MAX_TARGET) {
    throw new VerdictError('bad-diffbits', `target ${target} outside [1, 2^256-1]`);
  }
  let size = byteLength(target);
  let mantissa =
    size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is the sign bit: move to a longer encoding instead.
  if ((mantissa & SIGN_BIT) !== 0) {
    mantissa >>>= 8;
    size += 1;
  }
  return ((size << 24) | mantissa) >>> 0;
}

/**
 * Read a 32-byte hash as an unsigned 256-bit number in BIG-endian byte order: `hash32[0]` is the
 * most significant byte. (Bitcoin reads hashes little-endian; qenex displays and compares hashes
 * in raw byte order, so a hash that "starts with zeros" is a small number.)
 * Throws DecodeError('DECODE_INVALID_VALUE') if the input is not exactly 32 bytes.
 */
export function hashToBigInt(hash32: Uint8Array): bigint {
  if (hash32.length !== 32) {
    throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: `hash length ${hash32.length}, need 32` });
  }
  let n = 0n;
  for (const b of hash32) n = (n << 8n) | BigInt(b);
  return n;
}

/**
 * Proof-of-work check for a header hash. Throws VerdictError:
 *   'bad-diffbits' if `bits` is not a valid canonical target, or its target is easier (greater)
 *                  than the network's powLimit;
 *   'high-hash'    if the hash, read big-endian, is greater than the target.
 */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimitBits: number): void {
  const target = bitsToTarget(bits);
  const powLimit = bitsToTarget(powLimitBits);
  if (target > powLimit) {
    throw new VerdictError('bad-diffbits', `target of ${hex32(bits)} above powLimit ${hex32(powLimitBits)}`);
  }
  if (hashToBigInt(hash) > target) {
    throw new VerdictError('high-hash', `hash above target of ${hex32(bits)}`);
  }
}

/** Number of bytes needed to hold a positive bigint. */
function byteLength(n: bigint): number {
  return Math.ceil(n.toString(16).length / 2);
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
