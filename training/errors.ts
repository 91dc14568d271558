/** Typed errors of the training layer (design.md convention 5). */
import { QenexError } from '../consensus/index.js';

export type TrainingErrorType =
  | { code: 'TRAINING_DATASET_UNAVAILABLE'; dataset: string; reason: string }
  | { code: 'TRAINING_DATASET_MISMATCH'; dataset: string; expected: string; actual: string }
  | { code: 'TRAINING_BAD_DELTA'; reason: string }
  | { code: 'TRAINING_DELTA_OVERSIZE'; size: number; max: number }
  | { code: 'TRAINING_BAD_OPTIONS'; reason: string }
  | { code: 'TRAINING_BAD_INPUT'; reason: string }
  | { code: 'TRAINING_NO_DELTAS' }
  | { code: 'TRAINING_WORKER_FAILED'; reason: string }
  | { code: 'TRAINING_NOT_RUNNING' };

export type TrainingErrorCode = TrainingErrorType['code'];

export class TrainingError extends QenexError<TrainingErrorType> {
  constructor(type: TrainingErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'TrainingError';
  }
}

function describe(t: TrainingErrorType): string {
  switch (t.code) {
    case 'TRAINING_DATASET_UNAVAILABLE':
      return `dataset ${t.dataset} unavailable: ${t.reason}`;
    case 'TRAINING_DATASET_MISMATCH':
      return `dataset ${t.dataset} differs from the pinned one (expected ${t.expected}, got ${t.actual})`;
    case 'TRAINING_BAD_DELTA':
      return `malformed model delta: ${t.reason}`;
    case 'TRAINING_DELTA_OVERSIZE':
      return `delta too large: ${t.size} > ${t.max} bytes`;
    case 'TRAINING_BAD_INPUT':
      return `bad model input: ${t.reason}`;
    case 'TRAINING_BAD_OPTIONS':
      return `bad training options: ${t.reason}`;
    case 'TRAINING_NO_DELTAS':
      return 'no deltas to aggregate';
    case 'TRAINING_WORKER_FAILED':
      return `training worker failed: ${t.reason}`;
    case 'TRAINING_NOT_RUNNING':
      return 'trainer is not running';
  }
}
