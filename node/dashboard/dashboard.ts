/**
 * The web dashboard, served on the RPC port under `/dashboard` (an RpcHttpMount): the page and its
 * files, the login exchange (login.ts) and a read-only WebSocket at `/dashboard/ws` that pushes
 * the feed (feed.ts). The WebSocket offers no RPC method: a dashboard session can look and ask the
 * model to write, never spend.
 *
 *   GET    /dashboard/            the page (and /app.js, /style.css, /vendor/uPlot.*)
 *   GET    /dashboard/session     {"authenticated": boolean}
 *   POST   /dashboard/session     {"token": "<login token>"} → 204 + session cookie, or 403
 *   DELETE /dashboard/session     ends the session
 *   GET    /dashboard/ws          WebSocket (session cookie, same Origin)
 *
 * Messages, server to page: {type:'snapshot', tip, status} on connect, {type:'tip', tip} after
 * new tips (at most one per tipThrottleMs), {type:'status', status} every refreshMs (feed.ts has
 * their shapes), {type:'output', id, prompt, generate, predict} answering the page's only request
 * {type:'output', id, prompt}, and {type:'error', message} for anything else it sends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { ModelScores } from '../modelScores.js';
import type { RpcContext, RpcHttpMount, RpcRegistry } from '../rpc/index.js';
import type { Asset } from './assets.js';
import { loadAssets } from './assets.js';
import { DashboardError } from './errors.js';
import { DashboardFeed, outputRequest } from './feed.js';
import { ScoreHistory, type ScoreHistoryDeps } from './history.js';
import {
  checkLoginToken,
  hostAllowed,
  mintLoginToken,
  readCookie,
  SessionStore,
  sameOrigin,
} from './login.js';
import { type DashboardOptions, type ResolvedDashboardOptions, resolveDashboardOptions } from './options.js';

/** Label of the key the login tokens are signed with (RpcServer.deriveKey). */
const LOGIN_KEY_LABEL = 'qenex/dashboard/login/v1';
/** Largest POST /session body and WebSocket message. */
const MAX_BODY_BYTES = 1024;
/** A wrong login token is answered after this long (as RPC damps a wrong password). */
const LOGIN_FAILURE_DELAY_MS = 250;
/** A client whose unsent data passes this is skipped by the periodic pushes until it catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Everything comes from the node itself: no inline script, no other origin.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface DashboardDeps {
  /** The RPC server the dashboard is mounted on: its credentials sign the login links. */
  readonly rpc: {
    readonly isRunning: boolean;
    readonly url: string;
    deriveKey(label: string): Uint8Array;
  };
  /** The node's RPC methods: the page shows what they answer (feed.ts lists the ones it calls). */
  readonly registry: Pick<RpcRegistry, 'call'>;
  readonly chain: ScoreHistoryDeps['chain'] & {
    on(event: 'tip', fn: () => void): unknown;
    off(event: 'tip', fn: () => void): unknown;
  };
  readonly scores: Pick<ModelScores, 'of'>;
  readonly logger: Logger;
  /** Wall clock, ms. */
  readonly clock: { now(): number };
}

export interface LoginLink {
  /** The page's URL with the login token in its fragment. */
  readonly url: string;
  /** Until when the link can be used, ms since the epoch. */
  readonly expiresAt: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function rawReject(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** A server bound to every interface is reached on loopback. */
function browserUrl(rpcUrl: string): string {
  const u = new URL(rpcUrl);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.origin;
}

export class Dashboard implements RpcHttpMount {
  readonly prefix: string;
  private readonly opts: ResolvedDashboardOptions;
  private readonly sessions: SessionStore;
  private readonly feed: DashboardFeed;
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_BODY_BYTES,
    clientTracking: false,
  });
  private readonly clients = new Set<WebSocket>();
  private assets: ReadonlyMap<string, Asset> | null = null;
  private statusTimer: ReturnType<typeof setInterval> | null = null;
  private tipTimer: ReturnType<typeof setTimeout> | null = null;
  private tipPushing = false;
  private tipDirty = false;
  private lastTipPush = 0;
  private readonly onTip = (): void => {
    if (this.clients.size === 0) return;
    this.tipDirty = true;
    this.scheduleTip();
  };

