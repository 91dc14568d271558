/**
 * `npm run devnet -- --nodes N [--miners M] [--trainers T] [--dir D]`: a local devnet of N qenex
 * node processes on loopback, each with its own data dir (D/node-i, default ./.qenex-devnet-net)
 * and wallet, bootstrapped to each other; the first M nodes (default 2) mine, and the first T
 * (default all) train, node i on shard i of T, crediting its wallet address for its deltas.
 * Prints where each RPC listens.
 * Ctrl-C stops them all cleanly (SIGTERM to every node, then waits for them to exit), and so does
 * SIGTERM to npm, to its shell or to this process.
 */
// libp2p (the peer keys below) needs Promise.withResolvers, which Node 20 lacks.
import '../node/polyfill.js';
import { parseArgs } from 'node:util';
import { startDevnet } from './devnetProcs.js';
import { onOrphaned } from './orphanWatch.js';

const USAGE = 'usage: npm run devnet -- [--nodes N] [--miners M] [--trainers T] [--dir D]';

function parseFlags() {
  try {
    return parseArgs({
      options: {
        nodes: { type: 'string', default: '3' },
        miners: { type: 'string', default: '2' },
        trainers: { type: 'string' },
        dir: { type: 'string', default: '.qenex-devnet-net' },
      },
    }).values;
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exit(2);
  }
}

const values = parseFlags();
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

const devnet = await startDevnet({
  nodes: n,
  miners,
  trainers,
  dir: values.dir,
  onExit: (node, code, sig) => console.log(`node-${node.index} exited (${sig ?? code})`),
});

console.log(`devnet of ${n} nodes (${miners} mining, ${trainers} training) in ${devnet.root}`);
for (const p of devnet.nodes) {
  console.log(
    `  node-${p.index}: rpc ${p.rpcUrl.replace(/\/$/, '')}  p2p /ip4/127.0.0.1/tcp/${p.p2pPort}/p2p/${p.peerId}${p.mining ? `  mining to ${p.address}` : ''}${p.shard !== null ? `  training shard ${p.shard}/${trainers}` : ''}`,
  );
  console.log(
    `           npx qenex rpc --network devnet --datadir ${p.dir} --rpc-port ${p.rpcPort} getblockchaininfo`,
  );
}
console.log('Ctrl-C stops every node.');

let stopping = false;
const stopAll = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the devnet…');
  await devnet.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());
onOrphaned(() => void stopAll());
