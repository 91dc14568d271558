/**
 * `qenex` entry point: builds the command tree with the real handlers and runs it.
 * `main()` returns the exit code instead of exiting, so it can be tested.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { QenexError } from '../../consensus/index.js';
import type { ParseEnv } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { runChainVerify, runNode } from './commands.js';
import { buildProgram } from './program.js';
import {
  runAiGenerate,
  runAiImprovements,
  runAiPredict,
  runAiStatus,
  runMineStatus,
  runRpc,
  runStatus,
} from './rpcCommand.js';
import type { CliHandlers, CliIo } from './types.js';

export { runChainVerify, runNode } from './commands.js';
export type { CliErrorType } from './errors.js';
export { CliError } from './errors.js';
export type { BuildProgramOptions } from './program.js';
export { buildProgram, cliFlags } from './program.js';
export type { RpcEndpoint } from './rpcCall.js';
export { DEFAULT_RPC_TIMEOUT_MS, rpcCall, rpcEndpoint } from './rpcCall.js';
export type { RpcCommandDeps } from './rpcCommand.js';
export {
  formatRpcResult,
  parseRpcParams,
  runAiGenerate,
  runAiImprovements,
  runAiPredict,
  runAiStatus,
  runMineStatus,
  runRpc,
  runStatus,
} from './rpcCommand.js';
export type { CliHandlers, CliIo } from './types.js';

export const consoleIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** The handlers `qenex` runs with. */
export function defaultHandlers(io: CliIo): CliHandlers {
  return {
    node: runNode,
    chainVerify: runChainVerify,
    status: (opts) => runStatus(opts, io),
    mineStatus: (opts) => runMineStatus(opts, io),
    aiStatus: (opts) => runAiStatus(opts, io),
    aiImprovements: (opts, last) => runAiImprovements(opts, last, io),
    aiGenerate: (opts, prompt, gen) => runAiGenerate(opts, prompt, gen, io),
    aiPredict: (opts, domain, input) => runAiPredict(opts, domain, input, io),
    rpc: (opts, method, params) => runRpc(opts, method, params, io),
  };
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export interface MainOptions {
  io?: CliIo;
  env?: ParseEnv;
  handlers?: CliHandlers;
}

/** Runs `qenex` with `argv` (as in process.argv: node, script, args...) and returns the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? consoleIo;
  const handlers = options.handlers ?? defaultHandlers(io);
  const program = buildProgram(handlers, { io, env: options.env ?? {}, version: packageVersion() });
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof QenexError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    io.err(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
