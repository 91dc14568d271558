/**
 * Nonce grinders: search a range of nonces of one header for the first whose proof-of-work hash
 * (sha256d of the 116-byte header, read big-endian) is at most the target, a batch per call.
 *
 *  - WasmGrinder runs node/miner/wasm/sha256d.as (built into dist/node/miner/sha256d.wasm by
 *    scripts/buildWasm.ts): the header's first 64-byte block is compressed once per job (the
 *    midstate) and four nonces go through the rest at once in i32x4 lanes, about 12× the nonces
 *    per second of a node:crypto call per hash on one thread (docs/architecture.md, "Proof-of-work
 *    search").
 *  - CryptoGrinder is the fallback when the module is not built or the engine lacks SIMD: two
 *    node:crypto sha256 calls per nonce, as the miner did before the WASM grinder.
 *
 * Both return the same nonce for the same job and range (the tests compare them, and each with
 * consensus's headerHash). A batch is sized to take a few milliseconds, so a caller that checks
 * for an interrupt between batches stops promptly.
 */
import { readFileSync } from 'node:fs';
import { HEADER_SIZE, NONCE_OFFSET } from '../../consensus/index.js';
import { builtModulePath } from '../builtWasm.js';
import { meetsTarget, powHash } from './pow.js';

export type PowEngine = 'wasm' | 'node:crypto';

/** A nonce at or below the target. */
export interface GrindHit {
  readonly nonce: bigint;
  /** Its proof-of-work hash (32 bytes). */
  readonly hash: Uint8Array;
  /** Nonces tried by the call that found it, the winner included. */
  readonly tries: number;
}

export interface Grinder {
  readonly engine: PowEngine;
  /** Nonces per grind() call that take a few ms on this engine: the interrupt granularity. */
  readonly batch: number;
  /** Starts a job: the encoded header (its nonce field is ignored) and the 32-byte big-endian target. */
  setJob(header: Uint8Array, target: Uint8Array): void;
  /**
   * Tries nonces start, start + 1, ... (u64, wrapping), `count` of them (at most MAX_GRIND_COUNT),
   * and returns the first at or below the target, or null.
   */
  grind(start: bigint, count: number): GrindHit | null;
}

/** Largest `count` of one grind() call (the kernel returns the winner's offset as an i32). */
export const MAX_GRIND_COUNT = 2 ** 30;
/** Nonces per batch: about 3 ms at the measured 5M/s (WASM) and 5 ms at 400k/s (node:crypto). */
const WASM_BATCH = 16_384;
const CRYPTO_BATCH = 2048;
const U64 = (1n << 64n) - 1n;

// Internal invariants (PowWorker.search validates a job's shape and size first): RangeError.
function checkJob(header: Uint8Array, target: Uint8Array): void {
  if (header.length !== HEADER_SIZE || target.length !== 32) {
    throw new RangeError(
      `grinder job: header ${header.length} bytes (need ${HEADER_SIZE}), target ${target.length} (need 32)`,
    );
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_GRIND_COUNT) {
    throw new RangeError(`grind count ${count} outside [0, ${MAX_GRIND_COUNT}]`);
  }
}

/** The fallback: a node:crypto sha256d per nonce on a copy of the header. */
export class CryptoGrinder implements Grinder {
  readonly engine = 'node:crypto' as const;
  readonly batch = CRYPTO_BATCH;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private readonly view = new DataView(this.header.buffer);
  private readonly target = new Uint8Array(32);

  setJob(header: Uint8Array, target: Uint8Array): void {
    checkJob(header, target);
    this.header.set(header);
    this.target.set(target);
  }

