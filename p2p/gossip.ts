/**
 * Gossip of blocks, transactions and model deltas over gossipsub.
 *
 * Messages are unsigned (StrictNoSign) and identified by the hash of their topic and content, so
 * a block or transaction relayed by several peers is validated once and duplicates are dropped.
 * Gossipsub runs with asyncValidation: its topic validator only screens a message (size, the
 * sender's rate), and the node judges it once gossipsub has cached it (decode strictly, then ask
 * the chain, mempool or delta sink) and reports the verdict; nothing is forwarded before that, and
 * the forward skips the peers whose copies arrived while it was judged. Accept relays the message;
 * Reject (consensus-invalid or garbage) drops it, makes gossipsub lower the sender's score
 * (invalid-message deliveries, P4) and adds the matching penalty to our ban score; Ignore
 * (duplicates, orphans, 'context' verdicts, over the per-peer rate) drops it without blame. A
 * block of a branch that cannot become the best chain (branchPolicy.ts) is ignored before the
 * chain validates anything, at a small penalty when it forks deep below our tip.
 * A message over its topic's size limit (limits.ts: the largest valid encoding) is rejected before
 * it is decoded or handed to the node, at the 'oversize-message' penalty (a ban), whatever the topic.
 * A block that extends our tip with a model update and passes every check but the update's
 * re-scoring (P2pChain.relayBeforeValidation) is accepted, so relayed, at once and validated
 * afterwards: propagation then costs a hop's latency, not a hop's scoring, and a failure blames
 * nobody (the sender relayed it unvalidated too).
 * A block that decoded, is new and was not refused is reported (onBlockGossip) with the time its
 * message reached the validator, just before it is relayed or validated: its arrival, which for a
 * block relayed before validation precedes its connect by the node's scoring time.
 */

import { createHash } from 'node:crypto';
import { type GossipSub, type GossipsubMessage, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerScoreParams, TopicScoreParams } from '@libp2p/gossipsub/score';
import type { PeerId } from '@libp2p/interface';
import {
  type Block,
  type BlockHeader,
  decodeBlock,
  decodeTx,
  headerHash,
  type NetworkName,
  sha256d,
  type Transaction,
  toHex,
  txid,
} from '../consensus/index.js';
import { refuseUnsolicited } from './branchPolicy.js';
import { P2pError } from './errors.js';
import { BAN_SCORE, type Judgement, judgeError } from './penalties.js';
import { TOPIC_KINDS, type TopicKind, topicName } from './protocols.js';
import type { PeerRateLimiter } from './rateLimit.js';
import type { Punish } from './reqresp.js';
import type { BlockGossipEvent, DeltaSink, GossipMessageEvent, P2pChain, P2pMempool } from './types.js';

const encoder = new TextEncoder();

/** Messages from this size hash through node:crypto (native); smaller ones through consensus's sha256d. */
const NATIVE_ID_BYTES = 1024;
const SEPARATOR = Uint8Array.of(0);

/**
 * Message id: sha256d(topic || 0x00 || data). Content-addressed: duplicates share an id. Every
 * copy a node receives is hashed before gossipsub drops duplicates, so a large message (a block, a
 * 6–20 KB delta) is hashed natively: noble's JS SHA-256 of the deltas was 5.6% of a plain node's
 * thread in a 32-node netsim (a CPU profile); node:crypto's per-call cost only pays off above a
 * few hundred bytes, so small messages (transactions) keep the JS path.
 */
export function gossipMsgId(msg: Message): Uint8Array {
  const topic = encoder.encode(msg.topic);
  if (msg.data.length >= NATIVE_ID_BYTES) {
    const once = createHash('sha256').update(topic).update(SEPARATOR).update(msg.data).digest();
    const twice = createHash('sha256').update(once).digest();
    return new Uint8Array(twice.buffer, twice.byteOffset, twice.byteLength);
  }
  const buf = new Uint8Array(topic.length + 1 + msg.data.length);
  buf.set(topic, 0);
  buf.set(msg.data, topic.length + 1);
  return sha256d(buf);
}

const NO_PEERS: ReadonlySet<string> = new Set();

/**
 * With `asyncValidation` (host.ts) the node reports each message's verdict: a method of gossipsub's
 * implementation, documented with that option, not on its exported interface.
 */
interface AsyncValidation {
  reportMessageValidationResult(
    msgId: string,
    propagationSource: string,
    acceptance: TopicValidatorResult,
  ): void;
}

/** Gossipsub's per-message delivery records (peer scoring keeps them: who delivered each message). */
interface WithDeliveryRecords {
  readonly score?: {
    readonly deliveryRecords?: { getRecord(id: string): { readonly peers: ReadonlySet<string> } | undefined };
  };
}

