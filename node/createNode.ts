/**
 * Composition root: builds every service from typed options, plugs the narrow interfaces
 * together, starts them in dependency order and stops them in reverse.
 *
 *   datadir lock → chain DB → signature pool → chain → mempool → wallet → p2p → RPC server → miner
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type BlockWithIds, equalBytes, NETWORKS, type NetworkParams, toHex } from '../consensus/index.js';
import { createP2p, type P2pNode } from '../p2p/index.js';
import { DeltaPool, UpdateProposer } from '../training/index.js';
import { Chain } from './chain/index.js';
import { acquireLock, type DatadirLock, ensureDatadir, type NodeOptions } from './config/index.js';
import { Dashboard, dashboardMethods } from './dashboard/index.js';
import { ChainDb } from './db/index.js';
import { NodeError } from './errors.js';
import { installWasmHashing } from './hashing.js';
import { socketFailure } from './listenFailure.js';
import { LogLevelControl } from './logControl.js';
import { createLogger, type LogDestination, type Logger, openLogDestination } from './logger.js';
import { Mempool, type MempoolTxEvent } from './mempool/index.js';
import { MetricsServer, NodeMetrics } from './metrics/index.js';
import { Miner } from './miner/index.js';
import { ModelScores } from './modelScores.js';
import { p2pChain, p2pMempool } from './p2pAdapter.js';
import { RpcRegistry, RpcServer } from './rpc/index.js';
import type { RpcEvaluator } from './rpc/methods/context.js';
import { nodeNamespaces, type RpcNodeContext } from './rpc/methods/index.js';
import { loggingMethods } from './rpc/methods/logging.js';
import { trainingMethods } from './rpc/methods/training.js';
import { walletMethods } from './rpc/methods/wallet.js';
import { publishNodeTopics, registerNodeTopics } from './rpc/topics.js';
import { ChainLog, type SyncReporter, SyncState, type SyncStatus } from './sync/index.js';
import { NodeScoring, payoutPubKeyHash, TrainingService } from './training/index.js';
import { bcryptoVerifier, VerifyPool } from './verify/index.js';
import { WalletService } from './wallet/index.js';

/** ms since the epoch, sub-millisecond: the wall clock at the process's start plus the monotonic time since. */
const preciseWallClock = (): number => performance.timeOrigin + performance.now();

export interface NodeDeps {
  readonly logger?: Logger;
  /** Wall clock in milliseconds (Date.now shape); tests may inject one. */
  readonly clock?: () => number;
  /** Called when an RPC `stop` asks the node to shut down (the CLI exits the process). */
  readonly onStopRequested?: () => void;
  /** Where log lines go when opts.log.file is unset (and no `logger` is given); default stdout. */
  readonly logOutput?: DestinationStream;
  /** Shows initial-block-download progress; default throttled INFO log lines. */
  readonly syncReporter?: SyncReporter;
}

export class QenexNode {
  readonly params: NetworkParams;
  readonly logger: Logger;
  readonly db: ChainDb;
  readonly verifier: VerifyPool;
  readonly chain: Chain<unknown>;
  readonly mempool: Mempool;
  readonly miner: Miner | null;
  readonly rpc: RpcServer;
  readonly p2p: P2pNode;
  readonly wallet: WalletService;
  /** Signed model deltas for the current tip model (gossiped and local). */
  readonly deltaPool: DeltaPool;
  /** Aggregates pooled deltas into the miner's model updates. */
  readonly proposer: UpdateProposer;
  /** Prometheus metrics and their endpoint, when `metrics.enabled`. */
  readonly metrics: NodeMetrics | null;
  readonly metricsServer: MetricsServer | null;
  /** The web dashboard on the RPC port, when `dashboard.enabled`. */
  readonly dashboard: Dashboard | null;
  private trainingService: TrainingService | null = null;
  /** Public-key hash credited for this node's deltas (training.payoutAddress, else mining.address). */
  private readonly trainingPayout: Uint8Array | undefined;
  private readonly evaluator: RpcEvaluator;
  /** The evaluator and the threads that score for it. */
  private readonly scoring: NodeScoring;
  private lock: DatadirLock | null = null;
  private readonly startedAt: number;
  private started = false;
  private stopping: Promise<void> | null = null;
  private readonly clock: () => number;
  private readonly unsubscribe: Array<() => void> = [];
  /** Log levels at run time (null when the logger was handed in). */
  private readonly logControl: LogLevelControl | null;
  /** The log's file or stdout (null when the logger was handed in). */
  private readonly logDestination: LogDestination | null;
  /** Initial block download, derived from the tip and the peers (getblockchaininfo, progress). */
  readonly syncState: SyncState;
  private readonly chainLog: ChainLog;

