/**
 * Typed errors of the node's training service and delta pool. `level` and `reason` follow the
 * p2p DeltaSink contract: 'context' (e.g. a delta against a model that is no longer the tip's,
 * honest lag) is ignored without punishment, 'invalid' punishes the sender.
 */
import { QenexError } from '../../consensus/index.js';

export type DeltaRejectLevel = 'context' | 'invalid';

export type NodeTrainingErrorType =
  | { code: 'DELTA_REJECTED'; reason: string; level: DeltaRejectLevel }
  | { code: 'TRAINING_KEY_INVALID'; path: string; reason: string }
  | { code: 'TRAINING_BAD_PAYOUT'; address: string; reason: string };

export class NodeTrainingError extends QenexError<NodeTrainingErrorType> {
  constructor(type: NodeTrainingErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'NodeTrainingError';
  }

  get level(): DeltaRejectLevel | undefined {
    return this.type.code === 'DELTA_REJECTED' ? this.type.level : undefined;
  }

  get reason(): string | undefined {
    return this.type.code === 'DELTA_REJECTED' ? this.type.reason : undefined;
  }
}

function describe(t: NodeTrainingErrorType): string {
  switch (t.code) {
    case 'DELTA_REJECTED':
      return `delta rejected (${t.level}): ${t.reason}`;
    case 'TRAINING_KEY_INVALID':
      return `training key file ${t.path} is invalid: ${t.reason}`;
    case 'TRAINING_BAD_PAYOUT':
      return `invalid training payout address ${t.address}: ${t.reason}`;
  }
}
