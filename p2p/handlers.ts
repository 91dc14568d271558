/**
 * Server side of the four request protocols: decode strictly, charge the rate limiter, answer from
 * the node's chain. Every stream costs one token of its protocol's bucket when it opens (charged
 * by serveRequests through `admit`, with the concurrency limit); a blocks request pays one more
 * per further block asked. Malformed requests are punished by serveRequests (DecodeError).
 */
import type { PeerId } from '@libp2p/interface';
import type { NetworkName } from '../consensus/index.js';
import {
  BLOCKS_REQUEST_SIZE_MAX,
  decodeBlocksRequest,
  decodeHeadersRequest,
  decodeModelRequest,
  decodeStatus,
  encodeBlocksResponseHead,
  encodeHeadersResponse,
  encodeModelResponse,
  encodeStatusResponse,
  HEADERS_REQUEST_SIZE_MAX,
  MAX_HEADERS,
  MODEL_REQUEST_SIZE,
  type PeerStatus,
  STATUS_SIZE_MAX,
} from './codec.js';
import type { ResolvedP2pOptions } from './options.js';
import { type RequestKind, requestProtocol } from './protocols.js';
import type { PeerRateLimiter } from './rateLimit.js';
import { type Punish, type ServerSpec, serveRequests } from './reqresp.js';
import type { P2pChain } from './types.js';

export interface ServerContext {
  readonly chain: P2pChain;
  readonly network: NetworkName;
  readonly opts: ResolvedP2pOptions;
  readonly limiter: PeerRateLimiter<RequestKind>;
  /** Bytes of blocks served per peer (opts.blockBytesLimit). */
  readonly byteLimiter: PeerRateLimiter<'blocks'>;
  readonly punish: Punish;
  readonly ourStatus: () => PeerStatus;
  /** A peer told us its status (in its status request). */
  readonly onStatus: (peer: PeerId, status: PeerStatus) => void;
}

type Respond = ServerSpec['respond'];

/** Blocks of one request read from the store at once. */
const READ_AHEAD = 8;

export function requestHandlers(ctx: ServerContext): Record<RequestKind, ReturnType<typeof serveRequests>> {
  const status: Respond = async (req, peer) => {
    const theirs = decodeStatus(req);
    ctx.onStatus(peer, theirs);
    return [encodeStatusResponse(ctx.ourStatus())];
  };

  const headers: Respond = async (req) => {
    const { locator, max } = decodeHeadersRequest(req);
    const list = await ctx.chain.getHeadersAfter(locator, Math.min(max, MAX_HEADERS));
    return [encodeHeadersResponse(list.slice(0, max))];
  };

  const blocks: Respond = async (req, peer) => {
    const hashes = decodeBlocksRequest(req);
    const id = peer.toString();
    // The first block was paid for when the stream opened; the bytes are charged once served.
    if (!ctx.limiter.take(id, 'blocks', hashes.length - 1) || !ctx.byteLimiter.inCredit(id, 'blocks')) {
      ctx.punish(id, 'rate-limited', 'blocks');
      return 'rate-limited';
    }
    const found: Uint8Array[] = [];
    let bytes = 0;
    const full = (): boolean => found.length > 0 && bytes >= ctx.opts.maxBlocksResponseBytes;
    // read a few at once (the store serves them in parallel), stopping at the byte budget
    for (let at = 0; at < hashes.length && !full(); at += READ_AHEAD) {
      const group = await Promise.all(
        hashes.slice(at, at + READ_AHEAD).map((h) => ctx.chain.getBlockBytes(h)),
      );
      for (const b of group) {
        if (full()) break;
        if (!b) continue;
        found.push(b);
        bytes += b.length;
      }
    }
    ctx.byteLimiter.charge(id, 'blocks', bytes);
    return [encodeBlocksResponseHead(found.length), ...found];
  };

  const model: Respond = async (req) => {
    const hash = decodeModelRequest(req);
    const bytes = await ctx.chain.getModelBytes(hash);
    if (!bytes) return 'not-found';
    if (bytes.length > ctx.opts.maxModelBytes) return 'unavailable';
    return [encodeModelResponse(bytes)];
  };

  const spec = (kind: RequestKind, maxRequest: number, respond: Respond): ServerSpec => ({
    protocol: requestProtocol(ctx.network, kind),
    maxRequest,
    maxConcurrent: ctx.opts.maxInboundStreams,
    timeoutMs: ctx.opts.requestTimeoutMs,
    punish: ctx.punish,
    admit: (peerId) => ctx.limiter.take(peerId, kind, 1),
    respond,
  });

  return {
    status: serveRequests(spec('status', STATUS_SIZE_MAX, status)),
    headers: serveRequests(spec('headers', HEADERS_REQUEST_SIZE_MAX, headers)),
    blocks: serveRequests(spec('blocks', BLOCKS_REQUEST_SIZE_MAX, blocks)),
    model: serveRequests(spec('model', MODEL_REQUEST_SIZE, model)),
  };
}
