/** `qenex rpc`, `qenex status` and `qenex mine status`: thin JSON-RPC clients of a running node. */
import type { NodeOptions } from '../config/index.js';
import { CliError } from './errors.js';
import type { RpcEndpoint } from './rpcCall.js';
import { rpcCall, rpcEndpoint } from './rpcCall.js';
import { RPC_PARAM_KINDS } from './rpcParams.js';
import type { AiGenerateFlags, CliIo } from './types.js';

/**
 * bitcoin-cli style, by the method's parameter table (rpcParams.ts, from the server's schemas): an
 * argument whose parameter takes a string is passed as typed (`walletpassphrase 123456 60` sends
 * "123456"); any other is JSON if it parses as JSON, else a string (so unknown methods too).
 */
export function parseRpcParams(method: string, raw: readonly string[]): unknown[] {
  const kinds = Object.hasOwn(RPC_PARAM_KINDS, method) ? RPC_PARAM_KINDS[method] : undefined;
  return raw.map((s, i) => {
    if (kinds?.[i] === 'string') return s;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  });
}

/** Strings print as they are, null prints nothing, anything else as indented JSON. */
export function formatRpcResult(result: unknown): string | undefined {
  if (result === null || result === undefined) return undefined;
  if (typeof result === 'string') return result;
  return JSON.stringify(result, null, 2);
}

export interface RpcCommandDeps {
  /** Overrides the endpoint derived from the options (tests, scripts). */
  endpoint?: RpcEndpoint;
}

export async function runRpc(
  opts: NodeOptions,
  method: string,
  params: readonly string[],
  io: CliIo,
  deps: RpcCommandDeps = {},
): Promise<void> {
  const result = await rpcCall(deps.endpoint ?? rpcEndpoint(opts), method, parseRpcParams(method, params));
  const text = formatRpcResult(result);
  if (text !== undefined) io.out(`${text}\n`);
}

/** `getblockchaininfo` and `getmininginfo`, printed together as one JSON object. */
export async function runStatus(opts: NodeOptions, io: CliIo, deps: RpcCommandDeps = {}): Promise<void> {
  const ep = deps.endpoint ?? rpcEndpoint(opts);
  const [chain, mining] = await Promise.all([
    rpcCall(ep, 'getblockchaininfo', []),
    rpcCall(ep, 'getmininginfo', []),
  ]);
  io.out(`${JSON.stringify({ chain, mining }, null, 2)}\n`);
}

export async function runAiStatus(opts: NodeOptions, io: CliIo, deps: RpcCommandDeps = {}): Promise<void> {
  const ep = deps.endpoint ?? rpcEndpoint(opts);
  const [model, training] = await Promise.all([
    rpcCall(ep, 'getmodelinfo', []),
    rpcCall(ep, 'gettraininginfo', []),
  ]);
  io.out(`${JSON.stringify({ model, training }, null, 2)}\n`);
}

export async function runAiImprovements(
  opts: NodeOptions,
  last: number,
  io: CliIo,
  deps: RpcCommandDeps = {},
): Promise<void> {
  const result = await rpcCall(deps.endpoint ?? rpcEndpoint(opts), 'getimprovements', [last]);
  io.out(`${formatRpcResult(result) ?? 'null'}\n`);
}

export async function runAiGenerate(
  opts: NodeOptions,
  prompt: string,
  gen: AiGenerateFlags,
  io: CliIo,
  deps: RpcCommandDeps = {},
): Promise<void> {
  const params: Record<string, unknown> = { prompt, ...gen };
  const result = (await rpcCall(deps.endpoint ?? rpcEndpoint(opts), 'generate', params)) as {
    text?: unknown;
  };
  io.out(`${prompt}${typeof result.text === 'string' ? result.text : ''}\n`);
}

export async function runAiPredict(
  opts: NodeOptions,
  domain: string,
  input: string,
  io: CliIo,
  deps: RpcCommandDeps = {},
): Promise<void> {
  const result = await rpcCall(deps.endpoint ?? rpcEndpoint(opts), 'predict', [domain, input]);
  io.out(`${formatRpcResult(result) ?? 'null'}\n`);
}

/** Prints the dashboard's login link and until when it works. */
export async function runDashboard(opts: NodeOptions, io: CliIo, deps: RpcCommandDeps = {}): Promise<void> {
  const result = (await rpcCall(deps.endpoint ?? rpcEndpoint(opts), 'getdashboardurl', [])) as {
    url?: unknown;
    expires?: unknown;
  };
  if (typeof result.url !== 'string' || typeof result.expires !== 'number') {
    throw new CliError({ code: 'RPC_BAD_RESPONSE', url: 'getdashboardurl', reason: 'no url and expires' });
  }
  io.out(`${result.url}\n`);
  io.err(
    `Open it in a browser on this machine; the link works until ${new Date(result.expires * 1000).toISOString()}.\n`,
  );
}

export async function runMineStatus(opts: NodeOptions, io: CliIo, deps: RpcCommandDeps = {}): Promise<void> {
  const result = await rpcCall(deps.endpoint ?? rpcEndpoint(opts), 'getmininginfo', []);
  io.out(`${formatRpcResult(result) ?? 'null'}\n`);
}
