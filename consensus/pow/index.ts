export { bitsToTarget, checkProofOfWork, hashToBigInt, MAX_TARGET, targetToBits } from './compact.js';
export type { RetargetContext, RetargetParams } from './retarget.js';
export { checkBits, isRetargetHeight, nextBits, retargetStartHeight } from './retarget.js';
export type { TimeParams } from './time.js';
export { checkBlockTime, medianTimePast } from './time.js';
export { workFromBits, workFromTarget } from './work.js';
