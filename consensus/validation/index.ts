export * from './block.js';
export * from './connect.js';
export * from './tx.js';
