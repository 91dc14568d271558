/** Prometheus metrics of a node: one registry per node (nodeMetrics.ts) and its HTTP endpoint (server.ts). */
export { MetricsError, type MetricsErrorType } from './errors.js';
export { NodeMetrics } from './nodeMetrics.js';
export type { MetricsServerOptions } from './options.js';
export { MetricsServer, type MetricsServerDeps } from './server.js';
export type { MetricsSources } from './types.js';
