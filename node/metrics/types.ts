/**
 * What the metrics read from the node's components: their typed events (chain, p2p) and the
 * counters and gauges they already keep as data (mempool, miner, delta pool, trainer). No
 * component depends on prom-client; this folder adapts them.
 */
import type { P2pNode } from '../../p2p/index.js';
import type { DeltaPoolStats } from '../../training/index.js';
import type { Chain } from '../chain/index.js';
import type { Mempool } from '../mempool/index.js';
import type { MinerStatus } from '../miner/index.js';
import type { ModelScores } from '../modelScores.js';
import type { TrainingStats } from '../training/index.js';

export interface MetricsSources {
  readonly chain: Pick<Chain, 'tip' | 'on' | 'off'>;
  readonly mempool: Pick<Mempool, 'size' | 'bytes'>;
  readonly p2p: Pick<P2pNode, 'on' | 'off' | 'started' | 'peers' | 'networkInfo'>;
  /** The mining loop's status; null when the node does not mine. */
  miner(): MinerStatus | null;
  /** The delta pool's counts (gossiped and local deltas). */
  deltas(): DeltaPoolStats;
  /** The local trainer's counts; null when training is off. */
  training(): TrainingStats | null;
  readonly scores: Pick<ModelScores, 'ofTip'>;
  /** The evaluator's scoring kernel ('wasm' or 'js'). */
  evaluationKernel(): string;
  /** The local trainer's kernel; null when training is off. */
  trainingKernel(): string | null;
}