  constructor(
    opts: DashboardOptions,
    private readonly deps: DashboardDeps,
  ) {
    this.opts = resolveDashboardOptions(opts);
    this.prefix = this.opts.prefix;
    this.sessions = new SessionStore(
      { ttlMs: this.opts.sessionTtlMs, maxSessions: this.opts.maxSessions },
      { clock: deps.clock },
    );
    const ctx: RpcContext = {
      transport: 'ws',
      uri: `${this.prefix}/ws`,
      peer: 'dashboard',
      user: 'dashboard',
    };
    this.feed = new DashboardFeed(
      { improvements: this.opts.improvements },
      {
        call: (method, params) => deps.registry.call(method, params, ctx),
        history: new ScoreHistory(
          { maxPoints: this.opts.historyPoints },
          { chain: deps.chain, scores: deps.scores },
        ),
        logger: deps.logger,
      },
    );
  }

  /** Reads the page's files (fails with DASHBOARD_ASSET_MISSING) and follows the chain's tip. */
  async start(): Promise<void> {
    if (this.assets) return;
    this.assets = await loadAssets();
    this.deps.chain.on('tip', this.onTip);
  }

  async stop(): Promise<void> {
    if (!this.assets) return;
    this.assets = null;
    this.deps.chain.off('tip', this.onTip);
    this.closeConnections();
    this.sessions.clear();
  }

  /** A login link valid for `loginTtlMs` (what `qenex dashboard` prints). */
  loginLink(): LoginLink {
    if (!this.assets || !this.deps.rpc.isRunning) throw new DashboardError({ code: 'DASHBOARD_NOT_RUNNING' });
    const expiresAt = this.deps.clock.now() + this.opts.loginTtlMs;
    const token = mintLoginToken(this.deps.rpc.deriveKey(LOGIN_KEY_LABEL), expiresAt);
    return { url: `${browserUrl(this.deps.rpc.url)}${this.prefix}/#token=${token}`, expiresAt };
  }

  closeConnections(): void {
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    this.stopTimers();
  }

  // ---- HTTP ----

  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.slice(this.prefix.length);
    if (!this.assets) {
      this.send(res, 503, 'text/plain; charset=utf-8', 'The dashboard is not running\n');
      return;
    }
    if (!hostAllowed(req)) {
      this.send(res, 403, 'text/plain; charset=utf-8', 'Forbidden\n');
      return;
    }
    if (path === '') {
      // The fragment (the login token) survives the redirect: browsers keep it.
      res.writeHead(308, { ...SECURITY_HEADERS, Location: `${this.prefix}/`, 'Content-Length': 0 }).end();
      return;
    }
    if (path === '/session') {
      await this.session(req, res);
      return;
    }
    const asset = this.assets.get(path);
    if (!asset) {
      this.send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    this.send(res, 200, asset.contentType, req.method === 'HEAD' ? null : asset.body, {
      'Content-Length': String(asset.body.length),
    });
  }

