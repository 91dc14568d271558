/**
 * The `qenex` command tree (commander). Parsing only: each command turns its flags into
 * `NodeOptions` with `parseArgsLazily()` (parseArgs, loading the schema only when a config file or
 * a flag needs it) and hands them to an injected handler, so the tree can be
 * tested with recording handlers and the node's code never sees argv.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { NetworkName } from '../../consensus/index.js';
// The config folder's CLI entry, not its index: the index loads the schema (zod) at every start
// (docs/architecture.md, "Leaf modules").
import type { CliFlags, NodeOptions, ParseEnv } from '../config/client.js';
import { NETWORK_NAMES, parseArgsLazily, resolveUserPath } from '../config/client.js';
import { LOG_LEVELS } from '../logLevels.js';
import { lazyWalletHandlers } from './lazyWallet.js';
import type { AiGenerateFlags, CliHandlers, CliIo } from './types.js';
import type { WalletCliHandlers } from './wallet.js';
import { PASSPHRASE_ENV, processSecretInput } from './walletInput.js';

export interface BuildProgramOptions {
  /** Output for help, errors and `config example`; default process stdout/stderr. */
  io?: CliIo;
  /** Home and working directory used to resolve paths (tests). */
  env?: ParseEnv;
  /** Printed by `qenex --version`. */
  version?: string;
}

/**
 * Builds the command tree. `exitOverride()` is on: parse errors, `--help` and `--version`
 * throw commander's CommanderError (with `exitCode`) instead of exiting the process.
 */
