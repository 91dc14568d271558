/**
 * What p2p needs from the node (narrow interfaces the composition root implements) and what it
 * offers back (peer info, events). p2p never imports node/: node/createNode.ts plugs these in.
 */
import type { PrivateKey } from '@libp2p/interface';
import type { Block, BlockHeader, Hash, NetworkParams, Transaction } from '../consensus/index.js';
import type { BanEntry } from './banManager.js';
import type { PeerStatus } from './codec.js';
import type { TopicKind } from './protocols.js';

/** Outcome of processing a block (node/chain's ProcessStatus). */
export type BlockProcessStatus = 'connected' | 'reorganized' | 'side' | 'orphan' | 'duplicate';

export interface TipSummary {
  readonly hash: Hash;
  readonly height: number;
  /** Cumulative fork-choice weight of the best chain. */
  readonly weight: bigint;
}

/** Where a stored block sits (for the branch policy, branchPolicy.ts). */
export interface BlockPlace {
  readonly height: number;
  /** Cumulative fork-choice weight of the chain ending at the block. */
  readonly weight: bigint;
  /** Height of the last best-chain block it descends from (its own height on the best chain). */
  readonly forkHeight: number;
  /** It (or a block it descends from) failed validation. */
  readonly invalid: boolean;
}

export interface P2pChain {
  readonly params: NetworkParams;
  tipSummary(): TipSummary;
  /** Where a stored block sits (any branch, invalid ones included); undefined when not stored. */
  blockPlace(hash: Hash): BlockPlace | undefined;
  /** Block locator of the best chain (tip first, exponentially sparser, genesis last). */
  getLocator(): Hash[];
  /**
   * Headers of the best chain after the first locator hash found on it (after genesis when none
   * is), at most `max`, in chain order.
   */
  getHeadersAfter(locator: readonly Hash[], max: number): Promise<BlockHeader[]>;
  /** Canonical encoding of a stored block (any branch), or undefined. */
  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined>;
  /** True when the block is stored or waiting as an orphan (gossip duplicates are ignored). */
  hasBlock(hash: Hash): boolean;
  /**
   * Validates and stores a block. Throws VerdictError (or DecodeError) for an invalid block; an
   * orphan is kept by the chain and reported as 'orphan'.
   */
  processBlock(block: Block, source: string): Promise<{ readonly status: BlockProcessStatus }>;
  /**
   * processBlock for consecutive blocks of a sync download, in order (the chain may write them
   * as one batch). Stops at the first that throws and throws its error; otherwise the statuses,
   * which may end early with an 'orphan' (the rest would descend from it).
   */
  processBlocks(blocks: readonly Block[], source: string): Promise<readonly BlockProcessStatus[]>;
  /**
   * True when gossip may relay `block` before processBlock has validated it: it extends the tip and
   * passes every check but the costly ones (node/chain: a model update's re-scoring).
   */
  relayBeforeValidation(block: Block): boolean;
  /** Canonical bytes of a stored model checkpoint by model hash, or undefined. */
  getModelBytes(modelHash: Hash): Promise<Uint8Array | undefined>;
}

export interface P2pMempool {
  /**
   * Validates and pools a transaction. Throws an error with `.reason` and `.level` ('invalid'
   * punishes the sender; 'context' and 'policy' do not) or a DecodeError.
   */
  accept(tx: Transaction): Promise<unknown>;
  has(txid: Hash): boolean;
}

export interface DeltaSink {
  /**
   * Judges a gossiped model delta. Returns 'accept' (relay it) or 'ignore' (don't relay, don't
   * punish). Throws when the delta is invalid: an error whose `level` is 'context' or 'policy' is
   * treated as 'ignore', anything else punishes the sender ('invalid-delta', or the consensus
   * reason when the error carries one).
   */
  accept(bytes: Uint8Array, source: string): Promise<'accept' | 'ignore'>;
}

/** What the helpers that dial peers on their own (reconnect.ts, bootstrapRedial.ts) read of the host. */
export interface DialerHost {
  readonly connectedTo: (peerId: string) => boolean;
  readonly connections: () => number;
  readonly clock: () => number;
  readonly log: P2pLogger;
}

