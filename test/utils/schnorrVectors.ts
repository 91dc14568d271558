/**
 * BIP340 test material shared by the Schnorr tests.
 *
 * No installed package ships the official bip-0340/test-vectors.csv, so this file provides
 *   - `bip340Ref`: a literal transcription of the BIP340 pseudocode (own bigint field math and
 *     tagged hashes; only point addition/multiplication comes from noble's Point), used as an
 *     independent oracle for signing (byte-exact) and verification;
 *   - `edgeVectors()`: valid signatures plus systematic corruptions and constructed edge cases
 *     (r = p, s = n, R at infinity, R with odd y, key off the curve, key x ≥ p, wrong lengths...),
 *     each with the verdict BIP340 requires by construction.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';

const Point = schnorr.Point;
type Pt = InstanceType<typeof Point>;

/** secp256k1 field prime and group order. */
export const P = 2n ** 256n - 2n ** 32n - 977n;
export const N = Point.Fn.ORDER;

const enc = new TextEncoder();

export function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function to32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b = mod(b, m);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function taggedHash(tag: string, ...data: Uint8Array[]): Uint8Array {
  const t = sha256(enc.encode(tag));
  return sha256(concat(t, t, ...data));
}

/** lift_x from BIP340: the even-y point with this x, or null. */
export function liftX(x: bigint): Pt | null {
  if (x >= P) return null;
  const c = mod(x ** 3n + 7n, P);
  const y = powMod(c, (P + 1n) / 4n, P);
  if ((y * y) % P !== c) return null;
  return Point.fromAffine({ x, y: y % 2n === 0n ? y : P - y });
}

/** k·G for any k in [0, n) (noble's `multiply` refuses 0). */
function mulG(k: bigint): Pt {
  return k === 0n ? Point.ZERO : Point.BASE.multiply(k);
}

function mulP(pt: Pt, k: bigint): Pt {
  return k === 0n ? Point.ZERO : pt.multiply(k);
}

function hasEvenY(pt: Pt): boolean {
  return pt.toAffine().y % 2n === 0n;
}

function challenge(r: Uint8Array, px: Uint8Array, m: Uint8Array): bigint {
  return mod(toBig(taggedHash('BIP0340/challenge', r, px, m)), N);
}

/** The BIP340 pseudocode, line by line. */
export const bip340Ref = {
  pubkey(sk: Uint8Array): Uint8Array {
    const d = toBig(sk);
    if (d === 0n || d >= N) throw new RangeError('bad secret key');
    return to32(mulG(d).toAffine().x);
  },
  sign(m: Uint8Array, sk: Uint8Array, a: Uint8Array): Uint8Array {
    const d0 = toBig(sk);
    if (d0 === 0n || d0 >= N) throw new RangeError('bad secret key');
    const Pp = mulG(d0);
    const d = hasEvenY(Pp) ? d0 : N - d0;
    const px = to32(Pp.toAffine().x);
    const t = to32(d ^ toBig(taggedHash('BIP0340/aux', a)));
    const rand = taggedHash('BIP0340/nonce', t, px, m);
    const k0 = mod(toBig(rand), N);
    if (k0 === 0n) throw new RangeError('k = 0');
    const R = mulG(k0);
    const k = hasEvenY(R) ? k0 : N - k0;
    const rx = to32(R.toAffine().x);
    const e = challenge(rx, px, m);
    return concat(rx, to32(mod(k + e * d, N)));
  },
  verify(pk: Uint8Array, m: Uint8Array, sig: Uint8Array): boolean {
    if (pk.length !== 32 || m.length !== 32 || sig.length !== 64) return false; // qenex: 32-byte messages
    const Pk = liftX(toBig(pk));
    if (Pk === null) return false;
    const r = toBig(sig.subarray(0, 32));
    if (r >= P) return false;
    const s = toBig(sig.subarray(32, 64));
    if (s >= N) return false;
    const e = challenge(sig.subarray(0, 32), pk, m);
    const R = mulG(s).add(mulP(Pk, mod(-e, N)));
    if (R.is0()) return false;
    if (!hasEvenY(R)) return false;
    return R.toAffine().x === r;
  },
};

export interface Vector {
  readonly name: string;
  readonly msg: Uint8Array;
  readonly sig: Uint8Array;
  readonly pubkey: Uint8Array;
  readonly expected: boolean;
}

function seeded(label: string): Uint8Array {
  return sha256(enc.encode(`qenex-bip340-${label}`));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 0x80 >> (bit & 7);
  return out;
}

function firstX(pred: (onCurve: boolean) => boolean, from = 0n): bigint {
  for (let x = from; ; x++) if (pred(liftX(x) !== null)) return x;
}

/**
 * Valid signatures and systematic corruptions, with the verdict BIP340 requires. Signatures are
 * made by the reference signer; the tests check that the library agrees with it byte for byte.
 */
