export * from './credit.js';
export type { Combination, Comparison, Evaluator } from './evaluator.js';
export * from './growth.js';
export * from './improvement.js';
export * from './levels.js';
