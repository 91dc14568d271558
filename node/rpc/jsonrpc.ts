/**
 * JSON-RPC request processing shared by HTTP and WebSocket, following Bitcoin Core's httprpc.cpp:
 *
 * - Version: `"jsonrpc":"2.0"` → JSON-RPC 2.0 replies (exactly one of result/error; a request
 *   without `id` is a notification and gets no reply). No `jsonrpc` key or `"1.0"` → legacy
 *   replies `{result, error, id}` with both keys. Any other value → invalid request.
 * - HTTP status of a single request: legacy errors → 500, except RPC_INVALID_REQUEST → 400 and
 *   RPC_METHOD_NOT_FOUND → 404; 2.0 → 200 for errors raised by the call (400 if the request
 *   object itself is invalid); a 2.0 notification → 204.
 * - Batch (array): always 200, elements processed in order, notifications omitted, 204 if every
 *   element was a notification. An empty batch is one invalid-request error (JSON-RPC 2.0 spec;
 *   Bitcoin Core answers `[]` instead).
 * - Unparsable body → RPC_PARSE_ERROR, HTTP 500 (as Bitcoin Core). Top level neither object nor
 *   array → RPC_INVALID_REQUEST, HTTP 400. These replies use the 2.0 shape with `id: null`.
 */
import {
  RPC_IN_WARMUP,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RpcError,
  rpcError,
} from './errors.js';
import { stringifyReply } from './json.js';
import { invokeMethodNow, isPromiseLike, type RpcRegistry } from './registry.js';
import type { JsonRpcErrorObject, RpcContext, RpcLogger, RpcMethod } from './types.js';

type Version = 'legacy' | '2.0';

export interface DispatchReply {
  /** HTTP status to answer with. */
  status: number;
  /** JSON text of the reply, or null when nothing is to be sent (notifications). */
  body: string | null;
}

/** Extra methods looked up before the registry (the WebSocket's subscribe/unsubscribe). */
export type LocalMethods = ReadonlyMap<string, RpcMethod>;

interface ParsedRequest {
  version: Version;
  /** `undefined` when the request has no id key. */
  id: unknown;
  method: string;
  params: unknown;
}

interface OneReply {
  /** Serialized reply, or null for a notification. */
  text: string | null;
  version: Version;
  error: JsonRpcErrorObject | null;
  /** The request object was malformed (so HTTP 400 even for 2.0). */
  invalidRequest: boolean;
}

/** A malformed request object, with what was learned before the failure. */
interface BadRequest {
  bad: true;
  error: RpcError;
  version: Version;
  id: unknown;
}

