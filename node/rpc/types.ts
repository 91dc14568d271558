import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';

/** The logging surface the RPC server needs; a pino `Logger` satisfies it. */
export interface RpcLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/**
 * One declared parameter. Missing parameters and JSON `null` both mean "not given" (Bitcoin
 * Core's convention): then `default` is used if declared, else `undefined` if `optional`, else
 * the call fails with RPC_INVALID_PARAMETER. `default` is the already-validated value (the
 * schema's output type) and is not run through the schema.
 */
export interface ParamSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
  readonly optional?: boolean;
  readonly default?: z.output<S>;
  /** One line for `help <method>`. */
  readonly description?: string;
}

type ParamValue<P> = P extends { readonly schema: infer S extends z.ZodType }
  ? P extends { readonly default: unknown }
    ? z.output<S>
    : P extends { readonly optional: true }
      ? z.output<S> | undefined
      : z.output<S>
  : never;

/** The handler's `params` object, keyed by parameter name, typed from the schemas. */
export type ParamsOf<P extends readonly ParamSpec[]> = {
  [K in P[number] as K['name']]: ParamValue<K>;
};

/** Per-call information a handler may use. */
export interface RpcContext {
  /** 'http' for POST requests, 'ws' for calls over the WebSocket endpoint. */
  readonly transport: 'http' | 'ws';
  /** Request path, e.g. '/' or '/wallet/<name>' (Bitcoin Core's multiwallet URI). '/ws' for WebSocket. */
  readonly uri: string;
  /** Remote address and port, for logs. */
  readonly peer: string;
  /** Authenticated user name ('__cookie__' for cookie auth). */
  readonly user: string;
}

/** A method declaration with typed params. Build with `defineMethod` (registry.ts) to get handler typing. */
export interface MethodSpec<P extends readonly ParamSpec[] = readonly ParamSpec[]> {
  /** Lowercase, [a-z][a-z0-9_]* (Bitcoin-style clients lowercase method names). */
  readonly name: string;
  readonly description: string;
  readonly params: P;
  /** Optional description of the result for `help <method>`. */
  readonly result?: string;
  /** Callable while the server is in warmup (`setWarmup`); default false (→ RPC_IN_WARMUP). */
  readonly allowInWarmup?: boolean;
  /**
   * Returns a JSON-serialisable value (no bigint: format amounts with `formatAmount`, other
   * big integers as decimal strings; no Uint8Array: encode as hex). Throw `RpcError` for errors
   * the caller should see; anything else becomes RPC_INTERNAL_ERROR and is logged.
   */
  handler(params: ParamsOf<P>, ctx: RpcContext): unknown;
}

/** The erased form the registry stores. */
export type RpcMethod = MethodSpec<readonly ParamSpec[]>;

export type JsonRpcId = string | number | null;

/** A JSON-RPC error object as sent on the wire. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An HTTP application served on the RPC port under its own path prefix (the dashboard). The RPC
 * server hands it every request and WebSocket upgrade under the prefix without checking RPC
 * credentials: the mount authenticates on its own.
 */
export interface RpcHttpMount {
  /** Owned paths: the prefix itself and everything under `prefix/`, e.g. '/dashboard'. */
  readonly prefix: string;
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Accept or refuse the upgrade; the socket is the mount's from here on. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes the sockets it took over (WebSockets): called when the RPC server stops. */
  closeConnections(): void;
}
