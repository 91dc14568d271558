import { QenexError } from '../../consensus/index.js';

export type MinerErrorType =
  | { code: 'MINER_BAD_OPTIONS'; option: string; detail: string }
  | { code: 'MINER_BAD_ADDRESS'; address: string; detail: string }
  | { code: 'MINER_WORKER_FAILED'; reason: string }
  | { code: 'MINER_BAD_TEMPLATE'; detail: string }
  /** A mined block did not become the best block (`status` is the chain's answer). */
  | { code: 'MINER_BLOCK_REJECTED'; hash: string; status: string }
  /**
   * generate: the block for `height` lost the race for the tip `attempts` times in a row (the last
   * one `hash`); `mined` lists the blocks mined before (hex hashes).
   */
  | { code: 'MINER_TIP_RACE'; hash: string; height: number; attempts: number; mined: readonly string[] };

export class MinerError extends QenexError<MinerErrorType> {
  constructor(type: MinerErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'MinerError';
  }
}

function describe(t: MinerErrorType): string {
  switch (t.code) {
    case 'MINER_BAD_OPTIONS':
      return `invalid miner option ${t.option}: ${t.detail}`;
    case 'MINER_BAD_ADDRESS':
      return `invalid mining address ${t.address}: ${t.detail}`;
    case 'MINER_BAD_TEMPLATE':
      return `cannot build the block template: ${t.detail}`;
    case 'MINER_WORKER_FAILED':
      return `proof-of-work worker failed: ${t.reason}`;
    case 'MINER_BLOCK_REJECTED':
      return `mined block ${t.hash} was not accepted as the tip: ${t.status}`;
    case 'MINER_TIP_RACE':
      return (
        `the block at height ${t.height} lost the race for the tip to other blocks ${t.attempts} times ` +
        `in a row (the last: ${t.hash}); ${t.mined.length} block(s) mined before`
      );
  }
}
