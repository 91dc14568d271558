/**
 * Size and stream limits, each derived from the consensus bound of what it carries, so that a
 * message over its limit cannot be valid and is punished as such ('oversize-message', a ban).
 *
 * Gossip payloads (the message data; gossipsub's envelope is bounded separately, below):
 *   blocks : params.maxBlockSize, the consensus block-size rule (checkBlockSanity) — 1,000,000 B.
 *   txs    : min(MAX_TX_SIZE, params.maxBlockSize), the size rule of checkTx — 1,000,000 B.
 *   deltas : the largest signed delta (training/federation/signedDelta.ts): version 1 + base model
 *            hash 32 + a contribution carrying the largest delta consensus allows,
 *            min(params.maxModelUpdateSize, MAX_CONTRIBUTION_DELTA_SIZE) = 131,072 B: its overhead
 *            CONTRIBUTION_OVERHEAD 120 + varint 5 + 131,072 — 131,230 B in all.
 * No slack is added: these are the exact largest valid encodings, and a byte more cannot decode
 * into a valid object.
 *
 * Request/response frames are bounded by the codec (codec.ts: STATUS_SIZE_MAX,
 * HEADERS_REQUEST_SIZE_MAX, BLOCKS_REQUEST_SIZE_MAX, MODEL_REQUEST_SIZE for requests; response
 * frames by what was asked: headersResponseSizeMax(n), one block per frame ≤ maxBlockSize).
 */
import {
  CONTRIBUTION_OVERHEAD,
  MAX_CONTRIBUTION_DELTA_SIZE,
  MAX_TX_SIZE,
  type NetworkParams,
  varintSize,
} from '../consensus/index.js';
import type { ResolvedP2pOptions } from './options.js';
import { PROTOCOL_PENALTIES } from './penalties.js';
import { GOSSIP_MAX_PAYLOAD, type TopicKind } from './protocols.js';

/** What a signed delta puts in front of its contribution: version u8, base model hash. */
export const SIGNED_DELTA_ENVELOPE = 1 + 32;

/** Largest encoding of a valid signed delta on this network. */
export function maxSignedDeltaSize(params: NetworkParams): number {
  const delta = Math.min(params.maxModelUpdateSize, MAX_CONTRIBUTION_DELTA_SIZE);
  return SIGNED_DELTA_ENVELOPE + CONTRIBUTION_OVERHEAD + varintSize(delta) + delta;
}

/**
 * Largest payload per gossip topic. GOSSIP_MAX_PAYLOAD only matters for a network whose blocks
 * could outgrow gossipsub's frame: such a block cannot be gossiped at all (sync still fetches it).
 */
export function gossipPayloadLimits(params: NetworkParams): Readonly<Record<TopicKind, number>> {
  return Object.freeze({
    blocks: Math.min(params.maxBlockSize, GOSSIP_MAX_PAYLOAD),
    txs: Math.min(MAX_TX_SIZE, params.maxBlockSize, GOSSIP_MAX_PAYLOAD),
    deltas: Math.min(maxSignedDeltaSize(params), GOSSIP_MAX_PAYLOAD),
  });
}

/**
 * libp2p's per-connection cap of inbound streams of one request protocol. Streams past libp2p's
 * cap are reset by libp2p unseen, so the cap sits above our own limit (`maxInboundStreams`,
 * enforced and charged in reqresp.ts) by as many streams as it takes to reach the ban threshold:
 * a peer cannot flood without paying for it.
 */
export function inboundStreamCap(opts: ResolvedP2pOptions): number {
  return opts.maxInboundStreams + Math.ceil(opts.banThreshold / PROTOCOL_PENALTIES['stream-flood']);
}

/**
 * Yamux's cap of inbound streams per connection, all protocols together (its default is 1,000):
 * our four request protocols at their cap, plus libp2p's identify, ping, kad-dht (32) and
 * gossipsub, fit with room to spare; a flood of streams that never negotiate a protocol stops here.
 */
export const MAX_INBOUND_STREAMS_PER_CONNECTION = 256;
