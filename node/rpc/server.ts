/**
 * The node's JSON-RPC server, modelled on Bitcoin Core's HTTP RPC (httpserver.cpp, httprpc.cpp):
 * POST JSON-RPC to `/` (or `/wallet/<name>`, passed to handlers as `ctx.uri`), HTTP Basic auth
 * with a cookie file or fixed credentials, and a WebSocket endpoint on the same port (ws.ts).
 * `mount()` adds an HTTP application under a path prefix that does its own authentication (the
 * dashboard, node/dashboard/).
 *
 *   const registry = new RpcRegistry();
 *   registry.register('blockchain', chainMethods);
 *   const server = new RpcServer({ port: 0, datadir }, { registry, logger });
 *   server.registerTopic('blocks');
 *   await server.start();           // writes <datadir>/.cookie
 *   server.publish('blocks', { hash, height });
 *   await server.stop();            // closes every socket, deletes the cookie
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  BasicAuthenticator,
  type Credentials,
  generateCookie,
  removeCookieFile,
  WWW_AUTHENTICATE,
  writeCookieFile,
} from './auth.js';
import { RpcServerError } from './errors.js';
import { type DispatchReply, JsonRpcDispatcher, parseErrorReply } from './jsonrpc.js';
import { type ResolvedRpcServerOptions, type RpcServerOptions, resolveRpcServerOptions } from './options.js';
import type { RpcRegistry } from './registry.js';
import type { RpcContext, RpcHttpMount, RpcLogger } from './types.js';
import { RpcWebSocketHub } from './ws.js';

export interface RpcServerDeps {
  /** The method table; the server answers exactly the methods registered here (plus WS subscribe). */
  registry: RpcRegistry;
  logger: RpcLogger;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const EMPTY_BODY: Uint8Array = new Uint8Array(0);
const SLASH = 0x2f;