  constructor(
    readonly opts: NodeOptions,
    private readonly deps: NodeDeps = {},
  ) {
    this.params = NETWORKS[opts.network];
    this.clock = deps.clock ?? Date.now;
    this.startedAt = Math.floor(this.clock() / 1000);
    this.logDestination = deps.logger
      ? null
      : openLogDestination({ file: opts.log.file, ...(deps.logOutput ? { output: deps.logOutput } : {}) });
    // Run-time log levels (RPC logging, loglevels) need the logger the node creates itself.
    this.logControl = deps.logger ? null : new LogLevelControl({ level: opts.log.level });
    this.logger = deps.logger ?? this.ownLogger(this.logControl!);
    this.trainingPayout = payoutPubKeyHash(opts, this.params);
    this.scoring = new NodeScoring({ params: this.params, logger: this.logger });
    this.evaluator = this.scoring.evaluator as unknown as RpcEvaluator;
    this.db = new ChainDb({ backend: 'level', path: join(opts.datadir, 'chain') });
    this.verifier = new VerifyPool({});
    const seconds = () => Math.floor(this.clock() / 1000);
    this.chain = new Chain(
      {},
      {
        db: this.db,
        params: this.params,
        evaluator: this.evaluator,
        verifier: this.verifier,
        logger: this.logger,
        clock: seconds,
        improvement: this.scoring.improvement,
      },
    );
    this.mempool = new Mempool(
      { maxSizeBytes: opts.mempool.maxSizeBytes, minFeeRate: opts.mempool.minFeeRate / 1000n },
      {
        chain: {
          params: this.params,
          tipHeight: () => this.chain.tipHeight(),
          getCoin: (op) => this.chain.getCoin(op),
        },
        verifier: this.verifier,
        // the mempool, wallet and miners name themselves (module: ...) on the logger they get
        logger: this.logger,
        clock: { now: this.clock },
      },
    );
    this.deltaPool = new DeltaPool(
      {},
      {
        params: this.params,
        currentModelHash: () => this.chain.tip.modelHash,
        // native BIP340: every node checks every gossiped delta's signature on its own thread
        verifier: bcryptoVerifier,
      },
    );
    this.proposer = new UpdateProposer(
      {
        rule: opts.training.aggregation,
        // wait up to one delta interval for other trainers' deltas before proposing an update
        collectMs: opts.training.deltaIntervalMs,
      },
      {
        pool: this.deltaPool,
        params: this.params,
        evaluator: this.evaluator,
        getTipModel: () => this.chain.getTipModel(),
        getTipLevels: () => this.chain.tip.levels.levels,
        getGrowthWindow: () => this.chain.growthWindow(),
        logger: this.logger.child({ module: 'proposer' }),
        // scored on the improvement worker: the node's thread keeps relaying blocks meanwhile
        scorer: this.scoring.improvement,
      },
    );
    this.miner =
      opts.mining.enabled && opts.mining.address
        ? this.makeMiner(opts.mining.address, opts.mining.threads)
        : null;
    this.p2p = createP2p(
      {
        host: opts.p2p.host,
        port: opts.p2p.port,
        bootstrap: opts.p2p.bootstrap,
        announce: opts.p2p.announce,
        ...(opts.p2p.dialFrom === undefined ? {} : { dialFrom: opts.p2p.dialFrom }),
        maxConnections: opts.p2p.maxConnections,
        maxConnectionsPerIp: opts.p2p.maxConnectionsPerIp,
        banExempt: opts.p2p.banExempt,
        // The persistent identity lives in the data dir (created 0600 on first start).
        peerKeyFile: join(opts.datadir, 'p2p-key'),
        // Bans survive restarts (Bitcoin Core's banlist.json).
        banFile: join(opts.datadir, 'banlist.json'),
      },
      {
        chain: p2pChain(this.chain, this.db),
        mempool: p2pMempool(this.mempool),
        // Every node judges and relays model deltas (a non-training node between trainers too).
        deltas: this.deltaPool,
        clock: this.clock,
        logger: this.logger.child({ module: 'p2p' }),
      },
    );
    this.syncState = new SyncState(
      {},
      {
        tip: () => this.chain.tip,
        targetSpacing: this.params.targetSpacing,
        clock: { now: this.clock },
      },
    );
    this.chainLog = new ChainLog(
      {},
      {
        logger: this.logger,
        clock: { now: this.clock },
        state: this.syncState,
        ...(deps.syncReporter ? { reporter: deps.syncReporter } : {}),
      },
    );
    this.wallet = new WalletService(
      { datadir: opts.datadir },
      {
        chain: this.chain,
        mempool: this.mempool,
        params: this.params,
        logger: this.logger,
      },
    );
    const registry = new RpcRegistry();
    registry.register(
      'wallet',
      walletMethods({
        params: this.params,
        walletService: this.wallet,
        chain: this.chain,
        mempool: this.mempool,
      }),
    );
    for (const [category, methods] of nodeNamespaces(this.rpcContext())) registry.register(category, methods);
    if (this.logControl) registry.register('control', loggingMethods(this.logControl));
    registry.register(
      'training',
      trainingMethods({
        chain: this.chain,
        evaluator: this.evaluator,
        pool: this.deltaPool,
        proposer: this.proposer,
        params: this.params,
        deltaIntervalMs: opts.training.deltaIntervalMs,
        training: () => this.trainingService,
        announce: (bytes) => this.p2p.announceDelta(bytes),
      }),
    );
    this.rpc = new RpcServer(
      {
        host: opts.rpc.host,
        port: opts.rpc.port,
        wsEnabled: opts.rpc.ws,
        ...(opts.rpc.user && opts.rpc.password
          ? { user: opts.rpc.user, password: opts.rpc.password }
          : { datadir: opts.datadir }),
      },
      { registry, logger: this.logger.child({ module: 'rpc' }) },
    );
    registerNodeTopics(this.rpc);
    // Held-out scores of chain models, shared by the metrics and the dashboard's chart.
    const scores = new ModelScores(
      {},
      { chain: this.chain, heldOut: (m, levels) => this.evaluator.heldOut(m, levels) },
    );
    this.metrics = opts.metrics.enabled ? this.makeMetrics(scores) : null;
    this.metricsServer = this.metrics
      ? new MetricsServer(
          { host: opts.metrics.host, port: opts.metrics.port },
          { metrics: this.metrics, logger: this.logger.child({ module: 'metrics' }) },
        )
      : null;
    this.dashboard = opts.dashboard.enabled
      ? new Dashboard(
          {},
          {
            rpc: this.rpc,
            registry,
            chain: this.chain,
            scores,
            logger: this.logger.child({ module: 'dashboard' }),
            clock: { now: this.clock },
          },
        )
      : null;
    if (this.dashboard) this.rpc.mount(this.dashboard);
    registry.register(
      'dashboard',
      dashboardMethods(() => this.dashboard),
    );
  }

