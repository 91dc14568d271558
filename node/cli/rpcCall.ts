/**
 * The one JSON-RPC call the CLI needs: HTTP POST with Basic auth, credentials from
 * --rpc-user/--rpc-password or else from the node's `<datadir>/.cookie` (`__cookie__:<hex>`).
 */
import { readFileSync } from 'node:fs';
import type { NodeOptions } from '../config/client.js';
import { cookieFilePath } from '../config/client.js';
import { CliError } from './errors.js';

export interface RpcEndpoint {
  /** `http://host:port/` */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Give up after this long; bitcoin-cli's default is 900 s. */
  readonly timeoutMs: number;
}

export const DEFAULT_RPC_TIMEOUT_MS = 900_000;

/** Where and as whom to call the node described by `opts`. Reads the cookie file if needed. */
export function rpcEndpoint(opts: NodeOptions, timeoutMs: number = DEFAULT_RPC_TIMEOUT_MS): RpcEndpoint {
  const url = `http://${connectHost(opts.rpc.host)}:${opts.rpc.port}/`;
  if (opts.rpc.user !== undefined && opts.rpc.password !== undefined) {
    return { url, user: opts.rpc.user, password: opts.rpc.password, timeoutMs };
  }
  const cookieFile = cookieFilePath(opts.datadir);
  let text: string;
  try {
    text = readFileSync(cookieFile, 'utf8').trim();
  } catch (e) {
    if (e !== null && typeof e === 'object' && 'code' in e && e.code === 'ENOENT') {
      throw new CliError({ code: 'RPC_NO_CREDENTIALS', cookieFile });
    }
    throw new CliError({
      code: 'RPC_BAD_COOKIE',
      cookieFile,
      reason: e instanceof Error ? e.message : String(e),
    });
  }
  const colon = text.indexOf(':');
  if (colon <= 0)
    throw new CliError({ code: 'RPC_BAD_COOKIE', cookieFile, reason: 'expected user:password' });
  return { url, user: text.slice(0, colon), password: text.slice(colon + 1), timeoutMs };
}

/** A server bound to every interface is reached on loopback. */
function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Calls `method` with positional (array) or named (object) params; resolves with its result,
 * rejects with a CliError (RPC_ERROR for a JSON-RPC error).
 */
export async function rpcCall(
  ep: RpcEndpoint,
  method: string,
  params: readonly unknown[] | Readonly<Record<string, unknown>>,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(ep.url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${ep.user}:${ep.password}`)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(ep.timeoutMs),
    });
  } catch (e) {
    throw fetchFailure(ep, e);
  }
  if (res.status === 401 || res.status === 403) throw new CliError({ code: 'RPC_AUTH_FAILED', url: ep.url });
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw fetchFailure(ep, e);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (!res.ok)
      throw new CliError({
        code: 'RPC_HTTP_ERROR',
        url: ep.url,
        status: res.status,
        body: text.slice(0, 300),
      });
    throw new CliError({ code: 'RPC_BAD_RESPONSE', url: ep.url, reason: 'body is not JSON' });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CliError({ code: 'RPC_BAD_RESPONSE', url: ep.url, reason: 'body is not a JSON object' });
  }
  const rec = body as { result?: unknown; error?: unknown };
  if (rec.error !== undefined && rec.error !== null) {
    const err = rec.error as { code?: unknown; message?: unknown };
    throw new CliError({
      code: 'RPC_ERROR',
      method,
      rpcCode: typeof err.code === 'number' ? err.code : 0,
      rpcMessage: typeof err.message === 'string' ? err.message : JSON.stringify(rec.error),
    });
  }
  if (!res.ok)
    throw new CliError({ code: 'RPC_HTTP_ERROR', url: ep.url, status: res.status, body: text.slice(0, 300) });
  if (!('result' in rec)) throw new CliError({ code: 'RPC_BAD_RESPONSE', url: ep.url, reason: 'no result' });
  return rec.result;
}

function fetchFailure(ep: RpcEndpoint, e: unknown): CliError {
  if (e instanceof Error && e.name === 'TimeoutError') {
    return new CliError({ code: 'RPC_TIMEOUT', url: ep.url, ms: ep.timeoutMs });
  }
  const cause =
    e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : e instanceof Error
          ? e.message
          : String(e);
  return new CliError({ code: 'RPC_CONNECT_FAILED', url: ep.url, reason });
}
