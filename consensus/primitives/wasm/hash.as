// AssemblyScript source of the hashing kernel (compiled by scripts/buildWasm.ts into
// dist/consensus/hash.wasm; the extension is not .ts so that tsc and Biome leave it alone).
// Driven by consensus/primitives/wasmHash.ts, which hash.ts uses once the node installs it.
//
// SHA-256 (FIPS 180-4) and RIPEMD-160 (for hash160 = ripemd160(sha256(x)) only: of a 32-byte
// message), scalar, integer only. The host copies a message into the input area and calls one
// export; the digest is left in the output area. Messages longer than the input area go through
// begin/beginMid, update (as often as needed) and finish.
//
// Memory (static; the stub runtime allocates nothing, so the memory never grows):
//   IN  (INPUT_BYTES) the message, or the next part of it;
//   OUT (32)          the digest (20 bytes for hash160), or midOf's state;
//   MID (32)          a state saved by midOf, which beginMid and tagged resume from.

const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// RIPEMD-160: message word order, rotations (left line, right line), initial state.
const RL: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
  3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
  1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
  4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
]);
const RR: usize = memory.data<u8>([
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
  6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
  15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
  8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
  12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
]);
const SL: usize = memory.data<u8>([
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
  7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
  11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
  11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
  9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
]);
const SR: usize = memory.data<u8>([
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
  9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
  9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
  15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
  8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
]);
const KL: usize = memory.data<u32>([0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e]);
const KR: usize = memory.data<u32>([0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000]);
const RIPEMD_IV: usize = memory.data<u32>([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);

const INPUT_BYTES: usize = 65536;
const W: usize = memory.data(256, 16);
/** The running SHA-256 state, its partial block, and the message bytes absorbed so far. */
const S: usize = memory.data(32, 16);
const BUF: usize = memory.data(128, 16);
let buffered: usize = 0;
let total: u64 = 0;
const RS: usize = memory.data(20, 16);
const RBLOCK: usize = memory.data(64, 16);
const OUT: usize = memory.data(32, 16);
const MID: usize = memory.data(32, 16);
const IN: usize = memory.data(INPUT_BYTES, 16);

export function inPtr(): usize {
  return IN;
}
export function outPtr(): usize {
  return OUT;
}
export function midPtr(): usize {
  return MID;
}
export function inputBytes(): usize {
  return INPUT_BYTES;
}

// ---- SHA-256 ----

@inline
function bigS0(x: u32): u32 {
  return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22);
}
@inline
function bigS1(x: u32): u32 {
  return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25);
}
@inline
function smallS0(x: u32): u32 {
  return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
}
@inline
function smallS1(x: u32): u32 {
  return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10);
}

