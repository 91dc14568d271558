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
import { EXP_MUL, EXP2_Q16, LOG2_Q8, LOSS_CAP, MAX_DIST } from './loss.js';
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
    lossTab: number,
    losses: number,
  ): number;
}

const align = (n: number): number => (n + 15) & ~15;
/** Inputs of a dense layer rounded up to a whole number of 8-lane dot products. */
const inPadOf = (inputs: number): number => (inputs + 7) & ~7;
/** The log-loss constants and tables as the kernel reads them (kernels.as, lossTab). */
const LOSS_TABLE = Int32Array.from([EXP_MUL, MAX_DIST, LOSS_CAP, ...EXP2_Q16, ...LOG2_Q8]);
/** Layers a head may have (descriptor room reserved before the batch). */
const MAX_LAYERS = 8;
/** Typed-array views write WASM's little-endian memory directly only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

  /** The batch laid out by the last call (a block scores several heads on one batch). */
  private laid:
    | {
        set: SparseSet;
        end: number;
        offsets: number;
        idx: number;
        val: number;
        labels: number;
        preds: number;
      }
    | undefined;

  /** Lays `set` out after the layer descriptors, unless the last call already did. */
  private layBatch(set: SparseSet, from: number): NonNullable<WasmKernel['laid']> {
    if (this.laid?.set === set) return this.laid;
    const n = set.n;
    let p = from;
    const offsets = p;
    p += align((n + 1) * 4);
    const idx = p;
    p += align(set.idx.length * 2);
    const val = p;
    p += align(set.val.length);
    const labels = p;
    p += align(n);
    const preds = p;
    p += align(n);
    this.reserve(p);
    const buf = this.ex.memory.buffer;
    if (LITTLE_ENDIAN) {
      new Uint32Array(buf, offsets, n + 1).set(set.offsets.subarray(0, n + 1));
      new Uint16Array(buf, idx, set.idx.length).set(set.idx);
    } else {
      const dv = new DataView(buf);
      for (let r = 0; r <= n; r++) dv.setUint32(offsets + r * 4, set.offsets[r]!, true);
      for (let k = 0; k < set.idx.length; k++) dv.setUint16(idx + k * 2, set.idx[k]!, true);
    }
    const u8 = new Uint8Array(buf);
    u8.set(set.val, val);
    u8.set(set.labels, labels);
    this.laid = { set, end: p, offsets, idx, val, labels, preds };
    return this.laid;
  }

  scoreHead(head: QuantHead, set: SparseSet, preds?: Uint8Array, losses?: Int32Array): number {
    const layers = head.layers;
    const desc = align(this.ex.heapBase());
    // room for MAX_LAYERS descriptors, so that the batch after them stays put between calls
    if (layers.length > MAX_LAYERS) throw new RangeError(`at most ${MAX_LAYERS} layers`);
    const batch = this.layBatch(set, desc + align(MAX_LAYERS * 24));
    let p = batch.end;
    let maxPad = 16;
    const place = layers.map((l, i) => {
      const outPad = align(l.outputs);
      maxPad = Math.max(maxPad, outPad);
      const w = p;
      // layer 0: int8 input-major rows of outPad; later layers: i16 output-major rows of inPad
      p += i === 0 ? align(l.inputs * outPad) : align(l.outputs * inPadOf(l.inputs) * 2);
      const b = p;
      p += outPad * 4;
      return { outPad, w, b };
    });
    const acc = p;
    p += maxPad * 4;
    const hid = p;
    p += align(maxPad * 2);
    const lossTab = p;
    p += align(LOSS_TABLE.length * 4);
    const lossOut = losses ? p : 0;
    if (losses) p += set.n * 4;
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
      if (i === 0) {
        const src = new Uint8Array(l.w.buffer, l.w.byteOffset, l.w.length);
        if (outPad === l.outputs) u8.set(src, w);
        else {
          u8.fill(0, w, w + l.inputs * outPad);
          for (let r = 0; r < l.inputs; r++)
            u8.set(src.subarray(r * l.outputs, (r + 1) * l.outputs), w + r * outPad);
        }
      } else {
        const inPad = inPadOf(l.inputs);
        for (let o = 0; o < l.outputs; o++) {
          const row = w + o * inPad * 2;
          for (let j = 0; j < l.inputs; j++) dv.setInt16(row + j * 2, l.w[j * l.outputs + o]!, true);
          for (let j = l.inputs; j < inPad; j++) dv.setInt16(row + j * 2, 0, true);
        }
      }
      for (let o = 0; o < outPad; o++) dv.setInt32(b + o * 4, o < l.outputs ? l.b[o]! : 0, true);
    });
    if (losses)
      for (let k = 0; k < LOSS_TABLE.length; k++) dv.setInt32(lossTab + k * 4, LOSS_TABLE[k]!, true);
    const correct = this.ex.scoreHead(
      layers.length,
      desc,
      set.n,
      batch.offsets,
      batch.idx,
      batch.val,
      batch.labels,
      batch.preds,
      acc,
      hid,
      lossTab,
      lossOut,
    );
    if (preds) preds.set(new Uint8Array(this.ex.memory.buffer, batch.preds, set.n));
    if (losses) {
      if (LITTLE_ENDIAN) losses.set(new Int32Array(this.ex.memory.buffer, lossOut, set.n));
      else for (let r = 0; r < set.n; r++) losses[r] = dv.getInt32(lossOut + r * 4, true);
    }
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
