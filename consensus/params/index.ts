export * from './genesis.js';
export * from './networks.js';
export * from './ports.js';
export type * from './types.js';
