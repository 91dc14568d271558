/**
 * TrainingService: runs training's Trainer worker against the chain tip model (re-based on every
 * tip whose model hash changed) and, every `intervalMs`, signs the delta learnt so far with the
 * node's training key (`<datadir>/training-key.json`, 0600, created on first start), puts it in
 * the DeltaPool and gossips it, crediting the payout address (default: the training key's own).
 * The shard is configured, or comes from hashing the node's identity (p2p peer id), so different
 * nodes train on different slices of the training split.
 * On a new tip model the worker is told which of its deltas the model took in (error feedback,
 * LocalTrainer.setBase): the delta its key signed in the update that made the model from the
 * previous base, or none when that update left it out (another miner's block, a block already
 * full): what it learnt then carries over whole instead of being dropped as if delivered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  equalBytes,
  fromHex,
  getPublicKey,
  type Hash,
  hash160,
  type ModelUpdate,
  toHex,
} from '../../consensus/index.js';
import type { DeltaPool } from '../../training/index.js';
import {
  DEFAULT_DELTA_DENSITY,
  encodeSignedDelta,
  type NetworkModel,
  networkModelHash,
  type ShardSpec,
  signDelta,
  Trainer,
  type TrainerSnapshot,
  type TrainKernelName,
} from '../../training/index.js';
import type { Logger } from '../logger.js';
import { NodeTrainingError } from './errors.js';

export const TRAINING_KEY_FILE = 'training-key.json';

export interface TrainingServiceOptions {
  readonly datadir: string;
  /** Share of one core the worker may use, 0..1. */
  readonly cpuShare: number;
  /** Identity hashed into the shard index (peer id or miner address) when shardIndex is unset. */
  readonly identity: string;
  /** Number of shards the training split is cut into (default 8). */
  readonly shardCount?: number;
  /** This node's shard; default sha256(identity) mod shardCount. */
  readonly shardIndex?: number;
  /** Milliseconds between produced deltas (default 5,000). */
  readonly intervalMs?: number;
  /** Share of each weight tensor a delta carries (training/compress.ts; default 1/128). */
  readonly deltaDensity?: number;
  /** Public-key hash credited for the deltas; default hash160 of the training key. */
  readonly payout?: Uint8Array;
}

/** What training needs of a tip: its model hash and the levels of the generated domains after it. */
export interface TrainingTip {
  readonly hash: Hash;
  readonly prevHash: Hash;
  readonly modelHash: Hash;
  readonly levels: { readonly levels: readonly number[] };
}

export interface TrainingChain {
  readonly tip: TrainingTip;
  getTipModel(): unknown;
  getEntry(hash: Hash): TrainingTip | undefined;
  getBlock(hash: Hash): Promise<{ readonly update: ModelUpdate | null } | undefined>;
  on(event: 'tip', fn: (entry: TrainingTip) => void): unknown;
  off(event: 'tip', fn: (entry: TrainingTip) => void): unknown;
}

export interface TrainingServiceDeps {
  readonly chain: TrainingChain;
  readonly pool: DeltaPool;
  /** Gossips an encoded SignedDelta; resolves to the number of peers it went to. */
  announce(bytes: Uint8Array): Promise<number>;
  readonly logger: Logger;
}

export interface TrainingStats {
  readonly running: boolean;
  readonly shard: ShardSpec;
  readonly contributor: string | null;
  /** Samples trained since the current base, and samples/s of worker wall time. */
  readonly samples: number;
  readonly samplesPerSecond: number;
  readonly deltasSent: number;
}

/** Blocks walked back from a new tip to find the update that made its model. */
const MODEL_SOURCE_DEPTH = 16;

/** The shard a node trains on: sha256(identity) mod count. */
export function shardFor(identity: string, count: number): ShardSpec {
  const n = createHash('sha256').update(identity, 'utf8').digest().readUInt32BE(0);
  return { index: n % count, count };
}

