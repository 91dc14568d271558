export {
  BNB_MAX_INPUTS,
  type BnbRequest,
  type BnbResult,
  branchAndBound,
  costOfChangeScaled,
} from './bnb.js';
export { type LargestFirstRequest, largestFirst, settle } from './largestFirst.js';
export { DEFAULT_BNB_TRIES, selectCoins } from './select.js';
export { feeFor, INPUT_SIZE, OUTPUT_SIZE, txSizeFor } from './size.js';
export type {
  SelectableCoin,
  SelectionAlgorithm,
  SelectionRequest,
  SelectionResult,
  SelectionStrategy,
} from './types.js';
