export * from './block.js';
export * from './encoding.js';
export * from './hash.js';
export * from './header.js';
export * from './merkle.js';
export * from './modelUpdate.js';
export * from './sighash.js';
export * from './tx.js';
