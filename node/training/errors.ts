/**
 * Typed errors of the node's training service (its key file and payout address). A refused
 * delta is training/federation's FederationError.
 */
import { QenexError } from '../../consensus/index.js';

export type NodeTrainingErrorType =
  | { code: 'TRAINING_KEY_INVALID'; path: string; reason: string }
  | { code: 'TRAINING_BAD_PAYOUT'; address: string; reason: string };

export class NodeTrainingError extends QenexError<NodeTrainingErrorType> {
  constructor(type: NodeTrainingErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'NodeTrainingError';
  }
}

function describe(t: NodeTrainingErrorType): string {
  switch (t.code) {
    case 'TRAINING_KEY_INVALID':
      return `training key file ${t.path} is invalid: ${t.reason}`;
    case 'TRAINING_BAD_PAYOUT':
      return `invalid training payout address ${t.address}: ${t.reason}`;
  }
}
