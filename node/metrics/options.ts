/** Options of the Prometheus endpoint (node/config's `metrics` section maps onto these). */
export interface MetricsServerOptions {
  /** Bind address. Default 127.0.0.1: the endpoint has no authentication (see server.ts). */
  readonly host?: string;
  /** TCP port; 0 picks a free one (read `server.port` after start). */
  readonly port: number;
}

export const METRICS_DEFAULTS = { host: '127.0.0.1', path: '/metrics' } as const;

/**
 * Upper bounds of the block timing histograms, seconds: a plain block connects in milliseconds, one
 * with a model update spends seconds re-scoring the model and every contribution.
 */
export const BLOCK_SECONDS_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