  private ownLogger(control: LogLevelControl): Logger {
    const logger = createLogger({
      level: this.opts.log.level,
      pretty: this.opts.log.pretty,
      destination: this.logDestination!.stream,
      onChild: control.onChild,
    });
    control.attach(logger);
    return logger;
  }

  private makeMiner(address: string, threads: number): Miner {
    return new Miner(
      { address, threads },
      {
        updates: this.proposer,
        chain: this.chain,
        mempool: this.mempool,
        params: this.params,
        logger: this.logger,
        clock: { now: this.clock },
      },
    );
  }

  private makeMetrics(scores: ModelScores): NodeMetrics {
    return new NodeMetrics({
      chain: this.chain,
      mempool: this.mempool,
      p2p: this.p2p,
      miner: () => this.miner?.status() ?? null,
      deltas: () => this.deltaPool.stats(),
      training: () => this.trainingService?.stats() ?? null,
      scores,
      evaluationKernel: () => this.evaluator.kernelName(),
      trainingKernel: () => this.trainingService?.kernel ?? null,
    });
  }

  private rpcContext(): RpcNodeContext {
    return {
      params: this.params,
      chain: this.chain,
      mempool: this.mempool,
      miner: this.miner,
      p2p: this.p2p,
      evaluator: this.evaluator,
      startedAt: this.startedAt,
      now: () => Math.floor(this.clock() / 1000),
      generate: (n, address, maxTries) => this.generate(n, address, maxTries),
      requestStop: () => {
        setImmediate(() => {
          if (this.deps.onStopRequested) this.deps.onStopRequested();
          else void this.stop();
        });
      },
      sizeOnDisk: () => dirSize(join(this.opts.datadir, 'chain')),
      sync: () => this.syncStatus(),
      logger: this.logger.child({ module: 'rpc' }),
    };
  }