function badRequest(message: string, version: Version, id: unknown): BadRequest {
  return { bad: true, error: rpcError(RPC_INVALID_REQUEST, message), version, id };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseRequest(v: unknown): ParsedRequest | BadRequest {
  if (!isPlainObject(v)) return badRequest('Invalid Request object', '2.0', null);
  const id = Object.hasOwn(v, 'id') ? v.id : undefined;
  let version: Version = 'legacy';
  const jv = v.jsonrpc;
  if (jv !== undefined && jv !== null) {
    if (typeof jv !== 'string') {
      return badRequest('jsonrpc field must be a string', version, id);
    }
    if (jv === '2.0') version = '2.0';
    else if (jv !== '1.0') {
      return badRequest('JSON-RPC version not supported', version, id);
    }
  }
  if (
    version === '2.0' &&
    id !== undefined &&
    id !== null &&
    typeof id !== 'string' &&
    typeof id !== 'number'
  ) {
    return badRequest('id must be a string, number or null', version, null);
  }
  const method = v.method;
  if (method === undefined || method === null) {
    return badRequest('Missing method', version, id);
  }
  if (typeof method !== 'string') {
    return badRequest('Method must be a string', version, id);
  }
  const params = v.params;
  if (params !== undefined && params !== null && typeof params !== 'object') {
    return badRequest('Params must be an array or object', version, id);
  }
  return { version, id, method, params };
}

function errorObject(e: RpcError): JsonRpcErrorObject {
  const data = e.data;
  return data === undefined
    ? { code: e.rpcCode, message: e.message }
    : { code: e.rpcCode, message: e.message, data };
}

/**
 * A legacy reply always carries `result`, `error` and `id` (`"error": null` on success, `"result":
 * null` on failure): Bitcoin clients read `reply.error` before anything else. A 2.0 reply carries
 * exactly one of `result` and `error`, as the JSON-RPC 2.0 specification requires. Amounts are
 * written with 8 decimals (json.ts).
 */
/**
 * One reply. Every reply carries `result`, `error` (one of them null) and `id`, as Bitcoin Core
 * replied up to version 27 whatever the request's version: python-bitcoinrpc's `batch_` tags its
 * requests "jsonrpc": "2.0" and then reads `error` of every reply, so a strictly 2.0-shaped
 * success reply (no `error` member) breaks it. A 2.0 request's reply also says "jsonrpc": "2.0".
 */
function replyText(version: Version, id: unknown, result: unknown, error: JsonRpcErrorObject | null): string {
  return stringifyReply(
    version === '2.0',
    error ? null : (result ?? null),
    error,
    id === undefined ? null : id,
  );
}

function httpStatusForLegacyError(code: number): number {
  if (code === RPC_INVALID_REQUEST) return 400;
  if (code === RPC_METHOD_NOT_FOUND) return 404;
  return 500;
}

/** HTTP status and body of a single (non-batch) request's reply. */
function singleReply(r: OneReply): DispatchReply {
  if (r.text === null) return { status: 204, body: null };
  let status = 200;
  if (r.error) {
    if (r.invalidRequest) status = 400;
    else if (r.version === 'legacy') status = httpStatusForLegacyError(r.error.code);
  }
  return { status, body: r.text };
}

export class JsonRpcDispatcher {
  private warmupStatus: string | null = null;

  constructor(
    private readonly registry: RpcRegistry,
    private readonly logger: RpcLogger,
  ) {}

  /** While set, methods without `allowInWarmup` fail with RPC_IN_WARMUP and this message. */
  setWarmup(status: string | null): void {
    this.warmupStatus = status;
  }

  get warmup(): string | null {
    return this.warmupStatus;
  }

  /** Process one request body (JSON text) and produce the reply. Never rejects. */
  dispatch(body: string, ctx: RpcContext, local?: LocalMethods): Promise<DispatchReply> {
    return Promise.resolve(this.dispatchNow(body, ctx, local));
  }

  /**
   * `dispatch`, with the reply returned as is when it is ready at once (a single request whose
   * params validate synchronously and whose handler returns a value rather than a promise): the
   * HTTP server's path, which then answers without a trip through the microtask queue. Never
   * throws; the promise never rejects.
   */
  dispatchNow(body: string, ctx: RpcContext, local?: LocalMethods): DispatchReply | Promise<DispatchReply> {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return parseErrorReply();
    }
    if (Array.isArray(value)) {
      if (value.length === 0) {
        const error = { code: RPC_INVALID_REQUEST, message: 'Invalid Request: empty batch' };
        return { status: 400, body: replyText('2.0', null, null, error) };
      }
      return this.batch(value, ctx, local);
    }
    if (!isPlainObject(value)) {
      const error = { code: RPC_INVALID_REQUEST, message: 'Top-level value must be an object or an array' };
      return { status: 400, body: replyText('2.0', null, null, error) };
    }
    const r = this.one(value, ctx, local);
    return r instanceof Promise ? r.then(singleReply) : singleReply(r);
  }

  /** The elements in order, each after the previous one has finished. */
  private async batch(items: unknown[], ctx: RpcContext, local?: LocalMethods): Promise<DispatchReply> {
    const parts: string[] = [];
    for (const item of items) {
      const pending = this.one(item, ctx, local);
      const r = pending instanceof Promise ? await pending : pending;
      if (r.text !== null) parts.push(r.text);
    }
    return parts.length === 0 ? { status: 204, body: null } : { status: 200, body: `[${parts.join(',')}]` };
  }

  /** One request object's reply; a promise only while its handler (or a validator) is pending. */
  private one(item: unknown, ctx: RpcContext, local?: LocalMethods): OneReply | Promise<OneReply> {
    const req = parseRequest(item);
    if ('bad' in req) {
      const error = errorObject(req.error);
      return {
        text: replyText(req.version, req.id, null, error),
        version: req.version,
        error,
        invalidRequest: true,
      };
    }
    let outcome: unknown;
    try {
      outcome = this.execute(req, ctx, local);
    } catch (e) {
      return this.finish(req, undefined, this.toErrorObject(e, req.method, ctx), ctx);
    }
    if (!isPromiseLike(outcome)) return this.finish(req, outcome, null, ctx);
    // As `await` would: a promise (or thenable) settles first, whatever it resolves to.
    return Promise.resolve(outcome).then(
      (result) => this.finish(req, result, null, ctx),
      (e: unknown) => this.finish(req, undefined, this.toErrorObject(e, req.method, ctx), ctx),
    );
  }

  /** The reply text of a finished call (null for a notification). */
  private finish(
    req: ParsedRequest,
    result: unknown,
    callError: JsonRpcErrorObject | null,
    ctx: RpcContext,
  ): OneReply {
    let error = callError;
    if (req.version === '2.0' && req.id === undefined) {
      return { text: null, version: req.version, error, invalidRequest: false };
    }
    let text: string;
    try {
      text = replyText(req.version, req.id, result, error);
    } catch (e) {
      // The handler returned something JSON cannot carry (a bigint, a cycle).
      error = this.toErrorObject(e, req.method, ctx);
      text = replyText(req.version, req.id, null, error);
    }
    return { text, version: req.version, error, invalidRequest: false };
  }

  /** Look up and run the method: its result, a promise of it, or a synchronous throw. */
  private execute(req: ParsedRequest, ctx: RpcContext, local?: LocalMethods): unknown {
    const method = local?.get(req.method) ?? this.registry.get(req.method);
    if (!method) throw rpcError(RPC_METHOD_NOT_FOUND, 'Method not found');
    if (this.warmupStatus !== null && !method.allowInWarmup) throw rpcError(RPC_IN_WARMUP, this.warmupStatus);
    this.logger.debug(
      { method: req.method, peer: ctx.peer, user: ctx.user, transport: ctx.transport },
      'rpc call',
    );
    return invokeMethodNow(method, req.params, ctx);
  }

  private toErrorObject(e: unknown, method: string, ctx: RpcContext): JsonRpcErrorObject {
    if (e instanceof RpcError && e.type.code !== 'RPC_TRANSPORT_ERROR') return errorObject(e);
    this.logger.error({ err: e, method, peer: ctx.peer }, 'RPC method failed with an unexpected error');
    return { code: RPC_INTERNAL_ERROR, message: 'Internal error' };
  }
}

/** The reply to a body that is not valid JSON (or not valid UTF-8). */
export function parseErrorReply(): DispatchReply {
  return {
    status: 500,
    body: replyText('2.0', null, null, { code: RPC_PARSE_ERROR, message: 'Parse error' }),
  };
}
