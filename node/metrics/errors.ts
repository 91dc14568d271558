import { QenexError } from '../../consensus/index.js';

export type MetricsErrorType =
  | { code: 'METRICS_LISTEN'; host: string; port: number; cause: string }
  | { code: 'METRICS_NOT_RUNNING' };

export class MetricsError extends QenexError<MetricsErrorType> {
  constructor(type: MetricsErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'MetricsError';
  }
}

function describe(t: MetricsErrorType): string {
  switch (t.code) {
    case 'METRICS_LISTEN':
      return `metrics server cannot listen on ${t.host}:${t.port}: ${t.cause}`;
    case 'METRICS_NOT_RUNNING':
      return 'metrics server is not running';
  }
}
