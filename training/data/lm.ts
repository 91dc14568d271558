/**
 * Language and code ("lm"): predict the next character of real English (the Brown Corpus) and real
 * source code (lodash.js); the corpus, its classes and its public / held-out split are in
 * lmCorpus.ts. The head's input for the target classes[pos] is LM_ACTIVE one-hot features (value
 * 127 = 1.0) computed from the characters before pos within its document (START stands for a
 * character before the document's start), each feature in its own index range, in this order:
 *
 *   [0, 97)          class at pos−1 (96 classes + START)
 *   [97, 194)        class at pos−2
 *   then B buckets each (B = 2^bucketBits), hashed:
 *     the last 2 classes | the last 3 | the last 5 |
 *     the word so far (trailing run of [A-Za-z0-9_], its last ≤ 24 characters), or when that run
 *       is empty the previous word and the characters after it |
 *     the previous word, the ≤ 3 characters between, and the word so far.
 *
 * The ranges are disjoint and ordered, so the indices are distinct and ascending. Hashing is
 * FNV-1a over classes with a per-feature salt and a murmur3 finaliser, bucket = top bits: 32-bit
 * integer arithmetic only (Math.imul, shifts), identical on every engine.
 */
import { TrainingError } from '../errors.js';
import { LM_SEPARATOR, LM_VOCAB } from './lmCorpus.js';
import type { SparseSet } from './sparse.js';

export {
  decodeLm,
  encodeLmText,
  LM_CHUNK,
  LM_HELD_OUT_PERIOD,
  LM_SEPARATOR,
  LM_SHA256,
  LM_VOCAB,
  type LmCorpus,
  type LmShard,
  lmCorpus,
  lmHeldOutPositions,
  lmIsHeldOut,
  lmPublicPosition,
  lmShardChunks,
  lmShardPosition,
} from './lmCorpus.js';

/** The context value before a document's first character. */
const START = LM_VOCAB;
const ONE_HOT = LM_VOCAB + 1;
const MAX_WORD = 24;
const MAX_GAP = 3;
/** Gaps longer than this between two words leave no previous word. */
const MAX_GAP_SCAN = 8;
/** Value of an active feature: ACT_MAX (1.0) of arch.ts, which imports this module's sizes. */
const ACT_MAX = 127;
const SALTS = [0x2545f491, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;

/** 1 for classes of [A-Za-z0-9_]. */
const WORD = new Uint8Array(256);
for (let c = 0; c < LM_VOCAB; c++) {
  const ch = c + 31;
  if ((ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95) WORD[c] = 1;
}

export interface LmFeatureLayout {
  readonly bucketBits: number;
  /** Total input width. */
  readonly inputs: number;
  /** Active features per position. */
  readonly active: number;
}

const HASHED = 5;

/** The feature layout with 2^bucketBits buckets per hashed feature. */
export function lmFeatureLayout(bucketBits: number): LmFeatureLayout {
  if (!Number.isInteger(bucketBits) || bucketBits < 4 || bucketBits > 13) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: 'lm bucketBits must be 4..13' });
  }
  return { bucketBits, inputs: 2 * ONE_HOT + HASHED * (1 << bucketBits), active: 2 + HASHED };
}

/** The consensus layout: 2,048 buckets per hashed feature. */
export const LM_LAYOUT: LmFeatureLayout = lmFeatureLayout(11);
export const LM_INPUTS = LM_LAYOUT.inputs;
export const LM_ACTIVE = LM_LAYOUT.active;
export const LM_VALUE = ACT_MAX;

