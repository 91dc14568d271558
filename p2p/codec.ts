/**
 * Binary codecs of the request/response messages, on consensus's Writer/Reader. Decoders are
 * strict: counts are bounded before allocation, trailing bytes and non-canonical forms throw
 * DecodeError, never anything else. Encoders throw P2pError P2P_ENCODE for out-of-bounds input.
 *
 * Every message travels as one length-prefixed frame (lpStream). Requests:
 *   status   : Status
 *   headers  : nLocator varint (1..MAX_LOCATOR) | nLocator × hash 32 | max u32 (1..MAX_HEADERS)
 *   blocks   : n varint (1..MAX_BLOCKS_PER_REQUEST) | n × hash 32
 *   model    : modelHash 32
 * Responses start with a status byte (0 ok, 1 not-found, 2 rate-limited, 3 bad-request,
 * 4 unavailable); only 'ok' has a body:
 *   status   : ok | Status
 *   headers  : ok | n varint (≤ requested max) | n × header 116
 *   blocks   : ok | n varint (≤ requested count), then n more frames, each one encoded block
 *   model    : ok | model checkpoint bytes (the rest of the frame)
 * Status: version u32 | magic u32 | genesis 32 | best hash 32 | best height u32
 *         | weight varbytes (big-endian, minimal: no leading zero byte, empty for 0, ≤ 64 bytes)
 */
import {
  type BlockHeader,
  DecodeError,
  decodeExact,
  type Hash,
  HEADER_SIZE,
  type Reader,
  readHeader,
  varintSize,
  Writer,
  writeHeader,
} from '../consensus/index.js';
import { P2pError } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Bitcoin's locator bound: 10 dense + exponentially sparse hashes + genesis fit easily. */
export const MAX_LOCATOR = 101;
export const MAX_HEADERS = 2000;
export const MAX_BLOCKS_PER_REQUEST = 64;
const MAX_WEIGHT_BYTES = 64;

// Largest valid frame of each message: the frame limits the server and client read with.
export const STATUS_SIZE_MAX = 4 + 4 + 32 + 32 + 4 + varintSize(MAX_WEIGHT_BYTES) + MAX_WEIGHT_BYTES;
export const HEADERS_REQUEST_SIZE_MAX = varintSize(MAX_LOCATOR) + MAX_LOCATOR * 32 + 4;
export const BLOCKS_REQUEST_SIZE_MAX = varintSize(MAX_BLOCKS_PER_REQUEST) + MAX_BLOCKS_PER_REQUEST * 32;
export const MODEL_REQUEST_SIZE = 32;
/** The first frame of a blocks response: status byte and block count. */
export const BLOCKS_RESPONSE_HEAD_SIZE_MAX = 1 + varintSize(MAX_BLOCKS_PER_REQUEST);

export type ResponseStatus = 'ok' | 'not-found' | 'rate-limited' | 'bad-request' | 'unavailable';
const STATUS_CODES: readonly ResponseStatus[] = [
  'ok',
  'not-found',
  'rate-limited',
  'bad-request',
  'unavailable',
];

export interface PeerStatus {
  readonly version: number;
  readonly magic: number;
  readonly genesis: Hash;
  readonly bestHash: Hash;
  readonly bestHeight: number;
  readonly weight: bigint;
}

export interface HeadersRequest {
  readonly locator: readonly Hash[];
  readonly max: number;
}

export type Response<T> =
  | { readonly status: 'ok'; readonly body: T }
  | { readonly status: Exclude<ResponseStatus, 'ok'> };

// ---- status ----

function writeWeight(w: Writer, v: bigint): void {
  if (v < 0n) throw new P2pError({ code: 'P2P_ENCODE', what: 'negative weight' });
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  if (bytes.length > MAX_WEIGHT_BYTES) throw new P2pError({ code: 'P2P_ENCODE', what: 'weight too large' });
  w.varbytes(Uint8Array.from(bytes));
}

function readWeight(r: Reader): bigint {
  const b = r.varbytes('weight', MAX_WEIGHT_BYTES);
  if (b.length > 0 && b[0] === 0)
    throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'weight leading zero' });
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function writeStatus(w: Writer, s: PeerStatus): void {
  if (s.genesis.length !== 32 || s.bestHash.length !== 32) {
    throw new P2pError({ code: 'P2P_ENCODE', what: 'status hash length' });
  }
  w.u32(s.version).u32(s.magic).bytes(s.genesis).bytes(s.bestHash).u32(s.bestHeight);
  writeWeight(w, s.weight);
}

function readStatus(r: Reader): PeerStatus {
  return {
    version: r.u32(),
    magic: r.u32(),
    genesis: r.bytes(32),
    bestHash: r.bytes(32),
    bestHeight: r.u32(),
    weight: readWeight(r),
  };
}

export function encodeStatus(s: PeerStatus): Uint8Array {
  const w = new Writer(STATUS_SIZE_MAX);
  writeStatus(w, s);
  return w.finish();
}

export function decodeStatus(bytes: Uint8Array): PeerStatus {
  return decodeExact(bytes, readStatus);
}

