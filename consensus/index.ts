/** Public API of the consensus core. Other folders import consensus only through this file. */
export * from './coinView.js';
export * from './crypto/index.js';
export * from './errors.js';
export * from './forkChoice.js';
export * from './money.js';
export * from './params/index.js';
export * from './poi/index.js';
export * from './pow/index.js';
export * from './primitives/index.js';
export * from './validation/index.js';