  private generator: Miner | null = null;

  /** generatetoaddress: mines inline with a dedicated, never-started miner (no worker threads). */
  async generate(n: number, address: string, maxTries = 1_000_000): Promise<string[]> {
    this.generator ??= new Miner(
      { address, threads: 1, minIntervalMs: 0 },
      {
        updates: this.proposer,
        chain: this.chain,
        mempool: this.mempool,
        params: this.params,
        logger: this.logger.child({ miner: 'generatetoaddress' }),
        clock: { now: this.clock },
      },
    );
    return this.generator.generate(n, address, maxTries);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await ensureDatadir(this.opts.datadir);
    this.lock = acquireLock(this.opts.datadir);
    // before the chain loads: every hash from here on is computed by the WebAssembly kernel, when built
    const hashingKernel = installWasmHashing();
    try {
      await this.db.open();
      await this.verifier.start();
      this.scoring.start(); // in the background: ready before the first model update, not awaited
      await this.chain.start();
      await this.mempool.start();
      await this.wallet.start();
      this.wireEvents();
      // counts from here on: blocks connected by the initial sync included
      this.metrics?.start();
      await this.startP2p();
      if (this.opts.training.enabled) await this.startTraining();
      await this.dashboard?.start();
      await this.rpc.start();
      await this.metricsServer?.start();
      if (this.miner) await this.miner.start();
    } catch (e) {
      await this.shutdown();
      throw e;
    }
    this.started = true;
    const tip = this.chain.tip;
    const scoringKernel = this.evaluator.kernelName();
    this.logger.info(
      {
        network: this.params.name,
        height: tip.height,
        tip: toHex(tip.hash),
        rpc: this.rpc.url,
        datadir: this.opts.datadir,
        scoringKernel,
        hashingKernel,
        ...(this.trainingService ? { trainingKernel: this.trainingService.kernel } : {}),
      },
      'qenex node started',
    );
    if (
      scoringKernel !== 'wasm' ||
      hashingKernel !== 'wasm' ||
      (this.trainingService && this.trainingService.kernel !== 'wasm')
    ) {
      this.logger.warn(
        'WebAssembly kernels not built (dist/training/*.wasm, dist/consensus/hash.wasm): scoring, training and hashing run on the slower plain-TypeScript code; `npm run build` builds them',
      );
    }
  }

  /** Where the node stands in catching up with the network. */
  syncStatus(): SyncStatus {
    return this.syncState.status();
  }

  /** SIGHUP: opens the log file again by name (after logrotate moved it); false without one. */
  reopenLog(): boolean {
    if (this.logDestination?.file === undefined) return false;
    this.logDestination.reopen();
    this.logger.info({ file: this.logDestination.file }, 'log file reopened');
    return true;
  }

  private lastConnected: BlockWithIds | null = null;

  /**
   * Announces every new tip: our status to all peers, and the block by gossip (p2p skips blocks a
   * sync session is importing; peers that already have a block drop the duplicate, gossip message
   * ids being content hashes). Never held back because some peer claims a heavier chain: a claim
   * is unproven until its headers arrive, and a node that went quiet on such a claim would let a
   * peer that never answers cut its blocks off from the network.
   */
  private announceTip(hash: Uint8Array): void {
    const b = this.lastConnected;
    if (!b || !equalBytes(b.hash, hash)) return;
    this.p2p.announceBlock(b.block).catch((e) => this.logger.debug({ err: e }, 'block not announced'));
  }

  /** The local trainer, when training is on (started after p2p: its shard hashes the peer id). */
  get training(): TrainingService | null {
    return this.trainingService;
  }

