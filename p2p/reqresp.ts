/**
 * Request/response over libp2p streams: one length-prefixed request frame, one or more response
 * frames, then the stream closes. Every read is size-limited (lpStream maxDataLength) and every
 * exchange has a deadline (AbortSignal.timeout). Errors become typed P2pErrors; whatever the peer
 * did wrong on our server is charged to it through `punish`.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { DecodeError } from '../consensus/index.js';
import { encodeErrorResponse, type ResponseStatus } from './codec.js';
import { P2pError } from './errors.js';
import type { PenaltyCode } from './penalties.js';

export interface FrameReader {
  /** Reads the next frame; `max` tightens the stream's frame limit for this frame. */
  read(max?: number): Promise<Uint8Array>;
}

export type Punish = (peerId: string, code: PenaltyCode, detail?: string) => void;

/** Bytes of the unsigned varint encoding of `n`. */
export function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 2 ** (7 * bytes)) bytes++;
  return bytes;
}

/**
 * lpStream length decoder that refuses a length prefix longer than `maxBytes` (lpStream's own
 * check only runs after a prefix completes, so a stream of 0x80 bytes would grow its buffer until
 * the deadline). Throwing RangeError means "need more bytes": that is lpStream's contract.
 */
export function boundedLengthDecoder(maxBytes: number): (data: Uint8ArrayList) => number {
  return (data) => {
    let value = 0;
    for (let i = 0; i < data.byteLength; i++) {
      if (i >= maxBytes) {
        throw new DecodeError({
          code: 'DECODE_OVERSIZE',
          what: 'frame length prefix',
          size: i + 1,
          max: maxBytes,
        });
      }
      const b = data.get(i);
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new RangeError('incomplete length prefix');
  };
}

function framed(stream: Stream, maxDataLength: number): LengthPrefixedStream<Stream> {
  return lpStream(stream, {
    maxDataLength,
    maxLengthLength: varintBytes(maxDataLength),
    lengthDecoder: boundedLengthDecoder(varintBytes(maxDataLength)),
  });
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isOversize(err: unknown): boolean {
  const n = errName(err);
  return n === 'InvalidDataLengthError' || n === 'InvalidDataLengthLengthError';
}

async function readFrame(
  lp: LengthPrefixedStream<Stream>,
  signal: AbortSignal,
  max: number | undefined,
  limitName: string,
): Promise<Uint8Array> {
  const list = await lp.read({ signal });
  const bytes = list.subarray();
  if (max !== undefined && bytes.length > max) {
    throw new DecodeError({ code: 'DECODE_OVERSIZE', what: limitName, size: bytes.length, max });
  }
  return bytes;
}

export interface ClientCall<T> {
  readonly protocol: string;
  readonly request: Uint8Array;
  /** Largest frame the response may contain. */
  readonly maxFrame: number;
  readonly timeoutMs: number;
  /** Aborts with the node (stop). */
  readonly signal?: AbortSignal;
  /** Reads and decodes the response frames; throw DecodeError or P2pError on a bad response. */
  readonly read: (frames: FrameReader) => Promise<T>;
}

/** Sends one request to a connected peer and reads its response. */
export async function callPeer<T>(
  libp2p: Pick<Libp2p, 'dialProtocol'>,
  peer: PeerId,
  call: ClientCall<T>,
): Promise<T> {
  const peerStr = peer.toString();
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
  let stream: Stream | undefined;
  try {
    stream = await libp2p.dialProtocol(peer, call.protocol, { signal });
    const lp = framed(stream, call.maxFrame);
    await lp.write(call.request, { signal });
    const result = await call.read({
      read: (max) => readFrame(lp, signal, max, `${call.protocol} response frame`),
    });
    await stream.close({ signal }).catch((err: unknown) => stream?.abort(err as Error));
    return result;
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof P2pError) throw err;
    if (errName(err) === 'UnsupportedProtocolError') {
      throw new P2pError({ code: 'P2P_UNSUPPORTED_PROTOCOL', protocol: call.protocol, peer: peerStr });
    }
    if (timeout.aborted)
      throw new P2pError({ code: 'P2P_REQUEST_TIMEOUT', protocol: call.protocol, peer: peerStr });
    if (err instanceof DecodeError) {
      const offence = err.code === 'DECODE_OVERSIZE' ? 'oversize-message' : 'malformed-message';
      throw new P2pError({
        code: 'P2P_BAD_RESPONSE',
        protocol: call.protocol,
        peer: peerStr,
        offence,
        detail: err.message,
      });
    }
    if (isOversize(err)) {
      throw new P2pError({
        code: 'P2P_BAD_RESPONSE',
        protocol: call.protocol,
        peer: peerStr,
        offence: 'oversize-message',
        detail: errMessage(err),
      });
    }
    throw new P2pError({
      code: 'P2P_REQUEST_FAILED',
      protocol: call.protocol,
      peer: peerStr,
      detail: errMessage(err),
    });
  }
}

/** Throws P2P_REMOTE_ERROR for a non-'ok' response status. */
export function remoteError(protocol: string, peer: PeerId, status: Exclude<ResponseStatus, 'ok'>): P2pError {
  return new P2pError({ code: 'P2P_REMOTE_ERROR', protocol, peer: peer.toString(), status });
}

export interface ServerSpec {
  readonly protocol: string;
  /** Largest request frame. */
  readonly maxRequest: number;
  /** Requests served at once per connection; each stream beyond is reset and charged 'stream-flood'. */
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly punish: Punish;
  /**
   * Charges the peer's rate limit for a new stream, before anything is read from it. False: the
   * request is read but answered 'rate-limited', and the peer charged 'rate-limited'.
   */
  readonly admit: (peerId: string) => boolean;
  /**
   * Answers one request (already read). Returns the response frames, or a ResponseStatus error.
   * Throwing DecodeError means the request was malformed.
   */
  readonly respond: (
    request: Uint8Array,
    peer: PeerId,
  ) => Promise<Uint8Array[] | Exclude<ResponseStatus, 'ok'>>;
}

/**
 * A libp2p stream handler serving one request per stream. It never throws. It counts the streams
 * it is serving per connection itself: libp2p refuses streams over its own cap silently, which
 * would let a flood cost the peer nothing (limits.ts inboundStreamCap).
 */
export function serveRequests(spec: ServerSpec): (stream: Stream, connection: Connection) => Promise<void> {
  const serving = new Map<string, number>();
  return async (stream, connection) => {
    const peerId = connection.remotePeer.toString();
    const open = (serving.get(connection.id) ?? 0) + 1;
    if (open > spec.maxConcurrent) {
      const err = new P2pError({
        code: 'P2P_STREAM_LIMIT',
        protocol: spec.protocol,
        peer: peerId,
        open,
        max: spec.maxConcurrent,
      });
      spec.punish(peerId, 'stream-flood', err.message);
      stream.abort(err);
      return;
    }
    serving.set(connection.id, open);
    try {
      await serveOne(spec, stream, connection, peerId);
    } finally {
      const left = (serving.get(connection.id) ?? 1) - 1;
      if (left > 0) serving.set(connection.id, left);
      else serving.delete(connection.id);
    }
  };
}

async function serveOne(
  spec: ServerSpec,
  stream: Stream,
  connection: Connection,
  peerId: string,
): Promise<void> {
  const admitted = spec.admit(peerId);
  if (!admitted) spec.punish(peerId, 'rate-limited', spec.protocol);
  const signal = AbortSignal.timeout(spec.timeoutMs);
  const lp = framed(stream, spec.maxRequest);
  try {
    let request: Uint8Array;
    try {
      request = await readFrame(lp, signal, undefined, `${spec.protocol} request`);
    } catch (err) {
      if (isOversize(err) || (err instanceof DecodeError && err.code === 'DECODE_OVERSIZE')) {
        spec.punish(peerId, 'oversize-message', spec.protocol);
      } else if (signal.aborted) spec.punish(peerId, 'request-timeout', spec.protocol);
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let frames: Uint8Array[];
    try {
      const r = admitted ? await spec.respond(request, connection.remotePeer) : 'rate-limited';
      frames = typeof r === 'string' ? [encodeErrorResponse(r)] : r;
    } catch (err) {
      if (err instanceof DecodeError) {
        spec.punish(peerId, 'malformed-message', `${spec.protocol}: ${err.message}`);
        frames = [encodeErrorResponse('bad-request')];
      } else {
        frames = [encodeErrorResponse('unavailable')];
      }
    }
    if (frames.length === 1) await lp.write(frames[0]!, { signal });
    else await lp.writeV(frames, { signal });
    await stream.close({ signal });
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}