export function edgeVectors(): Vector[] {
  const out: Vector[] = [];
  const zero = new Uint8Array(32);
  const ones = new Uint8Array(32).fill(0xff);
  const secrets: Array<[string, bigint]> = [
    ['d=1', 1n],
    ['d=3', 3n],
    ['d=n-1', N - 1n],
    ['d=hash(a)', mod(toBig(seeded('a')), N)],
    ['d=hash(b)', mod(toBig(seeded('b')), N)],
  ];
  // one key whose full point has odd y, so signing must negate d
  for (let i = 0; ; i++) {
    const d = mod(toBig(seeded(`odd-${i}`)), N);
    if (!hasEvenY(mulG(d))) {
      secrets.push([`d=odd-y #${i}`, d]);
      break;
    }
  }
  const msgs: Array<[string, Uint8Array]> = [
    ['m=0', zero],
    ['m=ff..ff (>= p, n)', ones],
    ['m=hash', seeded('msg')],
  ];
  const auxes: Array<[string, Uint8Array]> = [
    ['a=0', zero],
    ['a=ff..ff', ones],
  ];
  for (const [dn, d] of secrets) {
    for (const [mn, m] of msgs) {
      for (const [an, a] of auxes) {
        const sk = to32(d);
        out.push({
          name: `valid ${dn} ${mn} ${an}`,
          msg: m,
          sig: bip340Ref.sign(m, sk, a),
          pubkey: bip340Ref.pubkey(sk),
          expected: true,
        });
      }
    }
  }

  const d = mod(toBig(seeded('base')), N);
  const Pfull = mulG(d);
  const dEven = hasEvenY(Pfull) ? d : N - d;
  const pk = to32(Pfull.toAffine().x);
  const m = seeded('base-msg');
  const sig = bip340Ref.sign(m, to32(d), zero);
  const r = sig.subarray(0, 32);
  const s = toBig(sig.subarray(32));
  const bad = (name: string, v: { msg?: Uint8Array; sig?: Uint8Array; pubkey?: Uint8Array }): void => {
    out.push({ name, msg: v.msg ?? m, sig: v.sig ?? sig, pubkey: v.pubkey ?? pk, expected: false });
  };
  out.push({ name: 'base valid', msg: m, sig, pubkey: pk, expected: true });

  for (const bit of [0, 7, 128, 255, 256, 300, 511])
    bad(`sig bit ${bit} flipped`, { sig: flipBit(sig, bit) });
  for (const bit of [0, 100, 255]) bad(`msg bit ${bit} flipped`, { msg: flipBit(m, bit) });
  for (const bit of [0, 100, 255]) bad(`pubkey bit ${bit} flipped`, { pubkey: flipBit(pk, bit) });
  bad('msg negated mod n', { msg: to32(mod(-toBig(m), N)) });
  bad('s negated', { sig: concat(r, to32(N - s)) });
  bad('r = p', { sig: concat(to32(P), to32(s)) });
  bad('r = p + 1', { sig: concat(to32(P + 1n), to32(s)) });
  bad('r = 2^256 - 1', { sig: concat(ones, to32(s)) });
  bad('r = 0', { sig: concat(zero, to32(s)) });
  bad('r not an x coordinate on the curve', { sig: concat(to32(firstX((on) => !on, 1n)), to32(s)) });
  bad('s = n', { sig: concat(r, to32(N)) });
  bad('s = n + 1', { sig: concat(r, to32(N + 1n)) });
  bad('s = 2^256 - 1', { sig: concat(r, ones) });
  bad('s = 0', { sig: concat(r, zero) });
  bad('s = s + 1', { sig: concat(r, to32(mod(s + 1n, N))) });
  bad('pubkey x = p', { pubkey: to32(P) });
  bad('pubkey x = p + smallest valid x (reduces to a curve x)', { pubkey: to32(P + firstX((on) => on)) });
  bad('pubkey x = 2^256 - 1', { pubkey: ones });
  bad('pubkey x = 0', { pubkey: zero });
  bad('pubkey not on the curve', { pubkey: to32(firstX((on) => !on, toBig(pk))) });
  // s·G − e·P at infinity: s = e·d with r = 0 and r = 1
  for (const rv of [0n, 1n]) {
    const rb = to32(rv);
    const e = challenge(rb, pk, m);
    bad(`sG - eP infinite, r = ${rv}`, { sig: concat(rb, to32(mod(e * dEven, N))) });
  }
  // R = k·G with odd y: a signature that only a parity-ignoring verifier would accept
  for (let i = 0; ; i++) {
    const k = mod(toBig(seeded(`k-odd-${i}`)), N);
    const R = mulG(k);
    if (hasEvenY(R)) continue;
    const rb = to32(R.toAffine().x);
    const e = challenge(rb, pk, m);
    bad('R has odd y', { sig: concat(rb, to32(mod(k + e * dEven, N))) });
    break;
  }
  // wrong lengths (msg must be exactly 32 bytes in qenex)
  bad('sig 63 bytes', { sig: sig.subarray(0, 63) });
  bad('sig 65 bytes', { sig: concat(sig, new Uint8Array(1)) });
  bad('sig empty', { sig: new Uint8Array(0) });
  bad('msg 31 bytes', { msg: m.subarray(0, 31) });
  bad('msg 33 bytes', { msg: concat(m, new Uint8Array(1)) });
  bad('msg empty', { msg: new Uint8Array(0) });
  bad('pubkey 31 bytes', { pubkey: pk.subarray(0, 31) });
  bad('pubkey 33 bytes (compressed form)', { pubkey: concat(new Uint8Array([2]), pk) });
  bad('pubkey empty', { pubkey: new Uint8Array(0) });
  return out;
}