/** S += the compression of the 64 message bytes at `p` (big-endian words). */
function compress(p: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u32>(W + (t << 2), bswap<u32>(load<u32>(p + (t << 2))));
  for (let t: usize = 16; t < 64; t++) {
    const q = W + (t << 2);
    store<u32>(q, smallS1(load<u32>(q - 8)) + load<u32>(q - 28) + smallS0(load<u32>(q - 60)) + load<u32>(q - 64));
  }
  let a = load<u32>(S, 0);
  let b = load<u32>(S, 4);
  let c = load<u32>(S, 8);
  let d = load<u32>(S, 12);
  let e = load<u32>(S, 16);
  let f = load<u32>(S, 20);
  let g = load<u32>(S, 24);
  let h = load<u32>(S, 28);
  for (let t: usize = 0; t < 64; t++) {
    const t1 = h + bigS1(e) + (g ^ (e & (f ^ g))) + load<u32>(K + (t << 2)) + load<u32>(W + (t << 2));
    const t2 = bigS0(a) + ((a & b) | (c & (a | b)));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u32>(S, load<u32>(S, 0) + a, 0);
  store<u32>(S, load<u32>(S, 4) + b, 4);
  store<u32>(S, load<u32>(S, 8) + c, 8);
  store<u32>(S, load<u32>(S, 12) + d, 12);
  store<u32>(S, load<u32>(S, 16) + e, 16);
  store<u32>(S, load<u32>(S, 20) + f, 20);
  store<u32>(S, load<u32>(S, 24) + g, 24);
  store<u32>(S, load<u32>(S, 28) + h, 28);
}

/** Starts a message: the state from SHA-256's initial value. */
export function begin(): void {
  memory.copy(S, IV, 32);
  buffered = 0;
  total = 0;
}

/** Starts a message whose first 64 bytes are already in the state saved at MID (midOf). */
export function beginMid(): void {
  memory.copy(S, MID, 32);
  buffered = 0;
  total = 64;
}

/** Absorbs `len` bytes at `src`. */
function absorb(src: usize, len: usize): void {
  total += <u64>len;
  let p = src;
  const end = src + len;
  if (buffered > 0) {
    const take = min<usize>(64 - buffered, len);
    memory.copy(BUF + buffered, p, take);
    buffered += take;
    p += take;
    if (buffered < 64) return;
    compress(BUF);
    buffered = 0;
  }
  while (end - p >= 64) {
    compress(p);
    p += 64;
  }
  if (p < end) {
    memory.copy(BUF, p, end - p);
    buffered = end - p;
  }
}

/** Absorbs the first `len` bytes of the input area. */
export function update(len: usize): void {
  absorb(IN, len);
}

/** Pads the message and writes its digest (big-endian) to `dst`. */
function finishInto(dst: usize): void {
  const bits = total << 3;
  store<u8>(BUF + buffered, 0x80);
  const blocks: usize = buffered < 56 ? 1 : 2;
  memory.fill(BUF + buffered + 1, 0, (blocks << 6) - buffered - 1 - 8);
  store<u64>(BUF + (blocks << 6) - 8, bswap<u64>(bits));
  compress(BUF);
  if (blocks == 2) compress(BUF + 64);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(dst + i, bswap<u32>(load<u32>(S + i)));
}

/** Writes the digest of the message begun and updated so far to the output area. */
export function finish(): void {
  finishInto(OUT);
}

/** SHA-256 of the first `len` bytes of the input area. */
export function sha256(len: usize): void {
  begin();
  absorb(IN, len);
  finishInto(OUT);
}

/** SHA-256 of SHA-256 of the first `len` bytes of the input area. */
export function sha256d(len: usize): void {
  sha256(len);
  begin();
  absorb(OUT, 32);
  finishInto(OUT);
}

/** SHA-256 of (the 64 bytes whose state is at MID) || the first `len` bytes of the input area. */
export function tagged(len: usize): void {
  beginMid();
  absorb(IN, len);
  finishInto(OUT);
}

/**
 * The state after compressing the first 64 bytes of the input area from SHA-256's initial value
 * (for a BIP340 tag, t || t with t = sha256(tag): one whole block), written to the output area for
 * the host to keep and copy to MID.
 */
export function midOf(): void {
  memory.copy(S, IV, 32);
  compress(IN);
  memory.copy(OUT, S, 32);
}

// ---- RIPEMD-160, of one 32-byte message ----

@inline
function f(j: usize, x: u32, y: u32, z: u32): u32 {
  if (j < 16) return x ^ y ^ z;
  if (j < 32) return (x & y) | (~x & z);
  if (j < 48) return (x | ~y) ^ z;
  if (j < 64) return (x & z) | (y & ~z);
  return x ^ (y | ~z);
}

/** RS := RIPEMD-160 compression of RS with the 64-byte block at RBLOCK (little-endian words). */
function ripemdCompress(): void {
  const h0 = load<u32>(RS, 0);
  const h1 = load<u32>(RS, 4);
  const h2 = load<u32>(RS, 8);
  const h3 = load<u32>(RS, 12);
  const h4 = load<u32>(RS, 16);
  let al = h0, bl = h1, cl = h2, dl = h3, el = h4;
  let ar = h0, br = h1, cr = h2, dr = h3, er = h4;
  for (let j: usize = 0; j < 80; j++) {
    const round = j >> 4;
    let t = rotl<u32>(
      al + f(j, bl, cl, dl) + load<u32>(RBLOCK + (<usize>load<u8>(RL + j) << 2)) + load<u32>(KL + (round << 2)),
      <u32>load<u8>(SL + j),
    ) + el;
    al = el;
    el = dl;
    dl = rotl<u32>(cl, 10);
    cl = bl;
    bl = t;
    t = rotl<u32>(
      ar + f(79 - j, br, cr, dr) + load<u32>(RBLOCK + (<usize>load<u8>(RR + j) << 2)) + load<u32>(KR + (round << 2)),
      <u32>load<u8>(SR + j),
    ) + er;
    ar = er;
    er = dr;
    dr = rotl<u32>(cr, 10);
    cr = br;
    br = t;
  }
  store<u32>(RS, h1 + cl + dr, 0);
  store<u32>(RS, h2 + dl + er, 4);
  store<u32>(RS, h3 + el + ar, 8);
  store<u32>(RS, h4 + al + br, 12);
  store<u32>(RS, h0 + bl + cr, 16);
}

/** RIPEMD-160 of the 32 bytes at `src`, 20 bytes to OUT. */
function ripemd32(src: usize): void {
  memory.copy(RBLOCK, src, 32);
  store<u8>(RBLOCK + 32, 0x80);
  memory.fill(RBLOCK + 33, 0, 23);
  store<u64>(RBLOCK + 56, 256); // the bit length, little-endian
  memory.copy(RS, RIPEMD_IV, 20);
  ripemdCompress();
  memory.copy(OUT, RS, 20);
}

/** RIPEMD-160 of the first 32 bytes of the input area (a SHA-256 digest), 20 bytes to OUT. */
export function ripemd160of32(): void {
  ripemd32(IN);
}

/** hash160: RIPEMD-160 of SHA-256 of the first `len` bytes of the input area, 20 bytes to OUT. */
export function hash160(len: usize): void {
  sha256(len);
  ripemd32(OUT);
}
