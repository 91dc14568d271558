/** Public API of p2p/. The node imports p2p only through this file. */
export type {
  BanEntry,
  BanLength,
  BanManagerDeps,
  BanManagerOptions,
  BanSnapshot,
  ScoreChange,
  SubnetBanEntry,
} from './banManager.js';
export { BanManager } from './banManager.js';
export type { FetchedBlock } from './client.js';
export type { HeadersRequest, PeerStatus, ResponseStatus } from './codec.js';
export {
  decodeBlocksRequest,
  decodeHeadersRequest,
  decodeModelRequest,
  decodeStatus,
  encodeBlocksRequest,
  encodeHeadersRequest,
  encodeModelRequest,
  encodeStatus,
  encodeStatusResponse,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS,
  MAX_LOCATOR,
  PROTOCOL_VERSION,
} from './codec.js';
export type { P2pErrorType } from './errors.js';
export { P2pError } from './errors.js';
export { loadOrCreatePeerKey, PEER_KEY_FILE_MODE } from './identity.js';
export type { P2pOptions, ResolvedP2pOptions } from './options.js';
export { DEFAULT_P2P_OPTIONS, resolveP2pOptions } from './options.js';
export { createP2p, P2pNode } from './p2pNode.js';
export type { Judgement, PenaltyCode, ProtocolOffence } from './penalties.js';
export { BAN_SCORE, judgeError, PROTOCOL_PENALTIES, penaltyOf, VERDICT_PENALTIES } from './penalties.js';
export type { RequestKind, TopicKind } from './protocols.js';
export { requestProtocol, topicName } from './protocols.js';
export type { RateLimit } from './rateLimit.js';
export { PeerRateLimiter, TokenBucket } from './rateLimit.js';
export type { IpAddress, Subnet } from './subnet.js';
export { formatSubnet, parseSubnet } from './subnet.js';
export type {
  BlockGossipEvent,
  BlockPlace,
  BlockProcessStatus,
  DeltaSink,
  GossipMessageEvent,
  NetworkInfo,
  P2pChain,
  P2pDeps,
  P2pEvents,
  P2pLogger,
  P2pMempool,
  PeerInfo,
  PeerMisbehaviour,
  SyncDone,
  SyncProgress,
  TipSummary,
} from './types.js';
