/**
 * `qenex` entry point: builds the command tree with the real handlers and runs it.
 * `main()` returns the exit code instead of exiting, so it can be tested.
 *
 * Only the client side loads eagerly (commander, the config defaults and paths, one fetch): the
 * commands that run the node (`node`, `chain verify`) and the wallet commands import their modules
 * when they run, so that `qenex rpc` never loads libp2p and the node (about 1,000 modules), and
 * the config schema (zod) loads only when a config file or a flag needs checking (config/client.ts).
 */
import { CommanderError } from 'commander';
// Leaf modules and the config folder's CLI entry rather than the indexes, which load the consensus
// rules and the config schema (docs/architecture.md, "Leaf modules").
import { QenexError } from '../../consensus/errors.js';
import type { ParseEnv } from '../config/client.js';
import { ConfigError } from '../config/client.js';
import { packageVersion } from './packageInfo.js';
import { buildProgram } from './program.js';
import {
  runAiGenerate,
  runAiImprovements,
  runAiPredict,
  runAiStatus,
  runDashboard,
  runMineStatus,
  runRpc,
  runStatus,
} from './rpcCommand.js';
import type { CliHandlers, CliIo } from './types.js';

export type { CliErrorType } from './errors.js';
export { CliError } from './errors.js';
export { packageRoot, packageVersion } from './packageInfo.js';
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
  runDashboard,
  runMineStatus,
  runRpc,
  runStatus,
} from './rpcCommand.js';
export type { CliHandlers, CliIo } from './types.js';
export type { WalletCliHandlers } from './wallet.js';

export const consoleIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** The handlers `qenex` runs with; the heavy ones load their modules when called. */
export function defaultHandlers(io: CliIo): CliHandlers {
  return {
    node: async (opts) => (await import('./commands.js')).runNode(opts, { io }),
    chainVerify: async (opts) => (await import('./commands.js')).runChainVerify(opts),
    status: (opts) => runStatus(opts, io),
    dashboard: (opts) => runDashboard(opts, io),
    mineStatus: (opts) => runMineStatus(opts, io),
    aiStatus: (opts) => runAiStatus(opts, io),
    aiImprovements: (opts, last) => runAiImprovements(opts, last, io),
    aiGenerate: (opts, prompt, gen) => runAiGenerate(opts, prompt, gen, io),
    aiPredict: (opts, domain, input) => runAiPredict(opts, domain, input, io),
    rpc: (opts, method, params) => runRpc(opts, method, params, io),
  };
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
    const typed = typedError(e);
    if (typed !== undefined) {
      // a ConfigError's message starts with `config error:` already
      io.err(
        typed instanceof ConfigError || typed.name === 'ConfigError'
          ? `${typed.message}\n`
          : `error: ${typed.message}\n`,
      );
      return 1;
    }
    io.err(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/**
 * One of qenex's typed errors (a QenexError: an Error whose `type.code` names the failure), or
 * undefined. Judged by shape as well as by class: the modules a command imports when it runs
 * (config/parseArgs.ts, commands.ts, wallet.ts) come with their own copy of the error classes when
 * this module was loaded as CommonJS and they as ES modules (tsx's require hook, as mocha loads
 * the tests), and instanceof misses those.
 */
function typedError(e: unknown): QenexError | undefined {
  if (e instanceof QenexError) return e;
  const code = e instanceof Error ? (e as { type?: { code?: unknown } }).type?.code : undefined;
  return typeof code === 'string' ? (e as QenexError) : undefined;
}