/** A pino-compatible subset; p2p logs nothing by default. */
export interface P2pLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface P2pDeps {
  readonly chain: P2pChain;
  /** Without it the node does not subscribe to the transaction topic. */
  readonly mempool?: P2pMempool;
  /** Without it the node does not subscribe to the delta topic. */
  readonly deltas?: DeltaSink;
  /** Milliseconds since the epoch (bans, rate limits, sync speed). Default Date.now. */
  readonly clock?: () => number;
  readonly logger?: P2pLogger;
  /** Identity; overrides opts.peerKeyFile. A fresh key is generated when neither is given. */
  readonly privateKey?: PrivateKey;
}

export interface PeerInfo {
  readonly id: string;
  /** Remote address of each open connection. */
  readonly addrs: readonly string[];
  readonly direction: 'inbound' | 'outbound';
  /** Round-trip time in ms measured by the connection monitor's pings, when known. */
  readonly latencyMs: number | null;
  /** Our misbehaviour score for the peer (ban at the threshold). */
  readonly banScore: number;
  /** Gossipsub's score of the peer, when available. */
  readonly gossipScore: number | null;
  /** Clock ms when the first open connection was established. */
  readonly connectedSince: number;
  /** The peer's last status, once the handshake completed. */
  readonly status: PeerStatus | null;
}

export interface NetworkInfo {
  readonly peerId: string;
  readonly network: string;
  readonly listenAddrs: readonly string[];
  readonly connections: number;
  readonly inbound: number;
  readonly outbound: number;
  readonly peers: number;
  readonly banned: number;
  readonly syncing: boolean;
  readonly protocols: readonly string[];
  /**
   * Status announcements after our tip changed, per peer: sent, and skipped because the peer's
   * last status was at least as heavy as ours or it had gossiped our tip to us.
   */
  readonly statusAnnouncements: { readonly sent: number; readonly skipped: number };
}

export interface SyncProgress {
  readonly peerId: string;
  /** Our best height. */
  readonly height: number;
  /** The peer's announced best height. */
  readonly targetHeight: number;
  /** Blocks processed in this sync session. */
  readonly blocks: number;
  readonly blocksPerSecond: number;
}

export interface SyncDone {
  readonly peerId: string;
  readonly height: number;
  readonly blocks: number;
  readonly ms: number;
  /** True when our chain is at least as heavy as the peer's announced one. */
  readonly complete: boolean;
  /** Why the session stopped early (error code), when it did. */
  readonly error?: string;
}

export interface PeerMisbehaviour {
  readonly peerId: string;
  readonly code: string;
  readonly penalty: number;
  readonly score: number;
  readonly banned: boolean;
}

/**
 * One gossip message: one we published ('out'), or one a topic validator judged ('in'; gossipsub
 * drops a message it has already seen before validation, so each is judged once).
 */
export type GossipMessageEvent =
  | {
      readonly direction: 'out';
      readonly topic: TopicKind;
      readonly bytes: number;
      /** Peers it was sent to. */
      readonly recipients: number;
    }
  | {
      readonly direction: 'in';
      readonly topic: TopicKind;
      readonly bytes: number;
      /** accept: delivered and relayed; ignore: dropped without blame; reject: dropped, sender penalised. */
      readonly result: 'accept' | 'ignore' | 'reject';
    };

/**
 * A gossiped block reached our validator, decoded, was new to us (not stored, not a waiting orphan)
 * and was not refused by the branch policy (branchPolicy.ts refuseUnsolicited): it is about to be
 * relayed before validation or handed to P2pChain.processBlock. Emitted once per block (gossipsub
 * judges a message id once, and a stored block is a duplicate); not for malformed, duplicate,
 * refused or over-rate messages. The block's arrival, as the Beacon API's `block_gossip` event.
 */
export interface BlockGossipEvent {
  /** Block hash, hex. */
  readonly hash: string;
  /** Its parent's hash, hex (the parent may be unknown: an orphan). */
  readonly prevHash: string;
  /** The peer that sent it. */
  readonly peerId: string;
  /** Clock ms when the message reached our validator (before it was decoded). */
  readonly receivedMs: number;
}

export interface P2pEvents {
  'peer:connect': [
    { readonly peerId: string; readonly direction: 'inbound' | 'outbound'; readonly status: PeerStatus },
  ];
  'peer:disconnect': [{ readonly peerId: string }];
  'peer:misbehave': [PeerMisbehaviour];
  'peer:banned': [BanEntry];
  'sync:progress': [SyncProgress];
  'sync:done': [SyncDone];
  gossip: [GossipMessageEvent];
  'block:gossip': [BlockGossipEvent];
}
