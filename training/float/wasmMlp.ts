/**
 * The WASM SIMD float training kernel (dist/training/train.wasm, built from training/wasm/train.as
 * by `npm run build:wasm`): the same model, loss and Adam semantics as the plain-TS HeadTrainer
 * (mlp.ts), in float32 with f32x4 arithmetic. Each head trainer owns one instance whose memory
 * holds the weights, gradient sums, Adam moments and scratch for the whole training run; per step
 * only the minibatch's sparse rows are copied in. Weights are copied in by loadHead and out by
 * readHead (once per training round). `loadWasmTrainKernel` returns undefined when the module is
 * missing or the engine lacks SIMD, and callers fall back to the TS kernel.
 */
import { readFileSync } from 'node:fs';
import { WEIGHT_MAX } from '../arch.js';
import type { SparseSet } from '../data/sparse.js';
import { builtWasmPath } from '../wasmPath.js';
import { checkHeadShape, DEFAULT_ADAM } from './mlp.js';
import type { AdamOptions, FloatHead, FloatHeadTrainer, TrainKernel } from './types.js';

/** The built module (dist/training/train.wasm), or undefined when it has not been built. */
export function wasmTrainerPath(): string | undefined {
  return builtWasmPath('train.wasm');
}

interface TrainExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  accumulate(
    nLayers: number,
    desc: number,
    n: number,
    offsets: number,
    idx: number,
    val: number,
    labels: number,
  ): number;
  adam(
    nLayers: number,
    desc: number,
    rows: number,
    nRows: number,
    scale: number,
    lrc1: number,
    b1: number,
    b2: number,
    eps: number,
    c2: number,
  ): void;
  predict(
    nLayers: number,
    desc: number,
    n: number,
    offsets: number,
    idx: number,
    val: number,
    preds: number,
  ): void;
}

const align = (n: number): number => (n + 15) & ~15;
const DESC_BYTES = 64;

interface Place {
  readonly inputs: number;
  readonly outputs: number;
  readonly shift: number;
  readonly outPad: number;
  /** Byte addresses. */
  readonly w: number;
  readonly b: number;
}

export class WasmHeadTrainer implements FloatHeadTrainer {
  readonly kernel = 'wasm' as const;
  private readonly ex: TrainExports;
  private readonly desc: number;
  private readonly places: readonly Place[];
  /** First byte after the parameters: minibatches are laid out from here. */
  private readonly batchBase: number;
  private buf: ArrayBuffer | undefined;
  private u8 = new Uint8Array(0);
  private u16 = new Uint16Array(0);
  private u32 = new Uint32Array(0);
  private f32 = new Float32Array(0);
  private t = 0;
  /** Per input row of the first layer: the batch (epoch) that last listed it (row-lazy Adam). */
  private readonly stamp: Uint32Array;
  private epoch = 0;

  constructor(
    module: WebAssembly.Module,
    head: FloatHead,
    private readonly opt: AdamOptions = DEFAULT_ADAM,
  ) {
    const inst = new WebAssembly.Instance(module, { env: { abort: () => {} } });
    this.ex = inst.exports as unknown as TrainExports;
    let p = align(this.ex.heapBase());
    this.desc = p;
    p += align(head.layers.length * DESC_BYTES);
    const addrs: number[][] = [];
    this.places = head.layers.map((l) => {
      const outPad = (l.outputs + 3) & ~3;
      const wBytes = align(l.inputs * outPad * 4);
      const vBytes = align(outPad * 4);
      const a: number[] = [];
      for (let k = 0; k < 4; k++) {
        a.push(p); // w, gw, mw, vw
        p += wBytes;
      }
      for (let k = 0; k < 7; k++) {
        a.push(p); // b, gb, mb, vb, z, a, g
        p += vBytes;
      }
      addrs.push(a);
      return { inputs: l.inputs, outputs: l.outputs, shift: l.shift, outPad, w: a[0]!, b: a[4]! };
    });
    this.batchBase = p;
    this.reserve(p);
    this.stamp = new Uint32Array(head.layers[0]?.inputs ?? 0);
    const dv = new DataView(this.ex.memory.buffer);
    this.places.forEach((pl, li) => {
      const [w, gw, mw, vw, b, gb, mb, vb, z, act, g] = addrs[li]!;
      const d = this.desc + li * DESC_BYTES;
      const fields = [pl.inputs, pl.outputs, pl.outPad, w, b, gw, gb, mw, vw, mb, vb, z, act, g];
      fields.forEach((v, i) => {
        dv.setInt32(d + 4 * i, v!, true);
      });
      dv.setFloat32(d + 56, WEIGHT_MAX / 2 ** pl.shift, true);
    });
    this.loadHead(head);
  }

  /** Grows memory to at least `bytes` and refreshes the views. */
  private reserve(bytes: number): void {
    const mem = this.ex.memory;
    const need = bytes - mem.buffer.byteLength;
    if (need > 0) mem.grow(Math.ceil(need / 65536));
    if (this.buf !== mem.buffer) {
      const b = mem.buffer;
      this.buf = b;
      this.u8 = new Uint8Array(b);
      this.u16 = new Uint16Array(b);
      this.u32 = new Uint32Array(b);
      this.f32 = new Float32Array(b);
    }
  }

