/**
 * Canonical binary encoding. Little-endian fixed-width integers, Bitcoin CompactSize varints
 * (minimal form only), length-prefixed byte strings with explicit maximums. Every decoder runs on
 * a `Reader` that throws `DecodeError` and never anything else.
 */
import { DecodeError } from '../errors.js';

export const MAX_U32 = 0xffff_ffff;
export const MAX_U64 = (1n << 64n) - 1n;

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v & 0xffff, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
    return this;
  }

  varint(v: number): this {
    if (v < 0xfd) return this.u8(v);
    if (v <= 0xffff) {
      this.ensure(3);
      this.buf[this.pos] = 0xfd;
      this.view.setUint16(this.pos + 1, v, true);
      this.pos += 3;
      return this;
    }
    if (v <= MAX_U32) {
      this.u8(0xfe);
      return this.u32(v);
    }
    this.u8(0xff);
    return this.u64(BigInt(v));
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  varbytes(b: Uint8Array): this {
    this.varint(b.length);
    return this.bytes(b);
  }

  get length(): number {
    return this.pos;
  }

  /**
   * The bytes written. When they fill the buffer exactly (a writer sized up front), the buffer
   * itself, without a copy: a later write could not touch it, since it would need a new buffer.
   */
  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError({ code: 'DECODE_TRUNCATED', need: n, have: this.buf.length - this.pos });
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** CompactSize, minimal encoding only; values above `max` are rejected before allocation. */
  varint(what: string, max: number): number {
    const first = this.u8();
    let v: number;
    if (first < 0xfd) v = first;
    else if (first === 0xfd) {
      this.need(2);
      v = this.view.getUint16(this.pos, true);
      this.pos += 2;
      if (v < 0xfd) throw new DecodeError({ code: 'DECODE_NONCANONICAL_VARINT' });
    } else if (first === 0xfe) {
      v = this.u32();
      if (v <= 0xffff) throw new DecodeError({ code: 'DECODE_NONCANONICAL_VARINT' });
    } else {
      const big = this.u64();
      if (big <= BigInt(MAX_U32)) throw new DecodeError({ code: 'DECODE_NONCANONICAL_VARINT' });
      throw new DecodeError({ code: 'DECODE_OVERSIZE', what, size: Number(big), max });
    }
    if (v > max) throw new DecodeError({ code: 'DECODE_OVERSIZE', what, size: v, max });
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  varbytes(what: string, max: number): Uint8Array {
    const n = this.varint(what, max);
    return this.bytes(n);
  }

  /** Decoders call this last: an object followed by anything is not canonical. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError({ code: 'DECODE_TRAILING_BYTES', extra: this.buf.length - this.pos });
    }
  }
}

/** Runs `fn` over the whole buffer and rejects trailing bytes. */
export function decodeExact<T>(bytes: Uint8Array, fn: (r: Reader) => T): T {
  const r = new Reader(bytes);
  const v = fn(r);
  r.end();
  return v;
}

export function varintSize(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= MAX_U32 ? 5 : 9;
}
