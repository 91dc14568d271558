/**
 * The node's Prometheus metrics, in a registry of its own (several nodes may share a process, as
 * in the tests). Events (blocks connected, reorgs, gossip, bans) are counted as they happen; the
 * state the components already keep (heights, pool sizes, rates, their own counters) is read at
 * scrape time by each metric's `collect`.
 *
 * Names follow the Prometheus conventions: the `qenex_` prefix, `_total` for counters, base units
 * (`_seconds`, `_bytes`, `_ratio`). The process and Node.js runtime metrics of prom-client's
 * collectDefaultMetrics keep their standard unprefixed names (`process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, …) so that existing dashboards for them work unchanged.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GossipMessageEvent, PeerMisbehaviour } from '../../p2p/index.js';
import type { ChainConnectEvent } from '../chain/index.js';
import { BLOCK_SECONDS_BUCKETS } from './options.js';
import type { MetricsSources } from './types.js';

const TOPICS = ['blocks', 'txs', 'deltas'] as const;
const RESULTS = ['accept', 'ignore', 'reject'] as const;
const DIRECTIONS = ['inbound', 'outbound'] as const;

/** A counter whose value a component keeps (it only grows); copied at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly blocksConnected: Counter;
  private readonly blocksDisconnected: Counter;
  private readonly reorgs: Counter;
  private readonly improvements: Counter;
  private readonly validation: Histogram;
  private readonly connect: Histogram;
  private readonly gossipReceived: Counter<'topic' | 'result'>;
  private readonly gossipReceivedBytes: Counter<'topic'>;
  private readonly gossipSent: Counter<'topic'>;
  private readonly gossipSentBytes: Counter<'topic'>;
  private readonly bans: Counter;
  private readonly misbehaviour: Counter<'code'>;

  constructor(private readonly sources: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    // Three gauges prom-client names like counters (promtool flags them); the per-type gauges
    // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources carry the same.
    for (const misnamed of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      r.removeSingleMetric(misnamed);
    const { chain, mempool, p2p } = sources;

    // chain
    gauge(r, 'qenex_chain_height', 'Height of the best chain tip.', () => chain.tip.height);
    gauge(
      r,
      'qenex_chain_weight',
      'Cumulative fork-choice weight of the best chain (work scaled by verified improvement).',
      () => Number(chain.tip.weight),
    );
    this.blocksConnected = new Counter({
      name: 'qenex_chain_blocks_connected_total',
      help: 'Blocks connected to the best chain (reorgs included).',
      registers: [r],
    });
    this.blocksDisconnected = new Counter({
      name: 'qenex_chain_blocks_disconnected_total',
      help: 'Blocks disconnected from the best chain by reorganizations.',
      registers: [r],
    });
    this.reorgs = new Counter({
      name: 'qenex_chain_reorgs_total',
      help: 'Completed chain reorganizations.',
      registers: [r],
    });
    this.improvements = new Counter({
      name: 'qenex_chain_verified_improvements_total',
      help: 'Connected blocks whose model update passed the proof-of-improvement rules.',
      registers: [r],
    });
    this.validation = new Histogram({
      name: 'qenex_block_validation_seconds',
      help: 'Full consensus validation of a block being connected (transactions, signatures, model update).',
      buckets: [...BLOCK_SECONDS_BUCKETS],
      registers: [r],
    });
    this.connect = new Histogram({
      name: 'qenex_block_connect_seconds',
      help: 'Whole connection of a block to the tip: loading, coin prefetch, validation and the database batch.',
      buckets: [...BLOCK_SECONDS_BUCKETS],
      registers: [r],
    });

    // mempool
    gauge(r, 'qenex_mempool_transactions', 'Transactions in the mempool.', () => mempool.size);
    gauge(r, 'qenex_mempool_bytes', 'Serialized size of the mempool transactions.', () => mempool.bytes);

    // p2p
    new Gauge({
      name: 'qenex_p2p_peers',
      help: 'Connected peers by the direction of their first connection.',
      labelNames: ['direction'],
      registers: [r],
      collect() {
        const counts = { inbound: 0, outbound: 0 };
        if (p2p.started) for (const peer of p2p.peers()) counts[peer.direction]++;
        for (const d of DIRECTIONS) this.set({ direction: d }, counts[d]);
      },
    });
    gauge(r, 'qenex_p2p_active_bans', 'Peer and subnet bans in force.', () =>
      p2p.started ? p2p.networkInfo().banned : 0,
    );
    this.bans = new Counter({
      name: 'qenex_p2p_bans_total',
      help: 'Peers banned (for misbehaviour or by an operator).',
      registers: [r],
    });
    this.misbehaviour = new Counter({
      name: 'qenex_p2p_misbehaviour_total',
      help: 'Penalties given to peers, by offence.',
      labelNames: ['code'],
      registers: [r],
    });
    this.gossipReceived = new Counter({
      name: 'qenex_gossip_messages_received_total',
      help: 'Gossip messages judged by a topic validator (first copies only), by topic and result (reject: the sender was penalised).',
      labelNames: ['topic', 'result'],
      registers: [r],
    });
    this.gossipReceivedBytes = new Counter({
      name: 'qenex_gossip_received_bytes_total',
      help: 'Payload bytes of the gossip messages judged, by topic.',
      labelNames: ['topic'],
      registers: [r],
    });
    this.gossipSent = new Counter({
      name: 'qenex_gossip_messages_sent_total',
      help: 'Gossip messages this node published, by topic.',
      labelNames: ['topic'],
      registers: [r],
    });
    this.gossipSentBytes = new Counter({
      name: 'qenex_gossip_sent_bytes_total',
      help: 'Payload bytes of the gossip messages this node published, by topic.',
      labelNames: ['topic'],
      registers: [r],
    });
    // Every series exists from the start (a counter that appears late hides its first increase).
    for (const topic of TOPICS) {
      for (const result of RESULTS) this.gossipReceived.inc({ topic, result }, 0);
      this.gossipReceivedBytes.inc({ topic }, 0);
      this.gossipSent.inc({ topic }, 0);
      this.gossipSentBytes.inc({ topic }, 0);
    }

    // mining
    gauge(
      r,
      'qenex_miner_hashes_per_second',
      'Proof-of-work hash rate of the local miner (last 10 s).',
      () => sources.miner()?.hashrate ?? 0,
    );
    mirroredCounter(
      r,
      'qenex_miner_blocks_found_total',
      'Blocks the local miner found that became the tip.',
      () => sources.miner()?.blocksFound ?? 0,
    );

    // training and the model
    gauge(
      r,
      'qenex_training_samples_per_second',
      'Local training samples per second of wall time.',
      () => sources.training()?.samplesPerSecond ?? 0,
    );
    mirroredCounter(
      r,
      'qenex_training_deltas_sent_total',
      'Signed model deltas this node produced and gossiped.',
      () => sources.training()?.deltasSent ?? 0,
    );
    mirroredCounter(
      r,
      'qenex_training_deltas_received_total',
      'Signed model deltas accepted into the delta pool (gossiped or local).',
      () => sources.deltas().received,
    );
    mirroredCounter(
      r,
      'qenex_training_deltas_rejected_total',
      'Signed model deltas the delta pool refused (stale base or invalid).',
      () => sources.deltas().rejected,
    );
    gauge(
      r,
      'qenex_training_pooled_deltas',
      'Deltas held for the current chain model.',
      () => sources.deltas().size,
    );
    new Gauge({
      name: 'qenex_model_heldout_accuracy_ratio',
      help: 'Held-out accuracy of the chain model at the tip, by domain (0..1).',
      labelNames: ['domain'],
      registers: [r],
      collect() {
        for (const s of sources.scores.ofTip())
          this.set({ domain: s.domain }, s.total > 0 ? s.correct / s.total : 0);
      },
    });
    new Gauge({
      name: 'qenex_kernel_info',
      help: 'Kernels in use (value 1): role "evaluation" scores models for consensus, "training" trains locally.',
      labelNames: ['role', 'kernel'],
      registers: [r],
      collect() {
        this.reset();
        this.set({ role: 'evaluation', kernel: sources.evaluationKernel() }, 1);
        const training = sources.trainingKernel();
        if (training) this.set({ role: 'training', kernel: training }, 1);
      },
    });
  }

  /** Subscribes to the components' events (call once they exist; `stop()` undoes it). */
  start(): void {
    if (this.unsubscribe.length > 0) return;
    const { chain, p2p } = this.sources;
    const onBlock = ({ entry, timing }: ChainConnectEvent) => {
      this.blocksConnected.inc();
      if (entry.improvementPpm > 0) this.improvements.inc();
      this.validation.observe(timing.validateMs / 1000);
      this.connect.observe(timing.connectMs / 1000);
    };
    const onDisconnect = () => this.blocksDisconnected.inc();
    const onReorg = () => this.reorgs.inc();
    const onGossip = (m: GossipMessageEvent) => {
      if (m.direction === 'in') {
        this.gossipReceived.inc({ topic: m.topic, result: m.result });
        this.gossipReceivedBytes.inc({ topic: m.topic }, m.bytes);
      } else {
        this.gossipSent.inc({ topic: m.topic });
        this.gossipSentBytes.inc({ topic: m.topic }, m.bytes);
      }
    };
    const onBanned = () => this.bans.inc();
    const onMisbehave = (m: PeerMisbehaviour) => this.misbehaviour.inc({ code: m.code });
    chain.on('block', onBlock);
    chain.on('disconnect', onDisconnect);
    chain.on('reorg', onReorg);
    p2p.on('gossip', onGossip);
    p2p.on('peer:banned', onBanned);
    p2p.on('peer:misbehave', onMisbehave);
    this.unsubscribe.push(
      () => chain.off('block', onBlock),
      () => chain.off('disconnect', onDisconnect),
      () => chain.off('reorg', onReorg),
      () => p2p.off('gossip', onGossip),
      () => p2p.off('peer:banned', onBanned),
      () => p2p.off('peer:misbehave', onMisbehave),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