/** Reads the training key, creating it (0600) if absent. */
export async function loadTrainingKey(datadir: string): Promise<Uint8Array> {
  const path = join(datadir, TRAINING_KEY_FILE);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  if (text === null) {
    const secretKey = new Uint8Array(randomBytes(32));
    getPublicKey(secretKey);
    const tmp = `${path}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, secretKey: toHex(secretKey) })}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
    return secretKey;
  }
  try {
    const parsed = JSON.parse(text) as { secretKey?: unknown };
    if (typeof parsed.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.secretKey)) {
      throw new NodeTrainingError({ code: 'TRAINING_KEY_INVALID', path, reason: 'no 32-byte hex secretKey' });
    }
    const secretKey = fromHex(parsed.secretKey);
    getPublicKey(secretKey);
    return secretKey;
  } catch (e) {
    if (e instanceof NodeTrainingError) throw e;
    throw new NodeTrainingError({ code: 'TRAINING_KEY_INVALID', path, reason: (e as Error).message });
  }
}

export class TrainingService {
  readonly shard: ShardSpec;
  private readonly trainer: Trainer;
  private secretKey: Uint8Array | null = null;
  private pubkey: Uint8Array | null = null;
  private contributor: Uint8Array | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private baseHash: Hash | null = null;
  private baseLevels = '';
  private deltasSent = 0;
  private lastSamples = 0;
  private lastRate = 0;
  private producing: Promise<void> | null = null;
  /** Rebases run one after the other (each may read a block first). */
  private rebasing: Promise<void> = Promise.resolve();
  private readonly onTip = (): void => {
    this.rebasing = this.rebasing
      .then(() => this.rebase())
      .catch((e) => this.deps.logger.warn({ err: e }, 'rebase failed'));
  };

  constructor(
    private readonly opts: TrainingServiceOptions,
    private readonly deps: TrainingServiceDeps,
  ) {
    const count = opts.shardCount ?? 8;
    this.shard =
      opts.shardIndex === undefined ? shardFor(opts.identity, count) : { index: opts.shardIndex, count };
    this.trainer = new Trainer({
      shard: this.shard,
      cpuShare: opts.cpuShare,
      deltaDensity: opts.deltaDensity ?? DEFAULT_DELTA_DENSITY,
    });
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Kernel the worker trains with ('wasm' or 'js'); null before start(). */
  get kernel(): TrainKernelName | null {
    return this.trainer.kernel ?? null;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.secretKey = await loadTrainingKey(this.opts.datadir);
    this.pubkey = getPublicKey(this.secretKey);
    this.contributor = this.opts.payout ?? hash160(this.pubkey);
    await this.trainer.start();
    await this.rebase();
    this.deps.chain.on('tip', this.onTip);
    this.timer = setInterval(() => {
      this.producing ??= this.produce()
        .then(() => undefined)
        .catch((e) => this.deps.logger.warn({ err: e }, 'training round failed'))
        .finally(() => {
          this.producing = null;
        });
    }, this.opts.intervalMs ?? 5_000);
    this.deps.logger.info(
      {
        shard: `${this.shard.index}/${this.shard.count}`,
        contributor: toHex(this.contributor),
        kernel: this.kernel,
      },
      'training started',
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.deps.chain.off('tip', this.onTip);
    await this.rebasing;
    await this.producing;
    await this.trainer.stop();
  }

  /** Signs the delta learnt since the current base and hands it to the pool and the network. */
  async produce(): Promise<boolean> {
    const snap = await this.trainer.snapshot();
    // samples per second of wall time since the worker started (all bases, all duty cycles)
    if (snap.elapsedMs > 0) this.lastRate = (1000 * snap.totalSamples) / snap.elapsedMs;
    this.lastSamples = snap.samples;
    const tipHash = this.deps.chain.tip.modelHash;
    if (!snap.delta || snap.samples < 1 || !snap.baseModelHash || !equalBytes(snap.baseModelHash, tipHash)) {
      return false;
    }
    if (!this.secretKey) return false;
    const signed = signDelta(
      {
        baseModelHash: tipHash,
        samples: snap.samples,
        delta: snap.delta,
        ...(this.contributor ? { contributor: this.contributor } : {}),
      },
      this.secretKey,
      new Uint8Array(randomBytes(32)),
    );
    const bytes = encodeSignedDelta(signed);
    try {
      this.deps.pool.add(bytes);
    } catch (e) {
      this.deps.logger.debug({ err: e }, 'own delta refused by the pool');
      return false;
    }
    this.deltasSent++;
    this.deps.announce(bytes).catch((e) => this.deps.logger.debug({ err: e }, 'delta not announced'));
    return true;
  }

  /** The worker's current delta against the tip model (for RPC). */
  snapshot(): Promise<TrainerSnapshot> {
    return this.trainer.snapshot();
  }

  stats(): TrainingStats {
    return {
      running: this.running,
      shard: this.shard,
      contributor: this.contributor ? toHex(this.contributor) : null,
      samples: this.lastSamples,
      samplesPerSecond: this.lastRate,
      deltasSent: this.deltasSent,
    };
  }

  /** Restarts the worker on the tip's model, unless it already trains on it at the tip's levels. */
  private async rebase(): Promise<void> {
    const tip = this.deps.chain.tip;
    const model = this.deps.chain.getTipModel() as NetworkModel;
    const levels = tip.levels.levels;
    const previous = this.baseHash;
    if (previous && equalBytes(previous, tip.modelHash) && this.baseLevels === levels.join(',')) return;
    const delivered = previous ? await this.delivered(previous, tip) : undefined;
    this.baseHash = networkModelHash(model);
    this.baseLevels = levels.join(',');
    this.trainer.setBase(model, levels, delivered);
  }

  /**
   * The delta of ours that `tip`'s model took in, for the worker's error feedback: the
   * contribution our key signed in the update that made the model from `previous`, null when that
   * update has none of ours, undefined when unknown (the model is `previous`, came by growth or
   * by more than one update since, or its block is not found).
   */
  private async delivered(previous: Hash, tip: TrainingTip): Promise<Uint8Array | null | undefined> {
    if (equalBytes(previous, tip.modelHash) || !this.pubkey) return undefined;
    const chain = this.deps.chain;
    // the block that made the tip's model: the first, walking back, whose parent has another model
    let made: TrainingTip = tip;
    for (let i = 0; i < MODEL_SOURCE_DEPTH; i++) {
      const parent = chain.getEntry(made.prevHash);
      if (!parent) return undefined;
      if (!equalBytes(parent.modelHash, made.modelHash)) {
        if (!equalBytes(parent.modelHash, previous)) return undefined;
        const update = (await chain.getBlock(made.hash))?.update;
        if (!update || update.grow !== null) return undefined;
        const pubkey = this.pubkey;
        return update.contributions.find((c) => equalBytes(c.pubkey, pubkey))?.delta ?? null;
      }
      made = parent;
    }
    return undefined;
  }
}