export function buildProgram(
  handlers: CliHandlers & { wallet?: WalletCliHandlers },
  options: BuildProgramOptions = {},
): Command {
  const io = options.io;
  const env = options.env ?? {};
  const parse = (cmd: Command): Promise<NodeOptions> => parseArgsLazily(cliFlags(cmd), env);

  const program = new Command('qenex');
  program.exitOverride();
  // Each command reads the options typed before it too (`qenex --network devnet wallet balance`,
  // `qenex wallet --network devnet balance`; see cliFlags). Positional: an option belongs to the
  // command it follows, so the same option may be declared at several levels. Subcommands
  // inherit this setting when created, so it comes first.
  program.enablePositionalOptions();
  if (io !== undefined) {
    program.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  program
    .description(
      'qenex: a peer-to-peer blockchain node whose proof of work also rewards verified model improvements.',
    )
    .version(options.version ?? '0.0.0', '-V, --version', 'print the qenex version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Settings are layered: command-line flags > config file > defaults. The config file is',
        '--config FILE, or else <datadir>/qenex.yaml when it exists; `qenex config example` prints',
        'every setting with its default and meaning.',
        '',
        'Quick start:',
        '  qenex node --network devnet --mine --address <address>',
        '  qenex status --network devnet',
        '  qenex rpc --network devnet getblockchaininfo',
        '',
        'The location and RPC options may also come before the command: qenex --network devnet status.',
      ].join('\n'),
    );
  addGlobalOptions(program);

  const node = program
    .command('node')
    .description('run a qenex node: sync the chain, serve JSON-RPC, and optionally mine and train');
  addLocationOptions(node);
  node
    .option('--rpc-host <host>', 'interface the JSON-RPC server listens on (rpc.host; default 127.0.0.1)')
    .option(
      '--rpc-port <port>',
      'JSON-RPC port, 0 = any free port (rpc.port; default 8332 main, 18332 test, 18443 devnet)',
    )
    .option('--rpc-user <user>', 'fixed RPC user name instead of the cookie file (rpc.user)')
    .option(
      '--rpc-password <password>',
      'fixed RPC password (rpc.password); visible to other local users here, prefer the config file',
    )
    .option('--no-rpc-cookie', 'do not write <datadir>/.cookie (rpc.cookie; needs --rpc-user/--rpc-password)')
    .option('--rpc-ws', 'also serve JSON-RPC over WebSocket (rpc.ws)')
    .option('--no-dashboard', 'do not serve the web dashboard on the RPC port (dashboard.enabled)')
    .option('--metrics', 'serve Prometheus metrics at /metrics on the metrics port (metrics.enabled)')
    .option('--no-metrics', 'do not serve metrics, even if the config file says so')
    .option('--metrics-host <host>', 'interface of the metrics endpoint (metrics.host; default 127.0.0.1)')
    .option(
      '--metrics-port <port>',
      'metrics port, 0 = any free port (metrics.port; default 9332 main, 19332 test, 19443 devnet)',
    )
    .option(
      '--p2p-host <host>',
      'interface for peer connections; 0.0.0.0 for all (p2p.host; default 127.0.0.1)',
    )
    .option(
      '--p2p-port <port>',
      'peer-to-peer port, 0 = any free port (p2p.port; default 8333 main, 18333 test, 18444 devnet)',
    )
    .option(
      '--bootstrap <multiaddr...>',
      'peers to dial at start; replaces p2p.bootstrap from the config file',
    )
    .option(
      '--p2p-announce <multiaddr...>',
      'addresses peers are told instead of the listen address, e.g. a port forward (p2p.announce)',
    )
    .option('--p2p-dial-from <ip>', 'local IP address outbound peer connections are made from (p2p.dialFrom)')
    .option('--max-connections <n>', 'most peer connections kept open (p2p.maxConnections; default 32)')
    .option(
      '--max-connections-per-ip <n>',
      'most connections with one remote IP address (p2p.maxConnectionsPerIp; default 4)',
    )
    .option(
      '--ban-exempt <subnet...>',
      'subnets exempt from the per-IP cap and from address bans (p2p.banExempt; default loopback, devnet also private LANs)',
    )
    .option('--no-ban-exempt', 'exempt no address: loopback peers are capped and address-banned too')
    .option('--mine', 'mine blocks (mining.enabled); needs --address')
    .option('--no-mine', 'do not mine, even if the config file says so')
    .option('--address <address>', 'address paid by mined blocks (mining.address)')
    .option('--mining-threads <n>', 'proof-of-work worker threads (mining.threads; default 1)')
    .option('--train', 'train the model locally and include verified improvements (training.enabled)')
    .option('--no-train', 'do not train, even if the config file says so')
    .option(
      '--train-cpu-share <fraction>',
      'share of the CPUs the trainer may use, 0..1 (training.cpuShare; default 0.5)',
    )
    .option(
      '--aggregation <rule>',
      'merge pooled deltas by fedavg, mean, sparse-mean, median or trimmed-mean (training.aggregation; default median)',
    )
    .option(
      '--delta-density <fraction>',
      'send compressed deltas carrying this share of each weight tensor, e.g. 0.0078125 (training.deltaDensity; default: whole deltas)',
    )
    .option(
      '--delta-interval <ms>',
      'milliseconds between gossiped deltas (training.deltaIntervalMs; default 5000)',
    )
    .option('--shard-count <n>', 'slices of the training data (training.shardCount; default 8)')
    .option('--shard-index <i>', 'train on slice i (training.shardIndex; default derived from the peer id)')
    .option(
      '--payout-address <address>',
      'address credited for this node’s deltas (training.payoutAddress; default mining.address)',
    )
    .addOption(logLevelOption())
    .option('--log-pretty', 'human-readable log lines instead of JSON (log.pretty)')
    .option(
      '--log-file <file>',
      'append log lines to FILE instead of standard output, relative to the datadir; SIGHUP reopens it (log.file)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  qenex node --network devnet --mine --address <address> --datadir ./devnet-a',
    )
    .action(async (_flags: unknown, cmd: Command) => handlers.node(await parse(cmd)));

  const status = program
    .command('status')
    .description('print a running node’s chain and mining state (getblockchaininfo + getmininginfo)');
  addLocationOptions(status);
  addRpcClientOptions(status);
  status.action(async (_flags: unknown, cmd: Command) => handlers.status(await parse(cmd)));

  const dashboard = program
    .command('dashboard')
    .description('print a login link to the running node’s web dashboard (getdashboardurl)');
  addLocationOptions(dashboard);
  addRpcClientOptions(dashboard);
  dashboard.action(async (_flags: unknown, cmd: Command) => handlers.dashboard(await parse(cmd)));

  const chain = program.command('chain').description('chain maintenance commands');
  addGlobalOptions(chain);
  const verify = chain
    .command('verify')
    .description('re-validate the stored chain from genesis (run while the node is stopped)');
  addLocationOptions(verify);
  verify
    .addOption(logLevelOption())
    .action(async (_flags: unknown, cmd: Command) => handlers.chainVerify(await parse(cmd)));

  const mine = program.command('mine').description('mining commands');
  addGlobalOptions(mine);
  const mineStatus = mine
    .command('status')
    .description('print a running node’s mining state (getmininginfo)');
  addLocationOptions(mineStatus);
  addRpcClientOptions(mineStatus);
  mineStatus.action(async (_flags: unknown, cmd: Command) => handlers.mineStatus(await parse(cmd)));

  const ai = program.command('ai').description('model and training commands');
  addGlobalOptions(ai);
  const aiStatus = ai
    .command('status')
    .description('print the chain model and the local trainer’s state (getmodelinfo + gettraininginfo)');
  addLocationOptions(aiStatus);
  addRpcClientOptions(aiStatus);
  aiStatus.action(async (_flags: unknown, cmd: Command) => handlers.aiStatus(await parse(cmd)));
  const aiImprovements = ai
    .command('improvements')
    .description('list recent best-chain blocks with a verified model improvement (getimprovements)');
  addLocationOptions(aiImprovements);
  addRpcClientOptions(aiImprovements);
  aiImprovements
    .option('--last <n>', 'how many blocks (default 10)', naturalNumber)
    .action(async (flags: { last?: number }, cmd: Command) =>
      handlers.aiImprovements(await parse(cmd), flags.last ?? 10),
    );

  const aiGenerate = ai
    .command('generate')
    .description('continue a prompt with the chain model’s language head (generate); same seed, same text')
    .argument('<prompt>', 'text to continue');
  addLocationOptions(aiGenerate);
  addRpcClientOptions(aiGenerate);
  aiGenerate
    .option('--length <n>', 'characters to generate (default 200)', naturalNumber)
    .option('--seed <n>', 'sampling seed (default 0)', naturalNumber)
    .option('--temperature <t>', 'sampling temperature, 0 = greedy (default 0.7)', nonNegativeNumber)
    .action(async (prompt: string, flags: AiGenerateFlags, cmd: Command) =>
      handlers.aiGenerate(await parse(cmd), prompt, {
        ...(flags.length === undefined ? {} : { length: flags.length }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed }),
        ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      }),
    );
  const aiPredict = ai
    .command('predict')
    .description(
      'ask the chain model (predict): next characters of a text (lm) or an arithmetic answer (math)',
    )
    .argument('<domain>', 'lm or math')
    .argument('<input>', 'text (lm) or an expression such as 123+456 (math)');
  addLocationOptions(aiPredict);
  addRpcClientOptions(aiPredict);
  aiPredict.action(async (domain: string, input: string, _flags: unknown, cmd: Command) =>
    handlers.aiPredict(await parse(cmd), domain, input),
  );

  const rpc = program
    .command('rpc')
    .description('call a JSON-RPC method on a running node and print the result (like bitcoin-cli)')
    .argument('<method>', 'RPC method, e.g. getblockchaininfo')
    .argument(
      '[params...]',
      'parameters: each is JSON if it parses as JSON (42, true, null, "x", [1], {"a":1}), otherwise a string',
    );
  addLocationOptions(rpc);
  addRpcClientOptions(rpc);
  rpc
    .addHelpText(
      'after',
      [
        '',
        'Credentials come from --rpc-user/--rpc-password, else from the node’s <datadir>/.cookie.',
        'Strings print as they are, other results as JSON; on an RPC error the message goes to',
        'stderr and the exit code is 1. Put -- before parameters that start with a dash.',
        '',
        'Examples:',
        '  qenex rpc --network devnet getblockcount',
        '  qenex rpc --network devnet getblockhash 0',
      ].join('\n'),
    )
    .action(async (method: string, params: string[], _flags: unknown, cmd: Command) =>
      handlers.rpc(await parse(cmd), method, params),
    );

  const config = program.command('config').description('configuration commands');
  config
    .command('example')
    .description('print a config file holding every setting with its default and description')
    .addOption(networkOption('network whose defaults are shown (default: main)'))
    .action(async (flags: { network?: NetworkName }) => {
      const { renderDefaultConfig } = await import('../config/index.js');
      const text = renderDefaultConfig(flags.network ?? 'main');
      if (io !== undefined) io.out(text);
      else process.stdout.write(text);
    });

  addWalletCommands(
    program,
    handlers.wallet ??
      lazyWalletHandlers({
        io: io ?? { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
        env: process.env,
        input: processSecretInput(),
      }),
    parse,
    (p) => resolveUserPath(p, { homedir: env.homedir, base: env.cwd }),
  );

  return program;
}