  private async session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cookie = this.cookieName();
    if (req.method === 'GET') {
      const authenticated = this.sessions.valid(readCookie(req, cookie));
      this.send(res, 200, 'application/json', JSON.stringify({ authenticated }));
      return;
    }
    // Changing the session needs a request from the page itself (no cross-site form or script).
    if (!sameOrigin(req)) {
      this.send(res, 403, 'text/plain; charset=utf-8', 'Forbidden\n');
      return;
    }
    if (req.method === 'DELETE') {
      this.sessions.revoke(readCookie(req, cookie));
      res.writeHead(204, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookie}=; ${this.cookieAttributes()}; Max-Age=0`,
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      this.send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', {
        Allow: 'GET, POST, DELETE',
      });
      return;
    }
    const token = parseToken(await readBody(req));
    const key = this.deps.rpc.isRunning ? this.deps.rpc.deriveKey(LOGIN_KEY_LABEL) : null;
    if (
      token === null ||
      key === null ||
      !checkLoginToken(key, token, this.deps.clock.now(), this.opts.loginTtlMs)
    ) {
      this.deps.logger.warn({ peer: req.socket.remoteAddress }, 'dashboard login refused');
      await sleep(LOGIN_FAILURE_DELAY_MS);
      this.send(
        res,
        403,
        'text/plain; charset=utf-8',
        'Login link invalid or expired: run `qenex dashboard`\n',
      );
      return;
    }
    const id = this.sessions.create();
    const maxAge = Math.floor(this.opts.sessionTtlMs / 1000);
    res.writeHead(204, {
      ...SECURITY_HEADERS,
      'Set-Cookie': `${cookie}=${id}; ${this.cookieAttributes()}; Max-Age=${maxAge}`,
    });
    res.end();
  }

  /**
   * One cookie name per port: cookies are shared by every port of a host, and two nodes on one
   * machine must not overwrite each other's session.
   */
  private cookieName(): string {
    return `qenex_dashboard_${new URL(this.deps.rpc.url).port}`;
  }

  /** No `Secure`: the RPC port speaks plain HTTP (on loopback by default). */
  private cookieAttributes(): string {
    return `Path=${this.prefix}; HttpOnly; SameSite=Strict`;
  }

  private send(
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string | Uint8Array | null,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, ...headers });
    res.end(body ?? undefined);
  }

  // ---- WebSocket ----

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (!this.assets || path !== `${this.prefix}/ws`) {
      rawReject(socket, 404, 'Not Found');
      return;
    }
    if (!hostAllowed(req) || !sameOrigin(req)) {
      rawReject(socket, 403, 'Forbidden');
      return;
    }
    if (!this.sessions.valid(readCookie(req, this.cookieName()))) {
      rawReject(socket, 401, 'Unauthorized');
      return;
    }
    if (this.clients.size >= this.opts.maxClients) {
      rawReject(socket, 503, 'Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.clients.add(ws);
    let queue = Promise.resolve();
    ws.on('message', (data: RawData) => {
      queue = queue.then(() => this.onMessage(ws, data));
    });
    ws.on('error', (err) => this.deps.logger.debug({ err }, 'dashboard websocket error'));
    ws.on('close', () => {
      this.clients.delete(ws);
      if (this.clients.size === 0) this.stopTimers();
    });
    this.statusTimer ??= setInterval(() => void this.pushStatus(), this.opts.refreshMs);
    void this.sendSnapshot(ws);
  }

  private async sendSnapshot(ws: WebSocket): Promise<void> {
    try {
      const [tip, status] = await Promise.all([this.feed.tip(), this.feed.status()]);
      this.sendTo(ws, { type: 'snapshot', tip, status });
    } catch (err) {
      this.deps.logger.warn({ err }, 'dashboard snapshot failed');
    }
  }

  private async onMessage(ws: WebSocket, data: RawData): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      parsed = undefined;
    }
    const req = outputRequest.safeParse(parsed);
    if (!req.success) {
      this.sendTo(ws, { type: 'error', message: 'unknown request' });
      return;
    }
    const output = await this.feed.output(req.data);
    this.sendTo(ws, { type: 'output', id: req.data.id, prompt: req.data.prompt, ...output });
  }

  private async pushStatus(): Promise<void> {
    if (this.clients.size === 0) return;
    try {
      this.broadcast({ type: 'status', status: await this.feed.status() });
    } catch (err) {
      this.deps.logger.warn({ err }, 'dashboard status push failed');
    }
  }

  /** At most one tip push per `tipThrottleMs`, and always one after the last tip. */
  private scheduleTip(): void {
    if (this.tipTimer || this.tipPushing) return;
    const wait = Math.max(0, this.lastTipPush + this.opts.tipThrottleMs - this.deps.clock.now());
    this.tipTimer = setTimeout(() => {
      this.tipTimer = null;
      void this.pushTip();
    }, wait);
  }

  private async pushTip(): Promise<void> {
    this.tipPushing = true;
    this.tipDirty = false;
    this.lastTipPush = this.deps.clock.now();
    try {
      this.broadcast({ type: 'tip', tip: await this.feed.tip() });
    } catch (err) {
      this.deps.logger.warn({ err }, 'dashboard tip push failed');
    } finally {
      this.tipPushing = false;
      if (this.tipDirty && this.clients.size > 0) this.scheduleTip();
    }
  }

  private stopTimers(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.tipTimer) clearTimeout(this.tipTimer);
    this.statusTimer = null;
    this.tipTimer = null;
  }

  private broadcast(msg: object): void {
    const text = JSON.stringify(msg);
    for (const ws of this.clients) if (ws.bufferedAmount <= MAX_BUFFERED_BYTES) this.sendText(ws, text);
  }

  private sendTo(ws: WebSocket, msg: object): void {
    this.sendText(ws, JSON.stringify(msg));
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }
}

function parseToken(body: string | null): string | null {
  if (body === null) return null;
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && typeof (v as { token?: unknown }).token === 'string'
      ? (v as { token: string }).token
      : null;
  } catch {
    return null;
  }
}
