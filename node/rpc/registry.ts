/**
 * The method table. Namespaces (chain.ts, wallet.ts, net.ts, training.ts) each export an array of
 * method declarations and register it under a category name:
 *
 *   registry.register('blockchain', [
 *     defineMethod({
 *       name: 'getblockhash',
 *       description: 'Returns hash of block in best-block-chain at height provided.',
 *       params: [{ name: 'height', schema: heightSchema, description: 'The height index' }],
 *       result: '"hex" (string) The block hash',
 *       handler: async ({ height }, ctx) => ...,
 *     }),
 *   ]);
 */
import { z } from 'zod';
import { RPC_INVALID_PARAMETER, RPC_METHOD_NOT_FOUND, RpcServerError, rpcError } from './errors.js';
import type { MethodSpec, ParamSpec, RpcContext, RpcMethod } from './types.js';
import { rpcErrorFromZod } from './validators.js';

/** Build a method declaration; infers parameter names and types from the `params` tuple. */
export function defineMethod<const P extends readonly ParamSpec[]>(spec: MethodSpec<P>): RpcMethod {
  return spec as unknown as RpcMethod;
}

/** One parameter declaration (the `optional` flag is kept literal so the handler type follows it). */
export function param<const N extends string, S extends z.ZodType, const O extends boolean = false>(
  name: N,
  schema: S,
  opts: { optional?: O; description?: string } = {},
): { readonly name: N; readonly schema: S; readonly optional: O; readonly description?: string } {
  return {
    name,
    schema,
    optional: (opts.optional ?? false) as O,
    ...(opts.description ? { description: opts.description } : {}),
  };
}

/** Like `param`, with a default (checked against the schema's output type). */
export function paramWithDefault<const N extends string, S extends z.ZodType>(
  name: N,
  schema: S,
  defaultValue: z.output<S>,
  opts: { description?: string } = {},
): { readonly name: N; readonly schema: S; readonly default: z.output<S>; readonly description?: string } {
  return {
    name,
    schema,
    default: defaultValue,
    ...(opts.description ? { description: opts.description } : {}),
  };
}

const METHOD_NAME_RE = /^[a-z][a-z0-9_]*$/;
/** Names the WebSocket endpoint answers itself. */
export const RESERVED_METHOD_NAMES: ReadonlySet<string> = new Set(['subscribe', 'unsubscribe']);

interface Entry {
  readonly category: string;
  readonly method: RpcMethod;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `then`-able: what `await` would wait for. */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * Check raw JSON params (positional array, named object, or absent) against the declaration and
 * return the handler's params object. Errors: RPC_INVALID_PARAMETER for missing/extra/unknown
 * parameters and bad values, RPC_TYPE_ERROR for wrong JSON types (see `rpcErrorFromZod`).
 */
export async function validateParams(method: RpcMethod, raw: unknown): Promise<Record<string, unknown>> {
  return await validateParamsNow(method, raw);
}

/**
 * `validateParams` without a promise when it needs none: the params object, or a promise of it
 * once a schema turns out to be asynchronous (an async refinement or transform), from which point
 * the remaining parameters are checked with `safeParseAsync`. Errors are thrown synchronously or
 * reject the promise. (A schema found asynchronous has had its synchronous part run once before
 * the asynchronous parse: the schemas' checks and transforms are pure.)
 */
export function validateParamsNow(
  method: RpcMethod,
  raw: unknown,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  const given = givenParams(method, raw);
  const specs = method.params;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const v = givenValue(given, spec.name, i);
    if (v === undefined || v === null) {
      absentParam(spec, out);
      continue;
    }
    let parsed: ReturnType<z.ZodType['safeParse']>;
    try {
      parsed = spec.schema.safeParse(v);
    } catch (e) {
      if (e instanceof z.core.$ZodAsyncError) return validateRestAsync(specs, i, given, out);
      throw e;
    }
    if (!parsed.success) throw rpcErrorFromZod(spec.name, parsed.error);
    out[spec.name] = parsed.data;
  }
  return out;
}

/** The params given: positional, by name, or none. */
type Given = readonly unknown[] | ReadonlyMap<string, unknown> | null;

/** The given value of a parameter by name and position (undefined when not given). */
function givenValue(given: Given, name: string, index: number): unknown {
  if (given === null) return undefined;
  return given instanceof Map ? given.get(name) : (given as readonly unknown[])[index];
}

function givenParams(method: RpcMethod, raw: unknown): Given {
  const specs = method.params;
  if (raw === undefined || raw === null) return null;
  if (Array.isArray(raw)) {
    if (raw.length > specs.length) {
      throw rpcError(
        RPC_INVALID_PARAMETER,
        `Too many parameters for ${method.name}: expected at most ${specs.length}, got ${raw.length}`,
      );
    }
    return raw;
  }
  if (isPlainObject(raw)) {
    const given = new Map<string, unknown>();
    for (const [k, v] of Object.entries(raw)) {
      if (!specs.some((s) => s.name === k))
        throw rpcError(RPC_INVALID_PARAMETER, `Unknown named parameter ${k}`);
      given.set(k, v);
    }
    return given;
  }
  throw rpcError(RPC_INVALID_PARAMETER, 'Params must be an array or object');
}

/** A parameter not given (or null): its default, undefined if optional, else the error. */
function absentParam(spec: ParamSpec, out: Record<string, unknown>): void {
  if ('default' in spec) out[spec.name] = spec.default;
  else if (spec.optional) out[spec.name] = undefined;
  else throw rpcError(RPC_INVALID_PARAMETER, `Missing required parameter "${spec.name}"`);
}

