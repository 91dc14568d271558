/**
 * Loads the WASM SIMD kernel (dist/training/kernels.wasm, built by `npm run build:wasm`) and
 * drives it: per call it lays the head's weights (padded to 16 outputs) and the batch out in the
 * module's memory, then runs `scoreHead`. Returns undefined when the file is missing or the
 * engine lacks SIMD, and callers fall back to the plain-TS kernel.
 */
import { readFileSync } from 'node:fs';
import type { SparseSet } from '../data/sparse.js';
import type { QuantHead } from '../model.js';
import { builtWasmPath } from '../wasmPath.js';
import { scoreHeadJs } from './js.js';
import type { ScoreKernel } from './types.js';

/** The built module (dist/training/kernels.wasm), or undefined when it has not been built. */
export function wasmKernelPath(): string | undefined {
  return builtWasmPath('kernels.wasm');
}

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  scoreHead(
    nLayers: number,
    desc: number,
    n: number,
    offsets: number,
    idx: number,
    val: number,
    labels: number,
    preds: number,
    acc: number,
    hid: number,
  ): number;
}

const align = (n: number): number => (n + 15) & ~15;

export class WasmKernel implements ScoreKernel {
  readonly name = 'wasm' as const;
  private readonly ex: KernelExports;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    const mod = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(mod, { env: { abort: () => {} } });
    this.ex = inst.exports as unknown as KernelExports;
  }

  private reserve(bytes: number): void {
    const mem = this.ex.memory;
    const need = bytes - mem.buffer.byteLength;
    if (need > 0) mem.grow(Math.ceil(need / 65536));
  }

  scoreHead(head: QuantHead, set: SparseSet, preds?: Uint8Array): number {
    const layers = head.layers;
    let p = align(this.ex.heapBase());
    const desc = p;
    p += align(layers.length * 24);
    let maxPad = 16;
    const place = layers.map((l) => {
      const outPad = align(l.outputs);
      maxPad = Math.max(maxPad, outPad);
      const w = p;
      p += align(l.inputs * outPad);
      const b = p;
      p += outPad * 4;
      return { outPad, w, b };
    });
    const n = set.n;
    const offsets = p;
    p += align((n + 1) * 4);
    const idx = p;
    p += align(set.idx.length * 2);
    const val = p;
    p += align(set.val.length);
    const labels = p;
    p += align(n);
    const predPtr = p;
    p += align(n);
    const acc = p;
    p += maxPad * 4;
    const hid = p;
    p += maxPad;
    this.reserve(p);
    const buf = this.ex.memory.buffer;
    const u8 = new Uint8Array(buf);
    const dv = new DataView(buf);
    layers.forEach((l, i) => {
      const { outPad, w, b } = place[i]!;
      const d = desc + i * 24;
      dv.setInt32(d, l.inputs, true);
      dv.setInt32(d + 4, l.outputs, true);
      dv.setInt32(d + 8, outPad, true);
      dv.setInt32(d + 12, l.shift, true);
      dv.setInt32(d + 16, w, true);
      dv.setInt32(d + 20, b, true);
      const src = new Uint8Array(l.w.buffer, l.w.byteOffset, l.w.length);
      if (outPad === l.outputs) u8.set(src, w);
      else {
        u8.fill(0, w, w + l.inputs * outPad);
        for (let r = 0; r < l.inputs; r++)
          u8.set(src.subarray(r * l.outputs, (r + 1) * l.outputs), w + r * outPad);
      }
      for (let o = 0; o < outPad; o++) dv.setInt32(b + o * 4, o < l.outputs ? l.b[o]! : 0, true);
    });
    for (let r = 0; r <= n; r++) dv.setUint32(offsets + r * 4, set.offsets[r]!, true);
    for (let k = 0; k < set.idx.length; k++) dv.setUint16(idx + k * 2, set.idx[k]!, true);
    u8.set(set.val, val);
    u8.set(set.labels, labels);
    const correct = this.ex.scoreHead(layers.length, desc, n, offsets, idx, val, labels, predPtr, acc, hid);
    if (preds) preds.set(new Uint8Array(this.ex.memory.buffer, predPtr, n));
    return correct;
  }
}

/** The WASM kernel, or undefined when the module is missing or cannot run here. */
export function loadWasmKernel(path: string | undefined = wasmKernelPath()): WasmKernel | undefined {
  if (path === undefined) return undefined;
  try {
    return new WasmKernel(new Uint8Array(readFileSync(path)));
  } catch {
    return undefined;
  }
}

export const jsKernel: ScoreKernel = { name: 'js', scoreHead: scoreHeadJs };
