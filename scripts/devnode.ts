/**
 * `npm start`: a one-command local devnet node that mines and trains, paying a fresh address.
 *
 * Creates (once) a wallet in <datadir>/wallet.json and runs `qenex node --network devnet --mine
 * --address <its first address> --train` with its data in LevelDB under <datadir> (default
 * ./.qenex-devnet): blocks pay the wallet, and so do the contributor shares of the model updates
 * its own deltas go into. Extra arguments are passed to `qenex node` (e.g. `--no-train`).
 * Ctrl-C stops it cleanly, and so does SIGTERM to npm, to its shell or to this process;
 * `npx qenex rpc --network devnet --datadir .qenex-devnet getblockchaininfo` and
 * `npx qenex wallet balance --network devnet --datadir .qenex-devnet` talk to it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../node/cli/index.js';
import { ensureDevWallet } from './devWallet.js';
import { onOrphaned } from './orphanWatch.js';

// The node's own SIGTERM handler stops it cleanly (`qenex node` runs in this process).
onOrphaned(() => process.kill(process.pid, 'SIGTERM'));

const args = process.argv.slice(2);
const di = args.indexOf('--datadir');
const datadir = resolve(di >= 0 && args[di + 1] ? args[di + 1]! : '.qenex-devnet');
if (di >= 0) args.splice(di, 2);
mkdirSync(datadir, { recursive: true, mode: 0o700 });
const dev = await ensureDevWallet(datadir);
const address = dev.address;
if (dev.created)
  console.log(`created a devnet wallet in ${datadir}/wallet.json (passphrase in ${dev.passphraseFile})`);
console.log(`mining and training to ${address}; data in ${datadir}; Ctrl-C to stop`);
const code = await main([
  process.argv[0]!,
  'qenex',
  'node',
  '--network',
  'devnet',
  '--datadir',
  datadir,
  '--mine',
  '--address',
  address,
  '--train',
  '--log-pretty',
  ...args,
]);
process.exitCode = code;
