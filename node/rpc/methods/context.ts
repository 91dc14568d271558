/** What the RPC namespaces need from the running node (node/createNode.ts provides it). */
import type { Evaluator, Hash, NetworkParams } from '../../../consensus/index.js';
import type { P2pNode } from '../../../p2p/index.js';
import type { Chain } from '../../chain/index.js';
import type { Logger } from '../../logger.js';
import type { Mempool } from '../../mempool/index.js';
import type { Miner } from '../../miner/index.js';
import type { SyncStatus } from '../../sync/index.js';

type DomainScores = ReadonlyArray<{
  readonly domain: string;
  readonly correct: number;
  readonly total: number;
}>;

/** The chain's evaluator plus per-domain scores (training's NetworkEvaluator, model type erased). */
export interface RpcEvaluator extends Evaluator<unknown> {
  scoreByDomain(model: unknown, seed: Hash, count: number, levels: readonly number[]): DomainScores;
  /** Per-domain accuracy on held-out data (reports only). */
  heldOut(model: unknown, levels: readonly number[]): DomainScores;
  /** The scoring kernel in use. */
  kernelName(): string;
}

export interface RpcNodeContext {
  readonly params: NetworkParams;
  readonly chain: Chain;
  readonly mempool: Mempool;
  /** A miner bound to the configured address, when mining is on. */
  readonly miner: Miner | null;
  /** The libp2p node, when networking is on. */
  readonly p2p: P2pNode | null;
  /** Mines n blocks to an address right now (generatetoaddress). */
  generate(n: number, address: string, maxTries: number): Promise<string[]>;
  readonly evaluator: RpcEvaluator;
  /** Process start, unix seconds. */
  readonly startedAt: number;
  /** Wall clock, unix seconds. */
  now(): number;
  /** Asks the node to shut down (after the RPC reply is sent). */
  requestStop(): void;
  /** On-disk size of the data directory's chain database, bytes (best effort). */
  sizeOnDisk(): Promise<number>;
  /** Initial block download and verification progress, from the tip and the peers. */
  sync(): SyncStatus;
  /** For what a method reports to the node's log rather than to the caller (verifychain's differences). */
  readonly logger: Logger;
}