// ---- requests ----

function readHashes(r: Reader, what: string, min: number, max: number): Hash[] {
  const n = r.varint(what, max);
  if (n < min) throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: `${what} count ${n}` });
  const out: Hash[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.bytes(32);
  return out;
}

function checkHashes(hashes: readonly Hash[], what: string, max: number): void {
  if (hashes.length === 0 || hashes.length > max) {
    throw new P2pError({ code: 'P2P_ENCODE', what: `${hashes.length} ${what} (1..${max})` });
  }
  for (const h of hashes) {
    if (h.length !== 32) throw new P2pError({ code: 'P2P_ENCODE', what: `${what} hash length` });
  }
}

export function encodeHeadersRequest(req: HeadersRequest): Uint8Array {
  checkHashes(req.locator, 'locator', MAX_LOCATOR);
  if (!Number.isInteger(req.max) || req.max < 1 || req.max > MAX_HEADERS) {
    throw new P2pError({ code: 'P2P_ENCODE', what: 'headers max' });
  }
  const w = new Writer(HEADERS_REQUEST_SIZE_MAX);
  w.varint(req.locator.length);
  for (const h of req.locator) w.bytes(h);
  return w.u32(req.max).finish();
}

export function decodeHeadersRequest(bytes: Uint8Array): HeadersRequest {
  return decodeExact(bytes, (r) => {
    const locator = readHashes(r, 'locator', 1, MAX_LOCATOR);
    const max = r.u32();
    if (max < 1 || max > MAX_HEADERS)
      throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'headers max' });
    return { locator, max };
  });
}

export function encodeBlocksRequest(hashes: readonly Hash[]): Uint8Array {
  checkHashes(hashes, 'block hashes', MAX_BLOCKS_PER_REQUEST);
  const w = new Writer(BLOCKS_REQUEST_SIZE_MAX);
  w.varint(hashes.length);
  for (const h of hashes) w.bytes(h);
  return w.finish();
}

export function decodeBlocksRequest(bytes: Uint8Array): Hash[] {
  return decodeExact(bytes, (r) => readHashes(r, 'block hashes', 1, MAX_BLOCKS_PER_REQUEST));
}

export function encodeModelRequest(modelHash: Hash): Uint8Array {
  if (modelHash.length !== 32) throw new P2pError({ code: 'P2P_ENCODE', what: 'model hash length' });
  return modelHash.slice();
}

export function decodeModelRequest(bytes: Uint8Array): Hash {
  return decodeExact(bytes, (r) => r.bytes(32));
}

// ---- responses ----

export function encodeErrorResponse(status: Exclude<ResponseStatus, 'ok'>): Uint8Array {
  return Uint8Array.of(STATUS_CODES.indexOf(status));
}

function readResponseStatus(r: Reader): ResponseStatus {
  const s = STATUS_CODES[r.u8()];
  if (s === undefined) throw new DecodeError({ code: 'DECODE_INVALID_VALUE', what: 'response status' });
  return s;
}

/** Decodes a response frame: the status byte, then (for 'ok') the body via `body`. */
function decodeResponse<T>(bytes: Uint8Array, body: (r: Reader) => T): Response<T> {
  return decodeExact(bytes, (r): Response<T> => {
    const status = readResponseStatus(r);
    return status === 'ok' ? { status, body: body(r) } : { status };
  });
}

export function encodeStatusResponse(s: PeerStatus): Uint8Array {
  const w = new Writer(1 + STATUS_SIZE_MAX);
  w.u8(0);
  writeStatus(w, s);
  return w.finish();
}

export function decodeStatusResponse(bytes: Uint8Array): Response<PeerStatus> {
  return decodeResponse(bytes, readStatus);
}

export function headersResponseSizeMax(max: number): number {
  return 1 + varintSize(max) + max * HEADER_SIZE;
}

export function encodeHeadersResponse(headers: readonly BlockHeader[]): Uint8Array {
  const w = new Writer(headersResponseSizeMax(headers.length));
  w.u8(0).varint(headers.length);
  for (const h of headers) writeHeader(w, h);
  return w.finish();
}

export function decodeHeadersResponse(bytes: Uint8Array, max: number): Response<BlockHeader[]> {
  return decodeResponse(bytes, (r) => {
    const n = r.varint('headers', max);
    const out: BlockHeader[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readHeader(r);
    return out;
  });
}

export function encodeBlocksResponseHead(count: number): Uint8Array {
  return new Writer(BLOCKS_RESPONSE_HEAD_SIZE_MAX).u8(0).varint(count).finish();
}

/** The first frame of a blocks response: how many block frames follow. */
export function decodeBlocksResponseHead(bytes: Uint8Array, max: number): Response<number> {
  return decodeResponse(bytes, (r) => r.varint('blocks', max));
}

export function encodeModelResponse(model: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + model.length);
  out.set(model, 1);
  return out;
}

export function decodeModelResponse(bytes: Uint8Array): Response<Uint8Array> {
  return decodeResponse(bytes, (r) => r.bytes(r.remaining));
}