function fnv(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

function bucket(h: number, bits: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> (32 - bits);
}

/** Writes `layout.active` ascending feature indices for predicting classes[pos] into out[off..]. */
export function lmFeaturesIn(
  layout: LmFeatureLayout,
  classes: Uint8Array,
  pos: number,
  out: Uint16Array,
  off: number,
): void {
  // the last 5 classes (START before the document)
  let c1 = START;
  let c2 = START;
  let c3 = START;
  let c4 = START;
  let c5 = START;
  let p = pos - 1;
  if (p >= 0 && classes[p] !== LM_SEPARATOR) {
    c1 = classes[p]!;
    if (--p >= 0 && classes[p] !== LM_SEPARATOR) {
      c2 = classes[p]!;
      if (--p >= 0 && classes[p] !== LM_SEPARATOR) {
        c3 = classes[p]!;
        if (--p >= 0 && classes[p] !== LM_SEPARATOR) {
          c4 = classes[p]!;
          if (--p >= 0 && classes[p] !== LM_SEPARATOR) c5 = classes[p]!;
        }
      }
    }
  }
  // the word so far, scanning back from pos−1
  let prefix = 0x811c9dc5;
  let prefixLen = 0;
  p = pos - 1;
  while (p >= 0 && WORD[classes[p]!] === 1) {
    if (prefixLen < MAX_WORD) prefix = fnv(prefix, classes[p]!);
    prefixLen++;
    p--;
  }
  // the characters between the previous word and the word so far, then the previous word
  let gap = 0x811c9dc5;
  let gapLen = 0;
  while (p >= 0 && gapLen <= MAX_GAP_SCAN && classes[p] !== LM_SEPARATOR && WORD[classes[p]!] === 0) {
    if (gapLen < MAX_GAP) gap = fnv(gap, classes[p]!);
    gapLen++;
    p--;
  }
  let prevWord = 0x811c9dc5;
  let prevLen = 0;
  if (gapLen <= MAX_GAP_SCAN) {
    while (p >= 0 && prevLen < MAX_WORD && WORD[classes[p]!] === 1) {
      prevWord = fnv(prevWord, classes[p]!);
      prevLen++;
      p--;
    }
  }
  const bits = layout.bucketBits;
  const b = 1 << bits;
  let base = 2 * ONE_HOT;
  out[off] = c1;
  out[off + 1] = ONE_HOT + c2;
  out[off + 2] = base + bucket(fnv(fnv(SALTS[0], c1), c2), bits);
  base += b;
  out[off + 3] = base + bucket(fnv(fnv(fnv(SALTS[1], c1), c2), c3), bits);
  base += b;
  out[off + 4] = base + bucket(fnv(fnv(fnv(fnv(fnv(SALTS[2], c1), c2), c3), c4), c5), bits);
  base += b;
  const words = fnv(fnv(prevWord, gapLen), gap);
  out[off + 5] =
    base +
    bucket(
      prefixLen > 0
        ? fnv(fnv(prefix, Math.min(prefixLen, MAX_WORD)), SALTS[3])
        : fnv(fnv(words, prevLen), SALTS[4]),
      bits,
    );
  base += b;
  out[off + 6] = base + bucket(fnv(fnv(fnv(words, prevLen), prefix), Math.min(prefixLen, MAX_WORD)), bits);
}

/** The consensus features (LM_LAYOUT) of target classes[pos]: LM_ACTIVE ascending indices. */
export function lmFeatures(classes: Uint8Array, pos: number, out: Uint16Array, off: number): void {
  lmFeaturesIn(LM_LAYOUT, classes, pos, out, off);
}

/** Rows of `layout` features (values ACT_MAX) for the targets `positions`; labels = classes[pos]. */
export function lmBatchIn(
  layout: LmFeatureLayout,
  classes: Uint8Array,
  positions: ArrayLike<number>,
): SparseSet {
  const n = positions.length;
  const a = layout.active;
  const offsets = new Uint32Array(n + 1);
  const idx = new Uint16Array(n * a);
  const val = new Uint8Array(n * a).fill(ACT_MAX);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const pos = positions[r]!;
    const label = classes[pos];
    if (label === undefined || label >= LM_VOCAB) {
      throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `lm position ${pos} is not a target` });
    }
    lmFeaturesIn(layout, classes, pos, idx, r * a);
    labels[r] = label;
    offsets[r + 1] = (r + 1) * a;
  }
  return { n, offsets, idx, val, labels };
}

/** The consensus rows (LM_LAYOUT) for the targets `positions`. */
export function lmBatchFromPositions(classes: Uint8Array, positions: ArrayLike<number>): SparseSet {
  return lmBatchIn(LM_LAYOUT, classes, positions);
}
