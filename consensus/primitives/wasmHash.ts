/**
 * The WebAssembly hashing kernel (consensus/primitives/wasm/hash.as, built into
 * dist/consensus/hash.wasm): SHA-256, sha256d, BIP340 tagged hashes and hash160, with the same
 * results as hash.ts's noble code (test/unit/consensus/primitives/hash.test.ts checks both
 * against node:crypto) in about half the time for the short messages validation hashes. The node
 * reads the module and installs the kernel (node/hashing.ts → useHashKernel); this file does no
 * I/O. Messages longer than the module's input area are fed to it in parts.
 */
import type { Hash, HashKernel } from './hash.js';

interface HashExports {
  readonly memory: WebAssembly.Memory;
  inPtr(): number;
  outPtr(): number;
  midPtr(): number;
  inputBytes(): number;
  begin(): void;
  beginMid(): void;
  update(len: number): void;
  finish(): void;
  sha256(len: number): void;
  sha256d(len: number): void;
  tagged(len: number): void;
  midOf(): void;
  hash160(len: number): void;
  ripemd160of32(): void;
}

const EXPORTS = [
  'inPtr',
  'outPtr',
  'midPtr',
  'inputBytes',
  'begin',
  'beginMid',
  'update',
  'finish',
  'sha256',
  'sha256d',
  'tagged',
  'midOf',
  'hash160',
  'ripemd160of32',
] as const;

class WasmHashKernel implements HashKernel {
  readonly name = 'wasm';
  private readonly ex: HashExports;
  /** The module's memory: static data only (the stub runtime never grows it), so one view serves. */
  private readonly mem: Uint8Array;
  private readonly input: number;
  private readonly output: number;
  private readonly mid: number;
  private readonly capacity: number;
  /** Per tag, the state after its 64-byte prefix (as midOf leaves it). */
  private readonly tags = new Map<string, Uint8Array>();
  private readonly encoder = new TextEncoder();

  constructor(ex: HashExports) {
    this.ex = ex;
    this.mem = new Uint8Array(ex.memory.buffer);
    this.input = ex.inPtr();
    this.output = ex.outPtr();
    this.mid = ex.midPtr();
    this.capacity = ex.inputBytes();
  }

  sha256(data: Uint8Array): Hash {
    if (data.length > this.capacity) {
      this.ex.begin();
      this.feed(data);
      this.ex.finish();
    } else {
      this.mem.set(data, this.input);
      this.ex.sha256(data.length);
    }
    return this.out(32);
  }

  sha256d(data: Uint8Array): Hash {
    if (data.length > this.capacity) return this.sha256(this.sha256(data));
    this.mem.set(data, this.input);
    this.ex.sha256d(data.length);
    return this.out(32);
  }

  hash160(data: Uint8Array): Uint8Array {
    if (data.length > this.capacity) {
      this.mem.set(this.sha256(data), this.input);
      this.ex.ripemd160of32();
    } else {
      this.mem.set(data, this.input);
      this.ex.hash160(data.length);
    }
    return this.out(20);
  }

  tagged(tag: string, msgs: readonly Uint8Array[]): Hash {
    this.mem.set(this.tagState(tag), this.mid);
    let len = 0;
    for (const m of msgs) len += m.length;
    if (len > this.capacity) {
      this.ex.beginMid();
      for (const m of msgs) this.feed(m);
      this.ex.finish();
      return this.out(32);
    }
    let at = this.input;
    for (const m of msgs) {
      this.mem.set(m, at);
      at += m.length;
    }
    this.ex.tagged(len);
    return this.out(32);
  }

  private tagState(tag: string): Uint8Array {
    let state = this.tags.get(tag);
    if (!state) {
      const t = this.sha256(this.encoder.encode(tag));
      this.mem.set(t, this.input);
      this.mem.set(t, this.input + 32);
      this.ex.midOf();
      state = this.out(32);
      this.tags.set(tag, state);
    }
    return state;
  }

  /** Absorbs `data` in parts of at most the input area's size. */
  private feed(data: Uint8Array): void {
    for (let at = 0; at < data.length; at += this.capacity) {
      const part = data.subarray(at, Math.min(data.length, at + this.capacity));
      this.mem.set(part, this.input);
      this.ex.update(part.length);
    }
  }

  private out(bytes: number): Uint8Array {
    return this.mem.slice(this.output, this.output + bytes);
  }
}

/** Instantiates the kernel from the compiled module; throws when the module is not this kernel. */
export function createWasmHashKernel(module: WebAssembly.Module): HashKernel {
  const inst = new WebAssembly.Instance(module, { env: { abort: () => {} } });
  const ex = inst.exports as unknown as HashExports;
  for (const name of EXPORTS) {
    if (typeof ex[name] !== 'function') throw new TypeError(`the hashing module lacks ${name}`);
  }
  if (!(ex.memory instanceof WebAssembly.Memory)) throw new TypeError('the hashing module has no memory');
  return new WasmHashKernel(ex);
}
