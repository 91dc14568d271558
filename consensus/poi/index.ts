export type { Evaluator } from './evaluator.js';
export * from './improvement.js';
