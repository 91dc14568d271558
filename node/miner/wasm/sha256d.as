// AssemblyScript source of the proof-of-work grinder (compiled by scripts/buildWasm.ts into
// dist/node/miner/sha256d.wasm; the extension is not .ts so that tsc and Biome leave it alone).
// Driven by node/miner/grinder.ts.
//
// The proof-of-work hash is sha256d of the 116-byte header; it wins when, read as a big-endian
// 256-bit number, it is at most the target (consensus/pow/compact.ts). SHA-256's state words are
// the digest's big-endian 32-bit words in order, so that comparison is a lexicographic comparison
// of the final state words, most significant first: no byte is swapped after hashing.
//
// Work per nonce, and what is done once per job instead (setJob):
//   block 1 = header bytes 0..63: no nonce in it, compressed once into a midstate;
//   block 2 = bytes 64..115 + padding: the nonce is its words 11 and 12 (bytes 108..115), so
//             rounds 0..10 do not depend on it and run once per job too, and so do schedule words
//             16 and 17 (they read only words 0..15 other than 11 and 12);
//   hash 2  = one block: the 32-byte first digest + constant padding.
// grind() runs four nonces at once, one per i32x4 lane, through rounds 11..63 of block 2 and the
// 64 rounds of hash 2, and keeps only the most significant word of the result. A lane whose word
// is at most the target's first word is a candidate: the nonce is hashed again on the scalar path,
// the full 256-bit comparison decides, and the winner's digest is left in the I/O area. Lanes are
// checked in nonce order, so the first winning nonce of the range is the one returned.
//
// Memory (static, see io()): header 116 bytes at io + 0, target 32 bytes big-endian at io + 128,
// and at io + 160 the 32-byte digest of the winning nonce once grind() has returned one.

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

const IO: usize = memory.data(192, 16);
const IO_TARGET: usize = 128;
const IO_DIGEST: usize = 160;

/**
 * Bit length of the header, the last word of block 2: its 16 words are header bytes 64..115
 * (13 words), the padding byte 0x80 (word 13), zero (word 14) and this.
 */
const HEADER_BITS: u32 = 116 * 8;
/** Bit length of the second hash's message (the 32-byte first digest). */
const DIGEST_BITS: u32 = 256;
/** Message words 11 and 12 of block 2 hold the nonce (header bytes 108..115). */
const NONCE_WORD: i32 = 11;

/** Per job: state after block 1, state after rounds 0..10 of block 2, target words. */
const MID: usize = memory.data(32, 16);
const PRE: usize = memory.data(32, 16);
const TGT: usize = memory.data(32, 16);
/** Scalar scratch: a block's 16 message words, a 64-word schedule, two states. */
const SB: usize = memory.data(64, 16);
const SW: usize = memory.data(256, 16);
const SS: usize = memory.data(32, 16);
const ST: usize = memory.data(32, 16);
/** Vector schedules (64 × i32x4) of block 2 and of the second hash; vector state (8 × i32x4). */
const VW1: usize = memory.data(1024, 16);
const VW2: usize = memory.data(1024, 16);
const VS: usize = memory.data(128, 16);

/** Address of the host I/O area (header, target, digest). */
export function io(): usize {
  return IO;
}

// ---- scalar SHA-256: once per job, and for candidate nonces ----

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

/** Schedule words 16..63 of the 64-word array at `w` (words 0..15 already there). */
function schedule(w: usize): void {
  for (let t: usize = 16; t < 64; t++) {
    const p = w + (t << 2);
    store<u32>(p, smallS1(load<u32>(p - 8)) + load<u32>(p - 28) + smallS0(load<u32>(p - 60)) + load<u32>(p - 64));
  }
}