/** The string form of a message id (gossipsub's `msgIdToStrFn`): hex, so that we can name a message's. */
export function gossipMsgIdStr(id: Uint8Array): string {
  return toHex(id);
}

/** Topic score parameters: invalid messages weigh heavily; quiet meshes are not penalised (blocks are rare). */
export function topicScoreParams(): Partial<TopicScoreParams> {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.9,
  };
}

export function peerScoreParams(
  network: NetworkName,
  banScore: (peerId: string) => number,
): Partial<PeerScoreParams> {
  const topics: Record<string, TopicScoreParams> = {};
  for (const kind of TOPIC_KINDS) topics[topicName(network, kind)] = topicScoreParams() as TopicScoreParams;
  return {
    topics,
    topicScoreCap: 10,
    // P5: our own misbehaviour score lowers gossipsub's view of the peer too, past half the ban
    // threshold (gossipAppScore).
    appSpecificScore: (p: string) => gossipAppScore(banScore(p)),
    appSpecificWeight: 1,
  };
}

/**
 * Gossipsub's view of a peer with `misbehaviour` points of our ban score: nothing up to half the
 * ban threshold, then falling twice as fast, so that the peer leaves the mesh and our gossip
 * (gossipsub's thresholds: mesh 0, gossip −10, publish −50, graylist −80) at 55, 75 and 90 points
 * and is banned at 100. A peer's score of −1 already takes it out of every topic's mesh, and
 * honest peers collect small penalties: in a 3-node devnet soak, each node mining and training on
 * 2 cores, sync races ('unproven-weight', 10 points, when a peer that announced weight 718 served a
 * chain that left us at 714 after a reorganisation) gave peers 19–49 points, gossipsub scores of
 * −19 to −49, and every node's delta pool held only its own delta from minute 9 on: the network
 * had stopped federating. Bans and the penalties themselves are unchanged.
 */
export function gossipAppScore(misbehaviour: number, banThreshold: number = BAN_SCORE): number {
  const free = banThreshold / 2;
  return misbehaviour <= free ? 0 : -2 * (misbehaviour - free);
}

export interface GossipContext {
  readonly pubsub: GossipSub;
  readonly network: NetworkName;
  /** Largest payload per topic (limits.ts gossipPayloadLimits). */
  readonly limits: Readonly<Record<TopicKind, number>>;
  readonly chain: P2pChain;
  readonly mempool?: P2pMempool;
  readonly deltas?: DeltaSink;
  readonly limiter: PeerRateLimiter<TopicKind>;
  readonly punish: Punish;
  /** A gossiped block's parent is unknown: fetch its ancestors from the sender. */
  readonly onOrphan: (peerId: string) => void;
  /**
   * A block relayed before validation failed it (validateAfterRelay): for the log; nobody is
   * punished.
   */
  readonly onRelayedInvalid?: (peerId: string, reason: string) => void;
  /** Told of every message published and every message judged (counted by the node's metrics). */
  readonly onMessage?: (m: GossipMessageEvent) => void;
  /** Told of each new gossiped block about to be relayed or validated (types.ts BlockGossipEvent). */
  readonly onBlockGossip?: (b: BlockGossipEvent) => void;
  /** Milliseconds since the epoch (a block's arrival time). Default Date.now. */
  readonly clock?: () => number;
}

