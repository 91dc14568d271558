/**
 * `npm start`: a one-command local devnet node that mines to a fresh address.
 *
 * Creates (once) a key for the miner in <datadir>/miner-key.json (mode 0600, secret key in hex:
 * devnet coins only), then runs `qenex node --network devnet --mine --address <it>` with its data
 * in LevelDB under <datadir> (default ./.qenex-devnet). Extra arguments are passed to `qenex node`.
 * Ctrl-C stops it cleanly; `npx qenex rpc --network devnet --datadir .qenex-devnet getblockchaininfo`
 * talks to it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { devnetParams, getPublicKey, hash160, toHex } from '../consensus/index.js';
import { main } from '../node/cli/index.js';
import { encodeAddress } from '../wallet/index.js';

const args = process.argv.slice(2);
const di = args.indexOf('--datadir');
const datadir = resolve(di >= 0 && args[di + 1] ? args[di + 1]! : '.qenex-devnet');
if (di >= 0) args.splice(di, 2);
mkdirSync(datadir, { recursive: true, mode: 0o700 });
const keyFile = resolve(datadir, 'miner-key.json');
let address: string;
if (existsSync(keyFile)) {
  address = (JSON.parse(readFileSync(keyFile, 'utf8')) as { address: string }).address;
} else {
  const sk = randomBytes(32);
  address = encodeAddress(hash160(getPublicKey(sk)), devnetParams);
  writeFileSync(
    keyFile,
    `${JSON.stringify({ network: 'devnet', address, secretKey: toHex(sk) }, null, 2)}\n`,
    { mode: 0o600 },
  );
  console.log(`created a fresh devnet mining key: ${keyFile}`);
}
console.log(`mining to ${address}; data in ${datadir}; Ctrl-C to stop`);
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
  '--log-pretty',
  ...args,
]);
process.exitCode = code;
