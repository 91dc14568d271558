import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type Hash = Uint8Array; // 32 bytes

export const ZERO_HASH: Hash = new Uint8Array(32);

/**
 * What computes this module's hashes. The default is noble's JavaScript (below); a node installs
 * the WebAssembly kernel (wasmHash.ts, about twice as fast on validation's short messages) with
 * useHashKernel. Every kernel gives the same digests (tested against node:crypto), so which one
 * runs is not a consensus matter, only a speed one.
 */
export interface HashKernel {
  readonly name: string;
  sha256(data: Uint8Array): Hash;
  sha256d(data: Uint8Array): Hash;
  /** ripemd160(sha256(data)). */
  hash160(data: Uint8Array): Uint8Array;
  /** sha256(sha256(tag) || sha256(tag) || msgs…). */
  tagged(tag: string, msgs: readonly Uint8Array[]): Hash;
}

/*
 * Reused hashers. noble's sha256(x) builds a hasher per call (a block buffer and a DataView),
 * which costs more than the compression itself for the short messages validation hashes for every
 * input (public keys, sighashes, spent outputs). These functions instead reset one scratch hasher
 * per function from a starting state (`_cloneInto`, part of noble's Hash interface) and digest
 * it. Everything here is synchronous, so a call never finds its scratch in use.
 */
const SHA256_START = sha256.create();
const sha256Scratch = sha256.create();
const RIPEMD160_START = ripemd160.create();
const ripemd160Scratch = ripemd160.create();

/** SHA-256 of `msgs` concatenated, resumed from `start` (a state after whole 64-byte blocks). */
function sha256From(start: ReturnType<typeof sha256.create>, msgs: readonly Uint8Array[]): Hash {
  const h = start._cloneInto(sha256Scratch);
  for (const m of msgs) h.update(m);
  return h.digest();
}

/** Per tag, SHA-256's state after the 64-byte prefix sha256(tag) || sha256(tag) (its midstate). */
const tagStates = new Map<string, ReturnType<typeof sha256.create>>();

/** noble's JavaScript, the default kernel. */
export const nobleHashKernel: HashKernel = {
  name: 'js',
  sha256: (data) => sha256From(SHA256_START, [data]),
  sha256d: (data) => sha256From(SHA256_START, [sha256From(SHA256_START, [data])]),
  hash160: (data) =>
    RIPEMD160_START._cloneInto(ripemd160Scratch)
      .update(sha256From(SHA256_START, [data]))
      .digest(),
  // The prefix is one whole SHA-256 block, so each call resumes from the tag's cached midstate:
  // one compression and the concatenation fewer per call (sighashes, merkle nodes).
  tagged(tag, msgs) {
    let state = tagStates.get(tag);
    if (!state) {
      const t = sha256(utf8ToBytes(tag));
      state = sha256.create().update(t).update(t);
      tagStates.set(tag, state);
    }
    return sha256From(state, msgs);
  },
};

let kernel: HashKernel = nobleHashKernel;

/** Makes `k` compute every hash of this module from now on (null: back to noble's). */
export function useHashKernel(k: HashKernel | null): void {
  kernel = k ?? nobleHashKernel;
}

/** The kernel in use ('js' or 'wasm'). */
export function hashKernelName(): string {
  return kernel.name;
}

export function sha256Of(data: Uint8Array): Hash {
  return kernel.sha256(data);
}

export function sha256d(data: Uint8Array): Hash {
  return kernel.sha256d(data);
}

/** hash160 = ripemd160(sha256(x)): public-key hashes in outputs and addresses. */
export function hash160(data: Uint8Array): Uint8Array {
  return kernel.hash160(data);
}

/** BIP340-style tagged hash: sha256(sha256(tag) || sha256(tag) || msgs…). */
export function taggedHash(tag: string, ...msgs: Uint8Array[]): Hash {
  return kernel.tagged(tag, msgs);
}

/**
 * A compact map key of a 32-byte hash (not for display: use toHex): its bytes two per UTF-16
 * code unit, built in one call instead of toHex's 32 concatenations.
 */
export function hashKey(h: Hash): string {
  return String.fromCharCode(
    (h[0]! << 8) | h[1]!,
    (h[2]! << 8) | h[3]!,
    (h[4]! << 8) | h[5]!,
    (h[6]! << 8) | h[7]!,
    (h[8]! << 8) | h[9]!,
    (h[10]! << 8) | h[11]!,
    (h[12]! << 8) | h[13]!,
    (h[14]! << 8) | h[15]!,
    (h[16]! << 8) | h[17]!,
    (h[18]! << 8) | h[19]!,
    (h[20]! << 8) | h[21]!,
    (h[22]! << 8) | h[23]!,
    (h[24]! << 8) | h[25]!,
    (h[26]! << 8) | h[27]!,
    (h[28]! << 8) | h[29]!,
    (h[30]! << 8) | h[31]!,
  );
}

export function toHex(b: Uint8Array): string {
  return bytesToHex(b);
}

export function fromHex(h: string): Uint8Array {
  return hexToBytes(h);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { concatBytes };
