/**
 * A small JSON-RPC 2.0 client for the node's RPC server (used by `qenex rpc`). Server errors
 * become `RpcError` with the server's numeric code (`err.rpcCode`, e.g. -8); failures to get a
 * JSON-RPC answer (connection refused, HTTP 401, timeout, non-JSON reply) become `RpcError` with
 * `code: 'RPC_TRANSPORT_ERROR'` and `rpcCode` = the HTTP status (0 when there was none).
 */
import { basicAuthHeader, type Credentials, readCookieFile } from './auth.js';
import { RpcError } from './errors.js';

interface CommonClientOptions {
  /** e.g. 'http://127.0.0.1:8332/' (a path such as '/wallet/w1' is kept). */
  url: string;
  /** Per-request time limit. Default 120 s (a call may wait on the node). */
  timeoutMs?: number;
}

export type RpcClientOptions =
  | (CommonClientOptions & { user: string; password: string })
  | (CommonClientOptions & { cookieFile: string });

export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface BatchCall {
  method: string;
  params?: Params;
}

export type BatchResult = { ok: true; result: unknown } | { ok: false; error: RpcError };

function transport(message: string, httpStatus: number | null): RpcError {
  return new RpcError({ code: 'RPC_TRANSPORT_ERROR', rpcCode: httpStatus ?? 0, httpStatus }, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The RpcError a JSON-RPC error object stands for. */
function fromErrorObject(e: unknown): RpcError {
  if (isObject(e) && typeof e.code === 'number') {
    return RpcError.fromCode(e.code, typeof e.message === 'string' ? e.message : `error ${e.code}`, e.data);
  }
  return transport('malformed error object in reply', 200);
}

function fromReply(reply: unknown): BatchResult {
  if (!isObject(reply)) return { ok: false, error: transport('malformed JSON-RPC reply', 200) };
  if (reply.error !== undefined && reply.error !== null)
    return { ok: false, error: fromErrorObject(reply.error) };
  if (!('result' in reply)) return { ok: false, error: transport('JSON-RPC reply without result', 200) };
  return { ok: true, result: reply.result };
}

export class RpcClient {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly cookieFile: string | undefined;
  private creds: Credentials | undefined;
  private nextId = 1;

  constructor(opts: RpcClientOptions) {
    this.url = opts.url;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    if ('cookieFile' in opts) {
      this.cookieFile = opts.cookieFile;
    } else {
      this.cookieFile = undefined;
      this.creds = { user: opts.user, password: opts.password };
    }
  }

  /** Call one method; resolves to its result, rejects with RpcError. */
  async call<T = unknown>(method: string, params: Params = []): Promise<T> {
    const id = this.nextId++;
    const reply = await this.post({ jsonrpc: '2.0', id, method, params });
    const r = fromReply(reply);
    if (!r.ok) throw r.error;
    return r.result as T;
  }

  /** Several calls in one HTTP request; results in call order, each a result or an RpcError. */
  async batch(calls: readonly BatchCall[]): Promise<BatchResult[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({
      jsonrpc: '2.0',
      id: first + i,
      method: c.method,
      params: c.params ?? [],
    }));
    const reply = await this.post(body);
    if (!Array.isArray(reply)) {
      // A whole-batch failure comes back as one error object.
      const r = fromReply(reply);
      throw r.ok ? transport('batch reply is not an array', 200) : r.error;
    }
    const byId = new Map<unknown, unknown>();
    for (const item of reply) if (isObject(item)) byId.set(item.id, item);
    return calls.map((_c, i) => {
      const item = byId.get(first + i);
      return item === undefined
        ? { ok: false, error: transport('no reply for batch element', 200) }
        : fromReply(item);
    });
  }

  private async credentials(reload: boolean): Promise<Credentials> {
    if (this.creds && !(reload && this.cookieFile)) return this.creds;
    const path = this.cookieFile ?? '';
    let creds: Credentials | undefined;
    try {
      creds = await readCookieFile(path);
    } catch (e) {
      throw transport(`cannot read cookie file ${path}: ${e instanceof Error ? e.message : String(e)}`, null);
    }
    if (!creds) throw transport(`malformed cookie file ${path}`, null);
    this.creds = creds;
    return creds;
  }

  private async post(payload: unknown): Promise<unknown> {
    let body: string;
    try {
      body = JSON.stringify(payload);
    } catch (e) {
      throw transport(
        `request is not JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`,
        null,
      );
    }
    let res = await this.send(body, await this.credentials(false));
    // The node writes a fresh cookie on every start: re-read it once.
    if (res.status === 401 && this.cookieFile) res = await this.send(body, await this.credentials(true));
    if (res.status === 401) throw transport('Authorization failed: incorrect rpcuser or rpcpassword', 401);
    if (res.status === 204) return null;
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    if (!type.startsWith('application/json')) {
      throw transport(`HTTP ${res.status}: ${text.trim() || res.statusText}`, res.status);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw transport(`HTTP ${res.status}: reply is not valid JSON`, res.status);
    }
  }

  private async send(body: string, creds: Credentials): Promise<Response> {
    try {
      return await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basicAuthHeader(creds) },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      throw transport(`could not connect to the server ${this.url}: ${cause}`, null);
    }
  }
}