async function validateRestAsync(
  specs: readonly ParamSpec[],
  from: number,
  given: Given,
  out: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  for (let i = from; i < specs.length; i++) {
    const spec = specs[i]!;
    const v = givenValue(given, spec.name, i);
    if (v === undefined || v === null) {
      absentParam(spec, out);
      continue;
    }
    const parsed = await spec.schema.safeParseAsync(v);
    if (!parsed.success) throw rpcErrorFromZod(spec.name, parsed.error);
    out[spec.name] = parsed.data;
  }
  return out;
}

/** Validate params, then run the handler. Errors from the handler propagate unchanged. */
export async function invokeMethod(method: RpcMethod, raw: unknown, ctx: RpcContext): Promise<unknown> {
  return await invokeMethodNow(method, raw, ctx);
}

/**
 * `invokeMethod` without a promise of its own: validates (`validateParamsNow`) and returns what the
 * handler returns (a value, or its promise). Throws synchronously what validation or a synchronous
 * handler throws.
 */
export function invokeMethodNow(method: RpcMethod, raw: unknown, ctx: RpcContext): unknown {
  const params = validateParamsNow(method, raw);
  if (params instanceof Promise) return params.then((p) => method.handler(p, ctx));
  return method.handler(params, ctx);
}

/**
 * How a command line passes an argument for `schema` (bitcoin-cli's conversion table, `qenex
 * rpc`): 'string' when the schema takes a JSON string and nothing else (the text as typed, so
 * `walletpassphrase 123456 60` sends "123456"), else 'json' (the text parsed as JSON).
 */
export type ParamKind = 'string' | 'json';

export function paramKind(schema: z.ZodType): ParamKind {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { type?: unknown };
  return json.type === 'string' ? 'string' : 'json';
}

function categoryTitle(c: string): string {
  return c.length === 0 ? c : c[0]!.toUpperCase() + c.slice(1);
}

function synopsis(m: RpcMethod): string {
  const args = m.params.map((p) => (p.optional || 'default' in p ? `( ${p.name} )` : p.name));
  return [m.name, ...args].join(' ');
}

export class RpcRegistry {
  private readonly methods = new Map<string, Entry>();

  constructor() {
    this.register('control', [this.helpMethod()]);
  }

  /** Add a namespace's methods under a help category. Throws on a duplicate or invalid name. */
  register(category: string, methods: readonly RpcMethod[]): void {
    for (const m of methods) {
      if (!METHOD_NAME_RE.test(m.name) || RESERVED_METHOD_NAMES.has(m.name)) {
        throw new RpcServerError({ code: 'RPC_BAD_METHOD_NAME', method: m.name });
      }
      if (this.methods.has(m.name))
        throw new RpcServerError({ code: 'RPC_DUPLICATE_METHOD', method: m.name });
    }
    for (const m of methods) this.methods.set(m.name, { category, method: m });
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  get(name: string): RpcMethod | undefined {
    return this.methods.get(name)?.method;
  }

  /** All method names, sorted. */
  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  /** Every method's parameter kinds, in position order (the CLI's table is generated from this). */
  paramKinds(): Record<string, ParamKind[]> {
    const out: Record<string, ParamKind[]> = {};
    for (const name of this.names()) out[name] = this.get(name)!.params.map((p) => paramKind(p.schema));
    return out;
  }

  /** Look up, validate and run. Unknown name → RPC_METHOD_NOT_FOUND ("Method not found"). */
  async call(name: string, rawParams: unknown, ctx: RpcContext): Promise<unknown> {
    const m = this.get(name);
    if (!m) throw rpcError(RPC_METHOD_NOT_FOUND, 'Method not found');
    return await invokeMethod(m, rawParams, ctx);
  }

  /** Bitcoin Core's `help` text: the list of methods by category, or one method's help. */
  helpText(command?: string): string {
    if (command !== undefined) {
      const e = this.methods.get(command);
      if (!e) return `help: unknown command: ${command}`;
      return this.methodHelp(e.method);
    }
    const byCategory = new Map<string, RpcMethod[]>();
    for (const { category, method } of this.methods.values()) {
      const list = byCategory.get(category) ?? [];
      list.push(method);
      byCategory.set(category, list);
    }
    const sections: string[] = [];
    for (const category of [...byCategory.keys()].sort()) {
      const lines = byCategory
        .get(category)!
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map(synopsis);
      sections.push(`== ${categoryTitle(category)} ==\n${lines.join('\n')}`);
    }
    return sections.join('\n\n');
  }

  private methodHelp(m: RpcMethod): string {
    const parts = [synopsis(m), m.description];
    if (m.params.length > 0) {
      const width = Math.max(...m.params.map((p) => p.name.length));
      const lines = m.params.map((p, i) => {
        const req =
          'default' in p
            ? `optional, default=${JSON.stringify(p.default, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`
            : p.optional
              ? 'optional'
              : 'required';
        return `${i + 1}. ${p.name.padEnd(width)}    (${req})${p.description ? ` ${p.description}` : ''}`;
      });
      parts.push(`Arguments:\n${lines.join('\n')}`);
    }
    if (m.result) parts.push(`Result:\n${m.result}`);
    return parts.join('\n\n');
  }

  private helpMethod(): RpcMethod {
    return defineMethod({
      name: 'help',
      description: 'List all commands, or get help for a specified command.',
      params: [
        { name: 'command', schema: z.string(), optional: true, description: 'The command to get help on' },
      ],
      result: '"text" (string) The help text',
      allowInWarmup: true,
      handler: ({ command }) => this.helpText(command),
    });
  }
}
