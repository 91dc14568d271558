import { join } from 'node:path';
import { RpcServerError } from './errors.js';

/**
 * RPC server options. Authentication: if both `user` and `password` are set they are the only
 * credentials and no cookie is written; otherwise a cookie file is written at `cookieFile`
 * (default `<datadir>/.cookie`), which then requires `datadir` or `cookieFile`.
 */
export interface RpcServerOptions {
  /** TCP port; 0 picks a free port (read it back from `server.port` after `start()`). */
  port: number;
  /** Bind address. Default 127.0.0.1; binding elsewhere exposes the node's wallet to the network. */
  host?: string;
  /** Data directory; the cookie goes to `<datadir>/.cookie`. */
  datadir?: string;
  /** Explicit cookie path (overrides `<datadir>/.cookie`). */
  cookieFile?: string;
  /** Fixed credentials (Bitcoin Core's -rpcuser/-rpcpassword). */
  user?: string;
  password?: string;
  /** Largest accepted request body in bytes; larger → HTTP 413. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Delay before answering a request with wrong credentials (brute-force damping). Default 250 ms. */
  authFailureDelayMs?: number;
  /** Time allowed to receive a whole HTTP request (cf. Bitcoin Core -rpcservertimeout). Default 30 s. */
  requestTimeoutMs?: number;
  /** Serve the WebSocket endpoint. Default true. */
  wsEnabled?: boolean;
  /** WebSocket path. Default '/ws'. */
  wsPath?: string;
  /** A socket whose unsent data passes this many bytes is dropped. Default 4 MiB. */
  wsMaxBufferedBytes?: number;
  /** Largest WebSocket message accepted. Default: `maxBodyBytes`. */
  wsMaxPayloadBytes?: number;
}

export type ResolvedRpcServerOptions = Required<Omit<RpcServerOptions, 'user' | 'password' | 'datadir'>> & {
  /** Either fixed credentials, or cookie auth with its file path. */
  auth: { kind: 'password'; user: string; password: string } | { kind: 'cookie'; cookieFile: string };
};

export const RPC_DEFAULTS = {
  host: '127.0.0.1',
  maxBodyBytes: 16 * 1024 * 1024,
  authFailureDelayMs: 250,
  requestTimeoutMs: 30_000,
  wsEnabled: true,
  wsPath: '/ws',
  wsMaxBufferedBytes: 4 * 1024 * 1024,
} as const;

/** User name Bitcoin Core writes into the cookie file. */
export const COOKIE_USER = '__cookie__';
export const COOKIE_FILE_NAME = '.cookie';

function bad(reason: string): RpcServerError {
  return new RpcServerError({ code: 'RPC_SERVER_CONFIG', reason });
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw bad(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Apply defaults and check the options. Throws RpcServerError(RPC_SERVER_CONFIG). */
export function resolveRpcServerOptions(opts: RpcServerOptions): ResolvedRpcServerOptions {
  if (!Number.isSafeInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw bad(`port must be an integer in [0, 65535], got ${opts.port}`);
  }
  let auth: ResolvedRpcServerOptions['auth'];
  if (opts.user !== undefined || opts.password !== undefined) {
    if (!opts.user || !opts.password) throw bad('user and password must both be set and non-empty');
    if (opts.user.includes(':')) throw bad('user must not contain ":"');
    auth = { kind: 'password', user: opts.user, password: opts.password };
  } else {
    const cookieFile = opts.cookieFile ?? (opts.datadir ? join(opts.datadir, COOKIE_FILE_NAME) : undefined);
    if (!cookieFile)
      throw bad('cookie authentication needs datadir or cookieFile (or set user and password)');
    auth = { kind: 'cookie', cookieFile };
  }
  const maxBodyBytes = positiveInt('maxBodyBytes', opts.maxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes);
  const wsPath = opts.wsPath ?? RPC_DEFAULTS.wsPath;
  if (!wsPath.startsWith('/')) throw bad(`wsPath must start with "/", got ${wsPath}`);
  const authFailureDelayMs = opts.authFailureDelayMs ?? RPC_DEFAULTS.authFailureDelayMs;
  if (!Number.isSafeInteger(authFailureDelayMs) || authFailureDelayMs < 0) {
    throw bad(`authFailureDelayMs must be a non-negative integer, got ${authFailureDelayMs}`);
  }
  return {
    port: opts.port,
    host: opts.host ?? RPC_DEFAULTS.host,
    cookieFile: auth.kind === 'cookie' ? auth.cookieFile : '',
    maxBodyBytes,
    authFailureDelayMs,
    requestTimeoutMs: positiveInt('requestTimeoutMs', opts.requestTimeoutMs ?? RPC_DEFAULTS.requestTimeoutMs),
    wsEnabled: opts.wsEnabled ?? RPC_DEFAULTS.wsEnabled,
    wsPath,
    wsMaxBufferedBytes: positiveInt(
      'wsMaxBufferedBytes',
      opts.wsMaxBufferedBytes ?? RPC_DEFAULTS.wsMaxBufferedBytes,
    ),
    wsMaxPayloadBytes: positiveInt('wsMaxPayloadBytes', opts.wsMaxPayloadBytes ?? maxBodyBytes),
    auth,
  };
}
