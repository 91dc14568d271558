/**
 * The Prometheus endpoint: `GET /metrics` on a listener of its own, opt-in (`--metrics`).
 *
 * It has no authentication, as the metrics endpoints of other node software (Lodestar, geth):
 * the page holds no secret and changes nothing, and Prometheus could not follow the RPC cookie,
 * which is new at every start (giving it the RPC password instead would hand the wallet to
 * whoever reads the Prometheus configuration). It binds to 127.0.0.1 by default, like RPC;
 * binding it elsewhere shows the node's state to whoever reaches the port (a warning is logged).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { MetricsError } from './errors.js';
import type { NodeMetrics } from './nodeMetrics.js';
import { METRICS_DEFAULTS, type MetricsServerOptions } from './options.js';

export interface MetricsServerDeps {
  readonly metrics: Pick<NodeMetrics, 'text' | 'contentType'>;
  readonly logger: Logger;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export class MetricsServer {
  readonly host: string;
  private readonly opts: MetricsServerOptions;
  private http: Server | null = null;
  private boundPort: number | null = null;

  constructor(
    opts: MetricsServerOptions,
    private readonly deps: MetricsServerDeps,
  ) {
    this.opts = opts;
    this.host = opts.host ?? METRICS_DEFAULTS.host;
  }

  get port(): number {
    if (this.boundPort === null) throw new MetricsError({ code: 'METRICS_NOT_RUNNING' });
    return this.boundPort;
  }

  /** `http://host:port/metrics` of the running server. */
  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.port}${METRICS_DEFAULTS.path}`;
  }

  async start(): Promise<void> {
    if (this.http) return;
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    const { host } = this;
    const { port } = this.opts;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new MetricsError({ code: 'METRICS_LISTEN', host, port, cause: err.message }));
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.deps.logger.error({ err }, 'metrics server error'));
        resolve();
      });
    });
    this.http = server;
    this.boundPort = (server.address() as AddressInfo).port;
    if (!isLoopback(host))
      this.deps.logger.warn({ host }, 'metrics endpoint bound beyond loopback: it has no authentication');
    this.deps.logger.info({ url: this.url }, 'metrics endpoint listening');
  }

  async stop(): Promise<void> {
    const server = this.http;
    if (!server) return;
    this.http = null;
    this.boundPort = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== METRICS_DEFAULTS.path) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed\n');
      return;
    }
    this.deps.metrics.text().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': this.deps.metrics.contentType,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        this.deps.logger.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Metrics collection failed\n');
      },
    );
  }
}
