/**
 * Client side of the four request protocols. Each method checks what the peer sent against what
 * was asked (counts, hashes, order, linkage) and throws P2pError P2P_BAD_RESPONSE with the offence
 * to charge when it does not match.
 */
import type { Libp2p, PeerId } from '@libp2p/interface';
import {
  type Block,
  type BlockHeader,
  decodeBlock,
  equalBytes,
  type Hash,
  headerHash,
  type NetworkName,
  toHex,
} from '../consensus/index.js';
import {
  BLOCKS_RESPONSE_HEAD_SIZE_MAX,
  decodeBlocksResponseHead,
  decodeHeadersResponse,
  decodeModelResponse,
  decodeStatusResponse,
  encodeBlocksRequest,
  encodeHeadersRequest,
  encodeModelRequest,
  encodeStatus,
  headersResponseSizeMax,
  type PeerStatus,
  STATUS_SIZE_MAX,
} from './codec.js';
import { P2pError } from './errors.js';
import type { ResolvedP2pOptions } from './options.js';
import { type RequestKind, requestProtocol } from './protocols.js';
import { callPeer, remoteError } from './reqresp.js';

export interface ClientContext {
  readonly libp2p: Pick<Libp2p, 'dialProtocol'>;
  readonly network: NetworkName;
  readonly opts: ResolvedP2pOptions;
  readonly maxBlockSize: number;
  readonly signal: AbortSignal;
}

export interface FetchedBlock {
  readonly hash: Hash;
  readonly block: Block;
  readonly size: number;
}

export class P2pClient {
  constructor(private readonly ctx: ClientContext) {}

  private protocol(kind: RequestKind): string {
    return requestProtocol(this.ctx.network, kind);
  }

  private bad(kind: RequestKind, peer: PeerId, detail: string): P2pError {
    return new P2pError({
      code: 'P2P_BAD_RESPONSE',
      protocol: this.protocol(kind),
      peer: peer.toString(),
      offence: 'bad-response',
      detail,
    });
  }

  /** Sends our status, returns the peer's. */
  async status(peer: PeerId, ours: PeerStatus): Promise<PeerStatus> {
    const protocol = this.protocol('status');
    return callPeer(this.ctx.libp2p, peer, {
      protocol,
      request: encodeStatus(ours),
      maxFrame: 1 + STATUS_SIZE_MAX,
      timeoutMs: this.ctx.opts.requestTimeoutMs,
      signal: this.ctx.signal,
      read: async (frames) => {
        const r = decodeStatusResponse(await frames.read());
        if (r.status !== 'ok') throw remoteError(protocol, peer, r.status);
        return r.body;
      },
    });
  }

  /** Headers after the fork point of `locator`, checked to link to it and to each other. */
  async headers(peer: PeerId, locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
    const protocol = this.protocol('headers');
    const headers = await callPeer(this.ctx.libp2p, peer, {
      protocol,
      request: encodeHeadersRequest({ locator, max }),
      maxFrame: headersResponseSizeMax(max),
      timeoutMs: this.ctx.opts.requestTimeoutMs,
      signal: this.ctx.signal,
      read: async (frames) => {
        const r = decodeHeadersResponse(await frames.read(), max);
        if (r.status !== 'ok') throw remoteError(protocol, peer, r.status);
        return r.body;
      },
    });
    if (headers.length === 0) return headers;
    const first = headers[0]!.prevHash;
    if (!locator.some((h) => equalBytes(h, first))) {
      throw this.bad('headers', peer, `first header's parent ${toHex(first)} is not in the locator`);
    }
    let prev = headerHash(headers[0]!);
    for (let i = 1; i < headers.length; i++) {
      if (!equalBytes(headers[i]!.prevHash, prev))
        throw this.bad('headers', peer, `header ${i} does not link`);
      prev = headerHash(headers[i]!);
    }
    return headers;
  }

  /**
   * Blocks by hash. The peer may omit blocks it does not have or stop at its byte budget, but
   * every block it sends must be one asked for, in the order asked.
   */
  async blocks(peer: PeerId, hashes: readonly Hash[]): Promise<FetchedBlock[]> {
    const protocol = this.protocol('blocks');
    const { maxBlocksResponseBytes } = this.ctx.opts;
    const maxBlock = this.ctx.maxBlockSize;
    return callPeer(this.ctx.libp2p, peer, {
      protocol,
      request: encodeBlocksRequest(hashes),
      maxFrame: maxBlock,
      timeoutMs: this.ctx.opts.requestTimeoutMs,
      signal: this.ctx.signal,
      read: async (frames) => {
        const head = decodeBlocksResponseHead(
          await frames.read(BLOCKS_RESPONSE_HEAD_SIZE_MAX),
          hashes.length,
        );
        if (head.status !== 'ok') throw remoteError(protocol, peer, head.status);
        const out: FetchedBlock[] = [];
        let next = 0;
        let bytes = 0;
        for (let i = 0; i < head.body; i++) {
          if (bytes > maxBlocksResponseBytes) throw this.bad('blocks', peer, 'response over the byte budget');
          const raw = await frames.read();
          bytes += raw.length;
          const block = decodeBlock(raw);
          const hash = headerHash(block.header);
          while (next < hashes.length && !equalBytes(hashes[next]!, hash)) next++;
          if (next === hashes.length) throw this.bad('blocks', peer, `unrequested block ${toHex(hash)}`);
          next++;
          out.push({ hash, block, size: raw.length });
        }
        return out;
      },
    });
  }

  /** A model checkpoint by model hash; undefined when the peer does not have it. */
  async model(peer: PeerId, modelHash: Hash): Promise<Uint8Array | undefined> {
    const protocol = this.protocol('model');
    return callPeer(this.ctx.libp2p, peer, {
      protocol,
      request: encodeModelRequest(modelHash),
      maxFrame: 1 + this.ctx.opts.maxModelBytes,
      timeoutMs: this.ctx.opts.requestTimeoutMs,
      signal: this.ctx.signal,
      read: async (frames) => {
        const r = decodeModelResponse(await frames.read());
        if (r.status === 'not-found') return undefined;
        if (r.status !== 'ok') throw remoteError(protocol, peer, r.status);
        return r.body;
      },
    });
  }
}
