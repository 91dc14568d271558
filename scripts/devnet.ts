/**
 * `npm run devnet -- --nodes N [--miners M] [--trainers T] [--dir D]`: a local devnet of N qenex
 * node processes on loopback, each with its own data dir (D/node-i, default ./.qenex-devnet-net)
 * and wallet, bootstrapped to each other; the first M nodes (default 2) mine, and the first T
 * (default all) train, node i on shard i of T, crediting its wallet address for its deltas.
 * Prints where each RPC listens.
 * Ctrl-C stops them all cleanly (SIGTERM to every node, then waits for them to exit).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { loadOrCreatePeerKey } from '../p2p/index.js';
import { ensureDevWallet } from './devWallet.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    miners: { type: 'string', default: '2' },
    trainers: { type: 'string' },
    dir: { type: 'string', default: '.qenex-devnet-net' },
  },
});
const n = Number(values.nodes);
const miners = Math.min(n, Number(values.miners));
const trainers = Math.min(n, values.trainers === undefined ? n : Number(values.trainers));
if (!Number.isInteger(trainers) || trainers < 0) {
  console.error('--trainers must be a non-negative integer');
  process.exit(2);
}
if (!Number.isInteger(n) || n < 1 || n > 32) {
  console.error('--nodes must be an integer from 1 to 32');
  process.exit(2);
}
const root = resolve(values.dir);
const bin = resolve(import.meta.dirname, '../bin/qenex.js');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface Planned {
  dir: string;
  rpcPort: number;
  p2pPort: number;
  peerId: string;
  address: string;
}

const planned: Planned[] = [];
for (let i = 0; i < n; i++) {
  const dir = join(root, `node-${i}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreatePeerKey(join(dir, 'p2p-key'));
  planned.push({
    dir,
    rpcPort: await freePort(),
    p2pPort: await freePort(),
    peerId: peerIdFromPrivateKey(key).toString(),
    address: (await ensureDevWallet(dir)).address,
  });
}

const children: ChildProcess[] = [];
planned.forEach((p, i) => {
  const bootstrap = planned
    .filter((_, j) => j !== i)
    .map((q) => `/ip4/127.0.0.1/tcp/${q.p2pPort}/p2p/${q.peerId}`);
  const args = [
    bin,
    'node',
    '--network',
    'devnet',
    '--datadir',
    p.dir,
    '--rpc-port',
    String(p.rpcPort),
    '--p2p-port',
    String(p.p2pPort),
    '--log-level',
    'warn',
  ];
  if (bootstrap.length > 0) args.push('--bootstrap', ...bootstrap);
  if (i < miners) args.push('--mine', '--address', p.address);
  if (i < trainers) {
    args.push('--train', '--payout-address', p.address, '--shard-count', String(trainers));
    args.push('--shard-index', String(i));
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, sig) => console.log(`node-${i} exited (${sig ?? code})`));
  children.push(child);
});

console.log(`devnet of ${n} nodes (${miners} mining, ${trainers} training) in ${root}`);
planned.forEach((p, i) => {
  console.log(
    `  node-${i}: rpc http://127.0.0.1:${p.rpcPort}  p2p /ip4/127.0.0.1/tcp/${p.p2pPort}/p2p/${p.peerId}${i < miners ? `  mining to ${p.address}` : ''}${i < trainers ? `  training shard ${i}/${trainers}` : ''}`,
  );
  console.log(
    `           npx qenex rpc --network devnet --datadir ${p.dir} --rpc-port ${p.rpcPort} getblockchaininfo`,
  );
});
console.log('Ctrl-C stops every node.');

let stopping = false;
const stopAll = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the devnet…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          c.once('exit', () => res());
          c.kill('SIGTERM');
        }),
    ),
  );
  process.exit(0);
};
process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());