  private async startTraining(): Promise<void> {
    const t = this.opts.training;
    this.trainingService = new TrainingService(
      {
        datadir: this.opts.datadir,
        cpuShare: t.cpuShare,
        identity: this.p2p.peerId,
        shardCount: t.shardCount,
        ...(t.shardIndex === undefined ? {} : { shardIndex: t.shardIndex }),
        intervalMs: t.deltaIntervalMs,
        deltaDensity: t.deltaDensity,
        ...(this.trainingPayout ? { payout: this.trainingPayout } : {}),
      },
      {
        chain: this.chain,
        pool: this.deltaPool,
        announce: (bytes) => this.p2p.announceDelta(bytes),
        logger: this.logger.child({ module: 'training' }),
      },
    );
    await this.trainingService.start();
  }

  private async startP2p(): Promise<void> {
    try {
      await this.p2p.start();
    } catch (e) {
      const reason = socketFailure(e);
      if (reason === undefined) throw e;
      throw new NodeError({
        code: 'NODE_P2P_LISTEN',
        host: this.opts.p2p.host,
        port: this.opts.p2p.port,
        reason,
      });
    }
    this.logger.info({ peerId: this.p2p.peerId, listen: this.p2p.multiaddrs }, 'p2p listening');
  }

  private wireEvents(): void {
    const onBlock = ({ block }: { block: BlockWithIds }) => {
      this.lastConnected = block;
      void this.mempool.removeForBlock(block);
    };
    const onDisconnect = ({ block }: { block: BlockWithIds }) => {
      void this.mempool.addBackFromBlock(block);
    };
    const onTip = (entry: { height: number; hash: Uint8Array; improvementPpm: number }) => {
      this.miner?.onTip();
      this.announceTip(entry.hash);
      this.chainLog.tip({
        height: entry.height,
        hash: toHex(entry.hash),
        improvementPpm: entry.improvementPpm,
      });
    };
    const onTx = (tx: MempoolTxEvent) => {
      this.p2p.announceTx(tx.tx.tx).catch((e) => this.logger.debug({ err: e }, 'tx not announced'));
    };
    const onSync = (p: { height: number; targetHeight: number; blocksPerSecond: number }) => {
      this.syncState.observe(p);
      this.chainLog.syncStep();
    };
    this.p2p.on('sync:progress', onSync);
    this.unsubscribe.push(() => this.p2p.off('sync:progress', onSync));
    this.chain.on('block', onBlock);
    this.chain.on('disconnect', onDisconnect);
    this.chain.on('tip', onTip);
    this.mempool.on('tx', onTx);
    this.unsubscribe.push(
      () => this.chain.off('block', onBlock),
      () => this.chain.off('disconnect', onDisconnect),
      () => this.chain.off('tip', onTip),
      () => this.mempool.off('tx', onTx),
      ...publishNodeTopics({
        rpc: this.rpc,
        chain: this.chain,
        mempool: this.mempool,
        p2p: this.p2p,
        // an injected clock wins; the node's own is Date.now's at sub-millisecond resolution
        clock: { now: this.deps.clock ?? preciseWallClock },
      }),
    );
  }

  /** Graceful shutdown: stop mining, stop serving, flush and close the database, release the lock. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.logger.info('qenex node stopping');
    const step = async (name: string, fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (e) {
        this.logger.error({ err: e }, `error stopping ${name}`);
      }
    };
    await step('metrics', async () => {
      await this.metricsServer?.stop();
      this.metrics?.stop();
    });
    await step('miner', () => this.miner?.stop());
    await step('training', () => this.trainingService?.stop());
    await step('rpc', () => this.rpc.stop());
    await step('dashboard', () => this.dashboard?.stop());
    await step('p2p', () => this.p2p.stop());
    for (const u of this.unsubscribe.splice(0)) u();
    await step('wallet', () => this.wallet.stop());
    await step('mempool', () => this.mempool.stop());
    await step('chain', () => this.chain.stop());
    await step('verifier', () => this.verifier.stop());
    await step('scoring threads', () => this.scoring.close());
    await step('db', () => this.db.close());
    this.lock?.release();
    this.lock = null;
    this.started = false;
  }
}

export function createNode(opts: NodeOptions, deps: NodeDeps = {}): QenexNode {
  return new QenexNode(opts, deps);
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  try {
    for (const f of await readdir(dir)) total += (await stat(join(dir, f))).size;
  } catch {
    return 0;
  }
  return total;
}