/** `qenex wallet ...` (handlers in wallet.ts). File paths are resolved against the working directory. */
function addWalletCommands(
  program: Command,
  wallet: WalletCliHandlers,
  parse: (cmd: Command) => Promise<NodeOptions>,
  path: (p: string) => string,
): void {
  const group = program
    .command('wallet')
    .description(
      'the node’s wallet: create or import it (node stopped), then use it through the running node',
    )
    .addHelpText(
      'after',
      [
        '',
        `The passphrase comes from --passphrase-file FILE, else the ${PASSPHRASE_ENV} environment`,
        'variable, else a prompt when run in a terminal; never from a command-line argument.',
        'Amounts are in QXC (up to 8 decimals); --fee-rate is in base units per byte.',
        '',
        'Examples:',
        '  qenex wallet create --network devnet',
        '  qenex wallet address --network devnet',
        '  qenex wallet send --network devnet <address> 1.5 --dry-run',
      ].join('\n'),
    );
  addGlobalOptions(group);
  const passphraseFile = (o: { passphraseFile?: string }) =>
    o.passphraseFile !== undefined ? { passphraseFile: path(o.passphraseFile) } : {};
  const passphraseOption = '--passphrase-file <file>';
  const passphraseHelp = `file holding the wallet passphrase (else $${PASSPHRASE_ENV}, else a prompt)`;

  const create = group
    .command('create')
    .description(
      'create a new wallet in <datadir>/wallet.json and show its recovery phrase once (node stopped)',
    );
  addLocationOptions(create);
  create
    .addOption(new Option('--words <n>', 'words in the recovery phrase').choices(['12', '24']).default('24'))
    .option(passphraseOption, passphraseHelp)
    .action(async (flags: { words: string; passphraseFile?: string }, cmd: Command) =>
      wallet.create(await parse(cmd), { words: flags.words === '12' ? 12 : 24, ...passphraseFile(flags) }),
    );

  const imp = group
    .command('import')
    .description('restore a wallet from its recovery phrase into <datadir>/wallet.json (node stopped)');
  addLocationOptions(imp);
  imp
    .option('--mnemonic-file <file>', 'file holding the recovery phrase (else standard input, or a prompt)')
    .option(passphraseOption, passphraseHelp)
    .action(async (flags: { mnemonicFile?: string; passphraseFile?: string }, cmd: Command) =>
      wallet.import(await parse(cmd), {
        ...(flags.mnemonicFile !== undefined ? { mnemonicFile: path(flags.mnemonicFile) } : {}),
        ...passphraseFile(flags),
      }),
    );

  const address = group.command('address').description('a new receive address (getnewaddress)');
  addLocationOptions(address);
  addRpcClientOptions(address);
  address
    .option('--label <label>', 'label stored with the address')
    .action(async (flags: { label?: string }, cmd: Command) =>
      wallet.address(await parse(cmd), flags.label !== undefined ? { label: flags.label } : {}),
    );

  const balance = group
    .command('balance')
    .description('spendable, pending and immature balance (getbalances)');
  addLocationOptions(balance);
  addRpcClientOptions(balance);
  balance
    .option('--json', 'print the getbalances result as JSON')
    .action(async (flags: { json?: boolean }, cmd: Command) =>
      wallet.balance(await parse(cmd), { json: flags.json === true }),
    );

  const send = group
    .command('send')
    .description('pay AMOUNT QXC to ADDRESS (unlocks the wallet for the call, then locks it again)')
    .argument('<address>', 'destination address')
    .argument('<amount>', 'amount in QXC, e.g. 1.5');
  addLocationOptions(send);
  addRpcClientOptions(send);
  send
    .option('--fee-rate <rate>', 'fee rate in base units per byte (default: the node’s current minimum)')
    .option('--dry-run', 'build and sign but do not send: print inputs, outputs, fee and size')
    .option(passphraseOption, passphraseHelp)
    .action(
      async (
        addr: string,
        amount: string,
        flags: { feeRate?: string; dryRun?: boolean; passphraseFile?: string },
        cmd: Command,
      ) =>
        wallet.send(await parse(cmd), addr, amount, {
          ...(flags.feeRate !== undefined ? { feeRate: flags.feeRate } : {}),
          dryRun: flags.dryRun === true,
          ...passphraseFile(flags),
        }),
    );

  const history = group.command('history').description('recent wallet transactions (listtransactions)');
  addLocationOptions(history);
  addRpcClientOptions(history);
  history
    .option('--count <n>', 'how many entries (default 20)', naturalNumber)
    .option('--skip <n>', 'skip the n most recent entries', naturalNumber)
    .option('--json', 'print the listtransactions result as JSON')
    .action(async (flags: { count?: number; skip?: number; json?: boolean }, cmd: Command) =>
      wallet.history(await parse(cmd), {
        ...(flags.count !== undefined ? { count: flags.count } : {}),
        ...(flags.skip !== undefined ? { skip: flags.skip } : {}),
        json: flags.json === true,
      }),
    );

  const xpub = group
    .command('export-xpub')
    .description('the account’s extended public key, for a watch-only wallet (reveals all addresses)');
  addLocationOptions(xpub);
  addRpcClientOptions(xpub);
  xpub.action(async (_flags: unknown, cmd: Command) => wallet.exportXpub(await parse(cmd)));
}

function nonNegativeNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('not a non-negative number');
  return n;
}

function naturalNumber(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new InvalidArgumentError('not a whole number');
  return Number(v);
}

/**
 * The flags actually typed on the command line (commander's own defaults are not layers), those
 * typed before the command included: `qenex --network devnet wallet balance` reads --network from
 * the program. A flag typed at several levels takes the value nearest the command.
 */
export function cliFlags(cmd: Command): CliFlags {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) chain.unshift(c);
  const out: Record<string, unknown> = {};
  for (const c of chain) {
    for (const [key, value] of Object.entries(c.opts())) {
      if (c.getOptionValueSource(key) === 'cli') out[key] = value;
    }
  }
  return out as CliFlags;
}

/** The location and RPC client options on the program and the command groups (see cliFlags). */
function addGlobalOptions(cmd: Command): void {
  addLocationOptions(cmd);
  addRpcClientOptions(cmd);
}

function networkOption(description: string): Option {
  return new Option('--network <name>', description).choices(NETWORK_NAMES);
}

function logLevelOption(): Option {
  return new Option(
    '--log-level <level>',
    'least severe log level written (log.level; default info)',
  ).choices(LOG_LEVELS);
}

function addLocationOptions(cmd: Command): void {
  cmd
    .addOption(networkOption('network: main, test or devnet (default: main)'))
    .option('--datadir <dir>', 'data directory (default: ~/.qenex/<network>)')
    .option('--config <file>', 'YAML config file (default: <datadir>/qenex.yaml if it exists)');
}

function addRpcClientOptions(cmd: Command): void {
  cmd
    .option('--rpc-host <host>', 'host of the node’s JSON-RPC server (rpc.host; default 127.0.0.1)')
    .option(
      '--rpc-port <port>',
      'port of the node’s JSON-RPC server (rpc.port; default 8332 main, 18332 test, 18443 devnet)',
    )
    .option('--rpc-user <user>', 'RPC user name (default: read <datadir>/.cookie)')
    .option(
      '--rpc-password <password>',
      'RPC password; visible to other local users, prefer the cookie or config file',
    );
}