  loadHead(head: FloatHead): void {
    checkHeadShape(this.places, head);
    const f32 = this.f32;
    this.places.forEach((p, li) => {
      const l = head.layers[li]!;
      const w = p.w >> 2;
      if (p.outPad === p.outputs) f32.set(l.w, w);
      else
        for (let j = 0; j < p.inputs; j++)
          f32.set(l.w.subarray(j * p.outputs, (j + 1) * p.outputs), w + j * p.outPad);
      f32.set(l.b, p.b >> 2);
    });
  }

  readHead(): FloatHead {
    const f32 = this.f32;
    return {
      layers: this.places.map((p) => {
        const w = new Float32Array(p.inputs * p.outputs);
        const wa = p.w >> 2;
        if (p.outPad === p.outputs) w.set(f32.subarray(wa, wa + w.length));
        else
          for (let j = 0; j < p.inputs; j++)
            w.set(f32.subarray(wa + j * p.outPad, wa + j * p.outPad + p.outputs), j * p.outputs);
        const b = f32.slice(p.b >> 2, (p.b >> 2) + p.outputs);
        return { inputs: p.inputs, outputs: p.outputs, shift: p.shift, w, b };
      }),
    };
  }

  /** Lays rows `rows` of `set` (masked features dropped) out at batchBase. */
  private place(
    set: SparseSet,
    rows: ArrayLike<number>,
    masks: readonly (Uint8Array | undefined)[] | undefined,
  ): { n: number; offsets: number; labels: number; idx: number; val: number; rows: number; nRows: number } {
    const n = rows.length;
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      nnz += set.offsets[r + 1]! - set.offsets[r]!;
    }
    const offsets = this.batchBase;
    const labels = offsets + align((n + 1) * 4);
    const idx = labels + align(n);
    const val = idx + align(nnz * 2);
    const rowList = val + align(nnz);
    this.reserve(rowList + align(nnz * 4));
    const { u8, u16, u32 } = this;
    const o32 = offsets >> 2;
    const i16 = idx >> 1;
    let k = 0;
    u32[o32] = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const k0 = set.offsets[r]!;
      const k1 = set.offsets[r + 1]!;
      const keep = masks?.[i];
      if (keep === undefined) {
        u16.set(set.idx.subarray(k0, k1), i16 + k);
        u8.set(set.val.subarray(k0, k1), val + k);
        k += k1 - k0;
      } else {
        for (let j = k0; j < k1; j++) {
          if (keep[j - k0] === 0) continue;
          u16[i16 + k] = set.idx[j]!;
          u8[val + k] = set.val[j]!;
          k++;
        }
      }
      u32[o32 + i + 1] = k;
      u8[labels + i] = set.labels[r]!;
    }
    // the distinct first-layer rows this batch uses (the only ones its Adam step updates)
    const stamp = this.stamp;
    if (++this.epoch > 0xffff_fff0) {
      stamp.fill(0);
      this.epoch = 1;
    }
    const step = this.epoch;
    const r32 = rowList >> 2;
    let nRows = 0;
    for (let j = 0; j < k; j++) {
      const f = u16[i16 + j]!;
      if (stamp[f] !== step) {
        stamp[f] = step;
        u32[r32 + nRows++] = f;
      }
    }
    return { n, offsets, labels, idx, val, rows: rowList, nRows };
  }

  step(set: SparseSet, rows: ArrayLike<number>, masks?: readonly (Uint8Array | undefined)[]): number {
    const b = this.place(set, rows, masks);
    const nl = this.places.length;
    const loss = this.ex.accumulate(nl, this.desc, b.n, b.offsets, b.idx, b.val, b.labels);
    const { lr, beta1, beta2, eps } = this.opt;
    this.t++;
    const c1 = 1 / (1 - beta1 ** this.t);
    const c2 = 1 / (1 - beta2 ** this.t);
    this.ex.adam(nl, this.desc, b.rows, b.nRows, 1 / b.n, lr * c1, beta1, beta2, eps, c2);
    return loss / b.n;
  }

  predict(set: SparseSet, r: number): number {
    const b = this.place(set, [r], undefined);
    // predictions go where the labels were laid out (one byte per row)
    this.ex.predict(this.places.length, this.desc, 1, b.offsets, b.idx, b.val, b.labels);
    return this.u8[b.labels]!;
  }
}

/** The compiled training module; each head trainer gets its own instance (own memory). */
export class WasmTrainKernel implements TrainKernel {
  readonly name = 'wasm' as const;
  private readonly module: WebAssembly.Module;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.module = new WebAssembly.Module(bytes);
  }

  createHeadTrainer(head: FloatHead, opt: AdamOptions = DEFAULT_ADAM): WasmHeadTrainer {
    return new WasmHeadTrainer(this.module, head, opt);
  }
}

/** The WASM training kernel, or undefined when the module is missing or cannot run here. */
export function loadWasmTrainKernel(
  path: string | undefined = wasmTrainerPath(),
): WasmTrainKernel | undefined {
  if (path === undefined) return undefined;
  try {
    const k = new WasmTrainKernel(new Uint8Array(readFileSync(path)));
    // instantiate once: an engine without SIMD rejects the module here rather than mid-training
    k.createHeadTrainer({
      layers: [{ inputs: 1, outputs: 1, shift: 0, w: new Float32Array(1), b: new Float32Array(1) }],
    });
    return k;
  } catch {
    return undefined;
  }
}