/**
 * Read the whole body and pass it to `done`: the bytes, 'too-large' as soon as they pass `limit`
 * bytes (the rest is not read), or the stream's error. `done` is called once.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (body: Uint8Array | 'too-large' | Error) => void,
): void {
  let first: Buffer | null = null;
  let chunks: Buffer[] | null = null;
  let size = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      finished = true;
      req.pause();
      done('too-large');
      return;
    }
    if (first === null) first = chunk;
    else {
      chunks ??= [first];
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    // One chunk (the usual small request) is used as it is, not copied.
    done(chunks !== null ? Buffer.concat(chunks, size) : (first ?? EMPTY_BODY));
  });
  req.on('error', (err) => {
    if (finished) return;
    finished = true;
    done(err);
  });
}

/** The body as text, or undefined when it is not valid UTF-8. */
function decodeBody(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The request path: the URL without its query. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function peerOf(req: IncomingMessage): string {
  return `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** 401 with the Basic challenge; the connection is closed. */
function unauthorized(res: ServerResponse): void {
  res.writeHead(401, { 'WWW-Authenticate': WWW_AUTHENTICATE, 'Content-Length': 0, Connection: 'close' });
  res.end();
}

/** Writes a JSON-RPC reply (an empty 204/… when it has no body). */
function sendReply(res: ServerResponse, reply: DispatchReply): void {
  if (reply.body === null) {
    res.writeHead(reply.status, { 'Content-Length': 0 });
    res.end();
    return;
  }
  // end() with the whole body before any header is sent: node:http writes Content-Length itself.
  res.statusCode = reply.status;
  res.setHeader('Content-Type', 'application/json');
  res.end(`${reply.body}\n`);
}

function rawReject(socket: Duplex, status: number, reason: string, extra = ''): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class RpcServer {
  readonly registry: RpcRegistry;
  private readonly opts: ResolvedRpcServerOptions;
  private readonly logger: RpcLogger;
  private readonly dispatcher: JsonRpcDispatcher;
  private readonly hub: RpcWebSocketHub;
  private http: Server | null = null;
  private authenticator: BasicAuthenticator | null = null;
  private state: State = 'idle';
  private boundPort: number | null = null;
  private starting: Promise<void> | null = null;
  /** Upgrade sockets held during authentication (not yet owned by the hub or the HTTP server). */
  private readonly pendingUpgrades = new Set<Duplex>();
  private readonly mounts: RpcHttpMount[] = [];

  constructor(opts: RpcServerOptions, deps: RpcServerDeps) {
    this.opts = resolveRpcServerOptions(opts);
    this.registry = deps.registry;
    this.logger = deps.logger;
    this.dispatcher = new JsonRpcDispatcher(deps.registry, deps.logger);
    this.hub = new RpcWebSocketHub(
      {
        path: this.opts.wsPath,
        maxPayloadBytes: this.opts.wsMaxPayloadBytes,
        maxBufferedBytes: this.opts.wsMaxBufferedBytes,
      },
      { dispatcher: this.dispatcher, logger: deps.logger },
    );
  }

  /** The bound TCP port (the real one when started with port 0). Throws before `start()`. */
  get port(): number {
    if (this.boundPort === null) throw new RpcServerError({ code: 'RPC_SERVER_STATE', state: this.state });
    return this.boundPort;
  }

  get host(): string {
    return this.opts.host;
  }

  /** `http://host:port/` of the running server. */
  get url(): string {
    const h = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `http://${h}:${this.port}/`;
  }

  /** The cookie file path when cookie auth is used, else undefined. */
  get cookieFile(): string | undefined {
    return this.opts.auth.kind === 'cookie' ? this.opts.auth.cookieFile : undefined;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * Serve an HTTP application under `mount.prefix` (it authenticates its own requests). Throws
   * RPC_SERVER_CONFIG when the prefix is taken or not a plain path ('/x', no trailing slash).
   */
  mount(mount: RpcHttpMount): void {
    const p = mount.prefix;
    const clash = this.mounts.some((m) => m.prefix === p) || p === this.opts.wsPath || p === '/wallet';
    if (!/^\/[a-z0-9_-]+$/.test(p) || clash) {
      throw new RpcServerError({ code: 'RPC_SERVER_CONFIG', reason: `mount prefix ${JSON.stringify(p)}` });
    }
    this.mounts.push(mount);
  }

  /**
   * A key derived from the live RPC credentials for `label` (HMAC, see BasicAuthenticator): it
   * changes whenever the credentials do (a new cookie at every start). Throws when not running.
   */
  deriveKey(label: string): Uint8Array {
    if (!this.authenticator || this.state !== 'running')
      throw new RpcServerError({ code: 'RPC_SERVER_STATE', state: this.state });
    return this.authenticator.deriveKey(label);
  }

  /** Declare a subscription topic ('blocks', 'transactions', …). Allowed before or after start. */
  registerTopic(topic: string): void {
    this.hub.registerTopic(topic);
  }

  topics(): string[] {
    return this.hub.topics();
  }

  /**
   * Notify WebSocket subscribers of `topic`. `data` must be JSON-serialisable. Returns the number
   * of sockets it was sent to (0 when stopped). Unregistered topic → RpcServerError.
   */
  publish(topic: string, data: unknown): number {
    return this.hub.publish(topic, data);
  }

  /**
   * Warmup (Bitcoin Core's RPC_IN_WARMUP): while a status string is set, every method not declared
   * `allowInWarmup` fails with code -28 and that message. `null` ends warmup.
   */
  setWarmup(status: string | null): void {
    this.dispatcher.setWarmup(status);
  }

  /**
   * Process one JSON-RPC body in-process, as if POSTed to `/` (for tests and an in-process CLI).
   */
  dispatch(body: string, ctx: Partial<RpcContext> = {}): Promise<DispatchReply> {
    return this.dispatcher.dispatch(body, {
      transport: 'http',
      uri: '/',
      peer: 'local',
      user: 'local',
      ...ctx,
    });
  }

  /** Write the cookie (cookie auth) and listen. Throws RpcServerError (LISTEN, COOKIE, STATE). */
  start(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'stopped') {
      return Promise.reject(new RpcServerError({ code: 'RPC_SERVER_STATE', state: this.state }));
    }
    this.state = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      let creds: Credentials;
      if (this.opts.auth.kind === 'cookie') {
        creds = generateCookie();
        await writeCookieFile(this.opts.auth.cookieFile, creds);
      } else {
        creds = { user: this.opts.auth.user, password: this.opts.auth.password };
      }
      this.authenticator = new BasicAuthenticator(creds);
      await this.listen();
      this.state = 'running';
      this.logger.info({ url: this.url, auth: this.opts.auth.kind }, 'RPC server listening');
    } catch (e) {
      if (this.opts.auth.kind === 'cookie')
        await removeCookieFile(this.opts.auth.cookieFile).catch(() => undefined);
      this.http = null;
      this.authenticator = null;
      this.state = 'stopped';
      throw e;
    }
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => this.onRequest(req, res));
    server.requestTimeout = this.opts.requestTimeoutMs;
    server.headersTimeout = Math.min(60_000, this.opts.requestTimeoutMs);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    server.on('clientError', (_err, socket) => socket.destroy());
    this.http = server;
    const { host, port } = this.opts;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        reject(new RpcServerError({ code: 'RPC_SERVER_LISTEN', host, port, cause: err.message }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.error({ err }, 'RPC server error'));
        this.boundPort = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Close the listener and every connection (HTTP keep-alive and WebSocket), delete the cookie. */
  async stop(): Promise<void> {
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    if (this.state !== 'running') return;
    this.state = 'stopping';
    const server = this.http;
    this.hub.close();
    for (const m of this.mounts) m.closeConnections();
    for (const s of this.pendingUpgrades) s.destroy();
    this.pendingUpgrades.clear();
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    this.http = null;
    this.authenticator = null;
    this.boundPort = null;
    this.state = 'stopped';
    if (this.opts.auth.kind === 'cookie') await removeCookieFile(this.opts.auth.cookieFile);
    this.logger.info({}, 'RPC server stopped');
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.handle(req, res);
    } catch (err) {
      this.failed(err, req, res);
    }
  }

  /** A request whose handling threw: logged, answered 500 (or its socket dropped). */
  private failed(err: unknown, req: IncomingMessage, res: ServerResponse): void {
    this.logger.error({ err, peer: peerOf(req) }, 'RPC request failed');
    if (!res.headersSent) plain(res, 500, 'Internal server error', { Connection: 'close' });
    else res.destroy();
  }

  /** The request's Authorization header when there is one to check; undefined → plain 401. */
  private credentialsOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    return header && this.authenticator ? header : undefined;
  }

  /**
   * Authenticated user for the request, or undefined. The check is synchronous (constant-time,
   * auth.ts); only a wrong password waits, in `damp`.
   */
  private userOf(req: IncomingMessage): string | undefined {
    const header = this.credentialsOf(req);
    return header === undefined ? undefined : this.authenticator!.check(header);
  }

  /** After a wrong password: log it and wait before answering (deters brute-forcing). */
  private damp(req: IncomingMessage): Promise<void> {
    this.logger.warn({ peer: peerOf(req) }, 'RPC incorrect password attempt');
    // Bitcoin Core sleeps 250 ms too.
    return sleep(this.opts.authFailureDelayMs);
  }

  /** Authenticated user for the request, after damping a wrong password; undefined → send 401. */
  private async authenticate(req: IncomingMessage): Promise<string | undefined> {
    const user = this.userOf(req);
    if (user === undefined && this.credentialsOf(req) !== undefined) await this.damp(req);
    return user;
  }

  /**
   * Routes and answers one request. Everything up to the reply runs in the request's own events
   * (no promise in the way unless a handler returns one): the body's listeners are attached at
   * once, and a synchronous method is answered in the body's 'end' event.
   */
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    const mount = this.mountOf(path);
    if (mount) {
      mount.handleRequest(req, res).catch((err: unknown) => this.failed(err, req, res));
      return;
    }
    if (path !== '/' && !path.startsWith('/wallet/')) {
      plain(res, 404, 'Not found');
      return;
    }
    if (req.method !== 'POST') {
      plain(res, 405, 'JSONRPC server handles only POST requests', { Allow: 'POST' });
      return;
    }
    const user = this.userOf(req);
    if (user === undefined) {
      if (this.credentialsOf(req) === undefined) unauthorized(res);
      else
        this.damp(req)
          .then(() => unauthorized(res))
          .catch((err: unknown) => this.failed(err, req, res));
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.opts.maxBodyBytes) {
      plain(res, 413, 'Request body too large', { Connection: 'close' });
      return;
    }
    readBody(req, this.opts.maxBodyBytes, (bytes) => {
      // In the body's events: whatever throws here is this request's failure, not the process's.
      try {
        if (bytes instanceof Error) this.failed(bytes, req, res);
        else if (bytes === 'too-large') plain(res, 413, 'Request body too large', { Connection: 'close' });
        else this.answer(req, res, path, user, bytes);
      } catch (err) {
        this.failed(err, req, res);
      }
    });
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    user: string,
    bytes: Uint8Array,
  ): void {
    const text = decodeBody(bytes);
    const reply =
      text === undefined
        ? parseErrorReply()
        : this.dispatcher.dispatchNow(text, { transport: 'http', uri: path, peer: peerOf(req), user });
    if (reply instanceof Promise) {
      reply.then((r) => sendReply(res, r)).catch((err: unknown) => this.failed(err, req, res));
    } else sendReply(res, reply);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = pathOf(req);
    const mount = this.state === 'running' ? this.mountOf(path) : undefined;
    if (mount) {
      mount.handleUpgrade(req, socket, head);
      return;
    }
    if (!this.opts.wsEnabled || path !== this.opts.wsPath || this.state !== 'running') {
      rawReject(socket, 404, 'Not Found');
      return;
    }
    this.pendingUpgrades.add(socket);
    socket.once('close', () => this.pendingUpgrades.delete(socket));
    this.authenticate(req).then(
      (user) => {
        if (!this.pendingUpgrades.delete(socket) || socket.destroyed) return;
        if (user === undefined) {
          rawReject(socket, 401, 'Unauthorized', `WWW-Authenticate: ${WWW_AUTHENTICATE}\r\n`);
          return;
        }
        this.hub.accept(req, socket, head, user);
      },
      () => socket.destroy(),
    );
  }

  private mountOf(path: string): RpcHttpMount | undefined {
    for (const m of this.mounts) {
      const p = m.prefix;
      if (path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === SLASH)) return m;
    }
    return undefined;
  }
}