/** Rounds [from, to) on the 8-word state at `s`, in place, reading the schedule at `w`. */
function rounds(s: usize, w: usize, from: usize, to: usize): void {
  let a = load<u32>(s, 0);
  let b = load<u32>(s, 4);
  let c = load<u32>(s, 8);
  let d = load<u32>(s, 12);
  let e = load<u32>(s, 16);
  let f = load<u32>(s, 20);
  let g = load<u32>(s, 24);
  let h = load<u32>(s, 28);
  for (let t = from; t < to; t++) {
    const t1 = h + bigS1(e) + (g ^ (e & (f ^ g))) + load<u32>(K + (t << 2)) + load<u32>(w + (t << 2));
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
  store<u32>(s, a, 0);
  store<u32>(s, b, 4);
  store<u32>(s, c, 8);
  store<u32>(s, d, 12);
  store<u32>(s, e, 16);
  store<u32>(s, f, 20);
  store<u32>(s, g, 24);
  store<u32>(s, h, 28);
}

/** The state at `s` += the compression of the 16 message words at `block`. */
function compress(s: usize, block: usize): void {
  memory.copy(SW, block, 64);
  schedule(SW);
  memory.copy(SS, s, 32);
  rounds(SS, SW, 0, 64);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(s + i, load<u32>(s + i) + load<u32>(SS + i));
}

/** Big-endian word `i` of the bytes at `p`. */
@inline
function beWord(p: usize, i: usize): u32 {
  return bswap<u32>(load<u32>(p + (i << 2)));
}

/** Block 2's message words with the nonce (lo, hi), into SB. */
function block2(lo: u32, hi: u32): void {
  for (let i: usize = 0; i < <usize>NONCE_WORD; i++) store<u32>(SB + (i << 2), beWord(IO + 64, i));
  // the nonce is a little-endian u64: its low half comes first, each half read big-endian
  store<u32>(SB + (<usize>NONCE_WORD << 2), bswap<u32>(lo));
  store<u32>(SB + (<usize>(NONCE_WORD + 1) << 2), bswap<u32>(hi));
  store<u32>(SB + 52, 0x80000000);
  store<u32>(SB + 56, 0);
  store<u32>(SB + 60, HEADER_BITS);
}

/** The second hash's block: the first digest (state words at `h1`) and its padding, into SB. */
function digestBlock(h1: usize): void {
  memory.copy(SB, h1, 32);
  store<u32>(SB + 32, 0x80000000);
  memory.fill(SB + 36, 0, 24);
  store<u32>(SB + 60, DIGEST_BITS);
}

/**
 * sha256d of the header with nonce (lo, hi) from the job's midstate; the digest goes to
 * io + 160. True when it is at most the target.
 */
function checkNonce(lo: u32, hi: u32): bool {
  block2(lo, hi);
  memory.copy(ST, MID, 32);
  compress(ST, SB);
  digestBlock(ST);
  memory.copy(ST, IV, 32);
  compress(ST, SB);
  let order = 0; // of the digest vs the target: 0 equal so far, -1 below, 1 above
  for (let i: usize = 0; i < 8; i++) {
    const word = load<u32>(ST + (i << 2));
    store<u32>(IO + IO_DIGEST + (i << 2), bswap<u32>(word));
    const t = load<u32>(TGT + (i << 2));
    if (order === 0 && word !== t) order = word < t ? -1 : 1;
  }
  return order <= 0;
}

/**
 * Starts a job on the header and target in the I/O area: the midstate, block 2's nonce-free rounds
 * and schedule words, and the second hash's constant words.
 */
export function setJob(): void {
  for (let i: usize = 0; i < 16; i++) store<u32>(SB + (i << 2), beWord(IO, i));
  memory.copy(MID, IV, 32);
  compress(MID, SB);
  for (let i: usize = 0; i < 8; i++) store<u32>(TGT + (i << 2), beWord(IO + IO_TARGET, i));
  block2(0, 0);
  memory.copy(SW, SB, 64);
  schedule(SW);
  memory.copy(PRE, MID, 32);
  rounds(PRE, SW, 0, NONCE_WORD);
  // words 0..17 of block 2; 11 and 12 (the nonce) are replaced per group, 18.. computed per group
  for (let t: usize = 0; t < 18; t++) v128.store(VW1 + (t << 4), i32x4.splat(load<u32>(SW + (t << 2))));
  v128.store(VW2 + (8 << 4), i32x4.splat(0x80000000));
  for (let t: usize = 9; t < 15; t++) v128.store(VW2 + (t << 4), i32x4.splat(0));
  v128.store(VW2 + (15 << 4), i32x4.splat(DIGEST_BITS));
}

// ---- four lanes: the nonce search ----

@inline
function vrotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}
@inline
function vBigS0(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 2), vrotr(x, 13)), vrotr(x, 22));
}
@inline
function vBigS1(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 6), vrotr(x, 11)), vrotr(x, 25));
}
@inline
function vSmallS0(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 7), vrotr(x, 18)), i32x4.shr_u(x, 3));
}
@inline
function vSmallS1(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 17), vrotr(x, 19)), i32x4.shr_u(x, 10));
}
/** Each lane's bytes reversed: little-endian u32 ↔ big-endian message word. */
@inline
function vbswap(x: v128): v128 {
  return i8x16.shuffle(x, x, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

/** Schedule words [from, 64) of the vector schedule at `w`. */
function vschedule(w: usize, from: usize): void {
  for (let t = from; t < 64; t++) {
    const p = w + (t << 4);
    const s1 = i32x4.add(vSmallS1(v128.load(p - 32)), v128.load(p - 112));
    v128.store(p, i32x4.add(s1, i32x4.add(vSmallS0(v128.load(p - 240)), v128.load(p - 256))));
  }
}

/** Rounds [from, 64) on the vector state VS, in place, reading the vector schedule at `w`. */
function vrounds(w: usize, from: usize): void {
  let a = v128.load(VS, 0);
  let b = v128.load(VS, 16);
  let c = v128.load(VS, 32);
  let d = v128.load(VS, 48);
  let e = v128.load(VS, 64);
  let f = v128.load(VS, 80);
  let g = v128.load(VS, 96);
  let h = v128.load(VS, 112);
  for (let t = from; t < 64; t++) {
    const kw = i32x4.add(i32x4.splat(load<u32>(K + (t << 2))), v128.load(w + (t << 4)));
    // Ch(e, f, g) picks f where e is set; Maj(a, b, c) is c where a and b differ, else b
    const t1 = i32x4.add(i32x4.add(h, vBigS1(e)), i32x4.add(v128.bitselect(f, g, e), kw));
    const t2 = i32x4.add(vBigS0(a), v128.bitselect(c, b, v128.xor(a, b)));
    h = g;
    g = f;
    f = e;
    e = i32x4.add(d, t1);
    d = c;
    c = b;
    b = a;
    a = i32x4.add(t1, t2);
  }
  v128.store(VS, a, 0);
  v128.store(VS, b, 16);
  v128.store(VS, c, 32);
  v128.store(VS, d, 48);
  v128.store(VS, e, 64);
  v128.store(VS, f, 80);
  v128.store(VS, g, 96);
  v128.store(VS, h, 112);
}

/** Lane `l` of a group whose lane 0 is nonce (lo, hi): true when it is in range and wins. */
@inline
function laneWins(lo: u32, hi: u32, l: u32, g: u32, count: u32): bool {
  const n = lo + l;
  return g + l < count && checkNonce(n, n < lo ? hi + 1 : hi);
}

/**
 * Tries nonces start, start + 1, ..., start + count - 1 (start = hi·2^32 + lo, wrapping at
 * 2^64; count < 2^31) on the job set by setJob(). Returns the offset of the first nonce whose
 * hash is at most the target (its digest at io + 160), or -1 when none is.
 */
export function grind(lo: u32, hi: u32, count: u32): i32 {
  const lanes = i32x4(0, 1, 2, 3);
  const target0 = i32x4.splat(load<u32>(TGT));
  for (let g: u32 = 0; g < count; g += 4) {
    const gLo = lo + g;
    const gHi = gLo < lo ? hi + 1 : hi;
    const loV = i32x4.add(i32x4.splat(gLo), lanes);
    // a lane past 2^32 carries into its high word (the mask is -1 there: subtracting adds 1)
    const hiV = i32x4.sub(i32x4.splat(gHi), i32x4.lt_u(loV, i32x4.splat(gLo)));
    v128.store(VW1 + (<usize>NONCE_WORD << 4), vbswap(loV));
    v128.store(VW1 + (<usize>(NONCE_WORD + 1) << 4), vbswap(hiV));
    vschedule(VW1, 18);
    for (let i: usize = 0; i < 8; i++) v128.store(VS + (i << 4), i32x4.splat(load<u32>(PRE + (i << 2))));
    vrounds(VW1, NONCE_WORD);
    for (let i: usize = 0; i < 8; i++) {
      const h1 = i32x4.add(v128.load(VS + (i << 4)), i32x4.splat(load<u32>(MID + (i << 2))));
      v128.store(VW2 + (i << 4), h1);
    }
    vschedule(VW2, 16);
    for (let i: usize = 0; i < 8; i++) v128.store(VS + (i << 4), i32x4.splat(load<u32>(IV + (i << 2))));
    vrounds(VW2, 0);
    const word0 = i32x4.add(v128.load(VS), i32x4.splat(load<u32>(IV)));
    const candidates = i32x4.le_u(word0, target0);
    if (v128.any_true(candidates)) {
      if (i32x4.extract_lane(candidates, 0) !== 0 && laneWins(gLo, gHi, 0, g, count)) return <i32>g;
      if (i32x4.extract_lane(candidates, 1) !== 0 && laneWins(gLo, gHi, 1, g, count)) return <i32>(g + 1);
      if (i32x4.extract_lane(candidates, 2) !== 0 && laneWins(gLo, gHi, 2, g, count)) return <i32>(g + 2);
      if (i32x4.extract_lane(candidates, 3) !== 0 && laneWins(gLo, gHi, 3, g, count)) return <i32>(g + 3);
    }
  }
  return -1;
}
