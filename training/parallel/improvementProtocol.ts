/** Messages between ImprovementWorker (main thread) and its worker (improvementMain.ts). */
import type {
  ImprovementJob as ConsensusImprovementJob,
  ImprovementResult,
  NetworkParams,
  VerdictLevel,
  VerdictReason,
} from '../../consensus/index.js';
import type { ProposalInput, ProposalOutcome } from '../federation/buildProposal.js';
import type { NetworkModel } from '../model.js';
import type { JobTiming } from './threadTime.js';

/** A job for the network model (consensus ImprovementJob). */
export type ImprovementJob = ConsensusImprovementJob<NetworkModel>;

export type ToImprovementWorker =
  | {
      readonly type: 'init';
      readonly params: NetworkParams;
      readonly kernel: 'js' | 'wasm' | 'default';
      /** Give the worker a scoring helper of its own (a second thread, as the main thread has). */
      readonly helper: boolean;
      /** Nice levels the worker (and its helper) lower their threads' priority by (priority.ts). */
      readonly nice: number;
    }
  | { readonly type: 'verify'; readonly id: number; readonly job: ImprovementJob }
  /** A miner's proposal to score (federation buildProposal). */
  | { readonly type: 'propose'; readonly id: number; readonly input: ProposalInput<NetworkModel> }
  | { readonly type: 'stop' };

export type FromImprovementWorker =
  /** `nice`, `helperNice`: the worker's and its helper's thread nice values (null: none here, or no helper). */
  | {
      readonly type: 'ready';
      readonly kernel: 'js' | 'wasm';
      readonly nice: number | null;
      readonly helperNice: number | null;
    }
  | { readonly type: 'failed'; readonly message: string }
  /** `timing`: the job's times on the worker's thread (its helper's are not counted). */
  | {
      readonly type: 'result';
      readonly id: number;
      readonly result: ImprovementResult<NetworkModel>;
      readonly timing: JobTiming;
    }
  | {
      readonly type: 'proposal';
      readonly id: number;
      readonly outcome: ProposalOutcome;
      readonly timing: JobTiming;
    }
  /** The job's verdict: verifyImprovement threw a VerdictError (the block is bad, not the worker). */
  | {
      readonly type: 'verdict';
      readonly id: number;
      readonly reason: VerdictReason;
      readonly level: VerdictLevel;
      readonly detail: string | undefined;
      readonly timing: JobTiming;
    }
  /** Anything else the job threw: the caller verifies it itself. */
  | { readonly type: 'error'; readonly id: number; readonly message: string };
