/**
 * The node's scoring: the network model's evaluator (WASM kernel when built, plain TS otherwise:
 * the same scores) and the threads that score for it.
 *  - A scoring helper: on a multi-core machine, a second thread for the evaluator's independent
 *    scorings (a block's parent and child, the leave-one-out models), spawned at the first job.
 *  - An improvement worker: the chain verifies each block's model update on it (with a scoring
 *    helper of its own), so that the node's own thread keeps relaying blocks, answering pings and
 *    serving RPC while an update block is scored; started 5 s after the node, in the background (an
 *    update that comes before it is ready is verified on the node's thread); the miner's proposals
 *    are scored there too. Its threads run at a lower priority than the node's (SCORING_NICE nice
 *    levels, priority.ts). Either falls back to the node's thread if it fails.
 */
import { availableParallelism } from 'node:os';
import { type NetworkParams, toHex } from '../../consensus/index.js';
import {
  createNetworkEvaluator,
  ImprovementWorker,
  type NetworkEvaluator,
  SCORING_NICE,
  ScoreHelper,
} from '../../training/index.js';
import type { Logger } from '../logger.js';

/** Delay from the node's start to the improvement worker's (start()). */
const START_DELAY_MS = 5_000;

export interface NodeScoringDeps {
  readonly params: NetworkParams;
  readonly logger: Logger;
}

export class NodeScoring {
  readonly evaluator: NetworkEvaluator;
  readonly improvement: ImprovementWorker;
  private readonly helper: ScoreHelper | null;
  private startTimer: NodeJS.Timeout | undefined;

  constructor(deps: NodeScoringDeps) {
    const multiCore = availableParallelism() > 1;
    this.helper = multiCore
      ? new ScoreHelper({
          lazy: true,
          onRetire: (reason) =>
            deps.logger.warn({ reason }, 'scoring helper thread retired: scoring on one thread'),
        })
      : null;
    this.evaluator = createNetworkEvaluator(this.helper ? { helper: this.helper } : {});
    this.improvement = new ImprovementWorker(
      {
        params: deps.params,
        lazy: true,
        helper: multiCore,
        // below the node's thread, which relays blocks and answers peers meanwhile
        nice: SCORING_NICE,
        onRetire: (reason) =>
          deps.logger.warn(
            { reason },
            "improvement worker retired: model updates verified on the node's thread",
          ),
        // one line per update block (info) or proposal (debug: a miner rebuilds one whenever its
        // pool changes): where its time went on a busy machine (the worker's own CPU time and
        // run-queue wait; its helper thread's are not counted)
        onJob: (j) => {
          const fields = {
            hash: toHex(j.hash),
            totalMs: Math.round(j.totalMs),
            wallMs: Math.round(j.wallMs),
            cpuMs: j.cpuMs === null ? null : Math.round(j.cpuMs),
            waitMs: j.waitMs === null ? null : Math.round(j.waitMs),
            ...(j.verdict ? { verdict: true } : {}),
          };
          if (j.kind === 'verify') deps.logger.info(fields, 'model update scored');
          else deps.logger.debug(fields, 'proposal scored');
        },
      },
      { evaluator: this.evaluator },
    );
  }

  /**
   * Starts the improvement worker (and its scoring helper, both with their evaluation data
   * loaded: about 2 s of CPU) in the background, 5 s after the node, so that it is ready before
   * the node verifies its first model update. Left to that first update, the start of
   * every node's threads fell on the same moment: in a 32-node netsim on 2 cores the first two
   * update blocks then took 28–40 s to connect everywhere. A failure is logged (onRetire) and the
   * node verifies on its own thread.
   */
  start(): void {
    // a few seconds after the node's own start, which it would only slow (tests start many
    // short-lived nodes that never see an update)
    this.startTimer ??= setTimeout(() => {
      this.improvement.start().catch(() => {});
    }, START_DELAY_MS).unref();
  }

  /** Stops the threads (after the chain: a verification in flight finishes on this thread). */
  async close(): Promise<void> {
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
    await this.improvement.close();
    await this.helper?.close();
  }
}
