export * from './genesis.js';
export * from './networks.js';
export type * from './types.js';