export class Gossip {
  private readonly kinds: TopicKind[];
  /** Each judged topic's kind, by topic name. */
  private readonly kindOf: ReadonlyMap<string, TopicKind>;
  /** Validations of relayed blocks not started yet (dropped by stop()). */
  private readonly afterRelay = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: GossipContext) {
    this.kinds = TOPIC_KINDS.filter(
      (k) => k === 'blocks' || (k === 'txs' && ctx.mempool) || (k === 'deltas' && ctx.deltas),
    );
    this.kindOf = new Map(this.kinds.map((k) => [this.topic(k), k]));
  }

  topic(kind: TopicKind): string {
    return topicName(this.ctx.network, kind);
  }

  /**
   * Installs the validators and subscribes to the topics the node can judge. Gossipsub runs with
   * `asyncValidation`: its topic validator only screens a message (size, the sender's rate), and
   * the message is judged once gossipsub holds it (onGossip); the verdict goes back through
   * reportMessageValidationResult. Gossipsub then forwards an accepted message to its mesh peers
   * except those whose copies arrived while it was judged: they hold it already.
   */
  start(): void {
    for (const kind of this.kinds) {
      const topic = this.topic(kind);
      this.ctx.pubsub.topicValidators.set(topic, (peer, msg) => this.screen(kind, peer, msg));
      this.ctx.pubsub.subscribe(topic);
    }
    this.ctx.pubsub.addEventListener('gossipsub:message', this.onGossip);
  }

  stop(): void {
    this.ctx.pubsub.removeEventListener('gossipsub:message', this.onGossip);
    for (const t of this.afterRelay) clearTimeout(t);
    this.afterRelay.clear();
    for (const kind of this.kinds) {
      const topic = this.topic(kind);
      this.ctx.pubsub.topicValidators.delete(topic);
      try {
        this.ctx.pubsub.unsubscribe(topic);
      } catch {
        // already stopped with libp2p
      }
    }
  }

  /** Publishes `data`; throws P2P_MESSAGE_TOO_LARGE instead of letting gossipsub drop it silently. */
  async publish(kind: TopicKind, data: Uint8Array): Promise<number> {
    const topic = this.topic(kind);
    const max = this.ctx.limits[kind];
    if (data.length > max)
      throw new P2pError({ code: 'P2P_MESSAGE_TOO_LARGE', topic, size: data.length, max });
    const r = await this.ctx.pubsub.publish(topic, data);
    this.ctx.onMessage?.({
      direction: 'out',
      topic: kind,
      bytes: data.length,
      recipients: r.recipients.length,
    });
    return r.recipients.length;
  }

  /** Peers known to be subscribed to topic `kind`. */
  subscribers(kind: TopicKind): string[] {
    return this.ctx.pubsub.getSubscribers(this.topic(kind)).map((p) => p.toString());
  }

  /**
   * The peers that delivered `data` on topic `kind` to us, first or as a duplicate (gossipsub's
   * delivery record, kept a few minutes): each of them holds the message.
   */
  deliveredBy(kind: TopicKind, data: Uint8Array): ReadonlySet<string> {
    const topic = this.topic(kind);
    const id = gossipMsgIdStr(gossipMsgId({ type: 'unsigned', topic, data }));
    // public on gossipsub's implementation, not on its exported interface: none without it
    const records = (this.ctx.pubsub as GossipSub & WithDeliveryRecords).score?.deliveryRecords;
    return records?.getRecord(id)?.peers ?? NO_PEERS;
  }

  /**
   * Gossipsub's topic validator: drops what is not worth judging. Accept here lets gossipsub cache
   * the message and hand it to onGossip, which judges it; nothing is forwarded before that.
   */
  private screen(kind: TopicKind, peer: PeerId, msg: Message): TopicValidatorResult {
    const from = peer.toString();
    // Size first: an oversize message is punished even from a peer over its rate.
    const max = this.ctx.limits[kind];
    if (msg.data.length > max) {
      this.ctx.punish(from, 'oversize-message', `gossip ${kind} ${msg.data.length} > ${max}`);
      return this.judged(kind, msg, TopicValidatorResult.Reject);
    }
    // Over the rate: dropped unjudged, without blame (an honest relay can burst; gossipsub's
    // own scoring deals with floods). Requests over their rate do cost a little (handlers.ts).
    if (!this.ctx.limiter.take(from, kind)) return this.judged(kind, msg, TopicValidatorResult.Ignore);
    return TopicValidatorResult.Accept;
  }

  /** A message that passed screen(), now in gossipsub's cache: judged, and the verdict reported. */
  private readonly onGossip = (evt: CustomEvent<GossipsubMessage>): void => {
    const { propagationSource, msgId, msg } = evt.detail;
    const kind = this.kindOf.get(msg.topic);
    if (kind === undefined) return;
    const report = (result: TopicValidatorResult): void => {
      try {
        (this.ctx.pubsub as GossipSub & AsyncValidation).reportMessageValidationResult(
          msgId,
          propagationSource.toString(),
          result,
        );
      } catch {
        // gossipsub stopped while the message was judged: nothing left to forward it
      }
    };
    this.judge(kind, propagationSource, msg).then(
      (result) => report(this.judged(kind, msg, result)),
      // judge turns every failure into a verdict; this is for a fault in that code itself
      () => report(this.judged(kind, msg, TopicValidatorResult.Ignore)),
    );
  };

  private judged(kind: TopicKind, msg: Message, result: TopicValidatorResult): TopicValidatorResult {
    this.ctx.onMessage?.({ direction: 'in', topic: kind, bytes: msg.data.length, result });
    return result;
  }

  private async judge(kind: TopicKind, peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const receivedMs = this.now();
    const from = peer.toString();
    let judgement: Judgement;
    switch (kind) {
      case 'blocks':
        judgement = await this.judgeBlock(from, msg.data, receivedMs);
        break;
      case 'txs':
        judgement = await this.judgeTx(msg.data);
        break;
      case 'deltas':
        judgement = await this.judgeDelta(from, msg.data);
        break;
    }
    if (judgement.verdict === 'accept') return TopicValidatorResult.Accept;
    if (judgement.verdict === 'ignore') return TopicValidatorResult.Ignore;
    this.ctx.punish(from, judgement.code, `gossip ${kind}: ${judgement.reason}`);
    return TopicValidatorResult.Reject;
  }

  private now(): number {
    return this.ctx.clock ? this.ctx.clock() : Date.now();
  }

  /** `receivedMs`: when the message reached the validator (clock ms). */
  private async judgeBlock(from: string, data: Uint8Array, receivedMs: number): Promise<Judgement> {
    let block: Block;
    let header: BlockHeader;
    try {
      block = decodeBlock(data);
      header = block.header;
    } catch (err) {
      return judgeError(err, 'malformed-message');
    }
    const hash = headerHash(header);
    if (this.ctx.chain.hasBlock(hash)) return { verdict: 'ignore', reason: 'duplicate' };
    try {
      const refusal = refuseUnsolicited(this.ctx.chain, header);
      if (refusal) {
        // Refused before anything is validated or stored. A light deep fork is what a spammer
        // sends (an honest node left on a losing branch sends a few, then follows our heavier
        // chain once it hears our status); a chain below the minimum weight is also what honest
        // nodes starting a new network exchange, so that one costs nothing.
        if (refusal.reason === 'light-deep-fork')
          this.ctx.punish(from, 'low-work-branch', `gossip blocks: ${refusal.detail}`);
        return { verdict: 'ignore', reason: refusal.reason };
      }
      this.reportArrival(hash, header, from, receivedMs);
      if (this.ctx.chain.relayBeforeValidation(block)) {
        this.validateAfterRelay(block, from);
        return { verdict: 'accept' };
      }
      const r = await this.ctx.chain.processBlock(block, from);
      if (r.status === 'orphan') {
        this.ctx.onOrphan(from);
        return { verdict: 'ignore', reason: 'orphan' };
      }
      if (r.status === 'duplicate') return { verdict: 'ignore', reason: 'duplicate' };
      return { verdict: 'accept' };
    } catch (err) {
      return judgeError(err, null);
    }
  }

  private reportArrival(hash: Uint8Array, header: BlockHeader, from: string, receivedMs: number): void {
    const report = this.ctx.onBlockGossip;
    if (!report) return;
    try {
      report({ hash: toHex(hash), prevHash: toHex(header.prevHash), peerId: from, receivedMs });
    } catch {
      // An observer's failure must not cost the block its relay or validation.
    }
  }

  /**
   * Validates a block gossip has already relayed (P2pChain.relayBeforeValidation). Its sender
   * relayed it unvalidated too, as honest nodes do, so a failure blames no one: the chain records
   * the block invalid and rejects it and its descendants from then on.
   */
  private validateAfterRelay(block: Block, from: string): void {
    // On the next turn of the event loop: the scoring blocks the thread, and gossipsub's forward
    // of the block (queued by our Accept, in promise callbacks) must reach the sockets first.
    const timer = setTimeout(() => {
      this.afterRelay.delete(timer);
      this.ctx.chain.processBlock(block, from).then(
        (r) => {
          if (r.status === 'orphan') this.ctx.onOrphan(from);
        },
        (err: unknown) => {
          const j = judgeError(err, null);
          this.ctx.onRelayedInvalid?.(from, 'reason' in j ? j.reason : 'error');
        },
      );
    }, 0);
    this.afterRelay.add(timer);
  }

  private async judgeTx(data: Uint8Array): Promise<Judgement> {
    const mempool = this.ctx.mempool;
    if (!mempool) return { verdict: 'ignore', reason: 'no mempool' };
    let tx: Transaction;
    try {
      tx = decodeTx(data);
    } catch (err) {
      return judgeError(err, 'malformed-message');
    }
    if (mempool.has(txid(tx))) return { verdict: 'ignore', reason: 'duplicate' };
    try {
      await mempool.accept(tx);
      return { verdict: 'accept' };
    } catch (err) {
      return judgeError(err, null);
    }
  }

  private async judgeDelta(from: string, data: Uint8Array): Promise<Judgement> {
    const deltas = this.ctx.deltas;
    if (!deltas) return { verdict: 'ignore', reason: 'no delta sink' };
    try {
      const r = await deltas.accept(data, from);
      return r === 'accept' ? { verdict: 'accept' } : { verdict: 'ignore', reason: 'ignored by sink' };
    } catch (err) {
      return judgeError(err, 'invalid-delta');
    }
  }
}
