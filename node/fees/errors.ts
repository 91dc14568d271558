import { QenexError } from '../../consensus/index.js';

export type FeeEstimatorErrorType =
  /** Blocks kept leaving the best chain while their fees were read (reorganizations). */
  { code: 'FEE_CHAIN_CHANGING'; attempts: number };

export class FeeEstimatorError extends QenexError<FeeEstimatorErrorType> {
  constructor(type: FeeEstimatorErrorType) {
    super(type, `the best chain changed during ${type.attempts} attempts to read recent fees`);
    this.name = 'FeeEstimatorError';
  }
}