  grind(start: bigint, count: number): GrindHit | null {
    checkCount(count);
    const s = start & U64;
    let lo = Number(s & 0xffffffffn);
    let hi = Number(s >> 32n);
    for (let i = 0; i < count; i++) {
      this.view.setUint32(NONCE_OFFSET, lo, true);
      this.view.setUint32(NONCE_OFFSET + 4, hi, true);
      const hash = powHash(this.header);
      if (meetsTarget(hash, this.target)) {
        return { nonce: (BigInt(hi) << 32n) | BigInt(lo), hash: new Uint8Array(hash), tries: i + 1 };
      }
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    return null;
  }
}

interface Sha256dExports {
  readonly memory: WebAssembly.Memory;
  /** Address of the I/O area: header at +0, target at +128, the winner's digest at +160. */
  io(): number;
  setJob(): void;
  /** Offset of the first winning nonce in [0, count), or -1; lo and hi are the start's u32 halves. */
  grind(lo: number, hi: number, count: number): number;
}

const IO_TARGET = 128;
const IO_DIGEST = 160;

/** The WASM SIMD grinder, one instance of the module (one job at a time). */
export class WasmGrinder implements Grinder {
  readonly engine = 'wasm' as const;
  readonly batch = WASM_BATCH;
  private readonly ex: Sha256dExports;
  private readonly io: number;

  constructor(module: WebAssembly.Module) {
    const inst = new WebAssembly.Instance(module, { env: { abort: () => {} } });
    this.ex = inst.exports as unknown as Sha256dExports;
    this.io = this.ex.io();
  }

  setJob(header: Uint8Array, target: Uint8Array): void {
    checkJob(header, target);
    const mem = new Uint8Array(this.ex.memory.buffer);
    mem.set(header, this.io);
    mem.set(target, this.io + IO_TARGET);
    this.ex.setJob();
  }

  grind(start: bigint, count: number): GrindHit | null {
    checkCount(count);
    const s = start & U64;
    // u32 halves above 2^31 reach the i32 parameters with the same bits (ToInt32)
    const i = this.ex.grind(Number(s & 0xffffffffn), Number(s >> 32n), count);
    if (i < 0) return null;
    const digest = this.io + IO_DIGEST;
    return {
      nonce: (s + BigInt(i)) & U64,
      hash: new Uint8Array(this.ex.memory.buffer).slice(digest, digest + 32),
      tries: i + 1,
    };
  }
}

/**
 * The built module, dist/node/miner/sha256d.wasm (from the source tree or the compiled one);
 * undefined when it has not been built.
 */
export function grinderWasmPath(): string | undefined {
  return builtModulePath('node/miner/sha256d.wasm');
}

/** The WASM grinder, or undefined when the module is missing or cannot run here (no WASM SIMD). */
export function loadWasmGrinder(path: string | undefined = grinderWasmPath()): WasmGrinder | undefined {
  if (path === undefined) return undefined;
  try {
    return new WasmGrinder(new WebAssembly.Module(readFileSync(path)));
  } catch {
    return undefined;
  }
}

/** The fastest grinder available here: WASM when built and supported, else node:crypto. */
export function createGrinder(): Grinder {
  return loadWasmGrinder() ?? new CryptoGrinder();
}

export interface InlineResult {
  /** The winning nonce, or null if `maxTries` ran out. */
  readonly nonce: bigint | null;
  readonly tries: number;
}

/**
 * Tries nonces `start`, `start + 1`, ... of the encoded header on the calling thread, at most
 * `maxTries`, a batch at a time, yielding to the event loop between batches so that a long search
 * does not starve it (generatetoaddress).
 */
export async function searchInline(
  grinder: Grinder,
  header: Uint8Array,
  target: Uint8Array,
  start: bigint,
  maxTries: number,
): Promise<InlineResult> {
  grinder.setJob(header, target);
  let tries = 0;
  while (tries < maxTries) {
    if (tries > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const n = Math.min(grinder.batch, maxTries - tries);
    const hit = grinder.grind(start + BigInt(tries), n);
    if (hit) return { nonce: hit.nonce, tries: tries + hit.tries };
    tries += n;
  }
  return { nonce: null, tries };
}
