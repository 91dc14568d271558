/**
 * Child process of test/unit/p2p/stall.test.ts: a libp2p host built the way a node builds it
 * (p2p/host.ts) whose event loop the test can block, as a long synchronous job (verifying a model
 * update on a loaded machine) blocks a node's.
 *
 * Usage: node --import tsx --import ./test/utils/polyfill.ts test/utils/stallHost.ts '<p2p options JSON>'
 * Prints `addr <multiaddr>` once listening. Reads commands on stdin, one per line:
 *   `stall <n> <ms> <gap>`  blocks the event loop for `ms`, `n` times, letting it run `gap` ms
 *                           between two stalls, then prints `stalled`;
 *   `peers`       prints `peers <number of open connections>`.
 */
import { createInterface } from 'node:readline';
import { startTestHost } from './testHost.js';

const host = await startTestHost(JSON.parse(process.argv[2] ?? '{}'));
console.log(`addr ${host.getMultiaddrs()[0]!.toString()}`);

async function stalls(n: number, ms: number, gap: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, gap));
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // busy: nothing else runs on this thread meanwhile
    }
  }
  console.log('stalled');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, n, ms, gap] = line.trim().split(' ');
  if (cmd === 'stall') {
    void stalls(Number(n), Number(ms), Number(gap));
  } else if (cmd === 'peers') {
    console.log(`peers ${host.getConnections().length}`);
  }
});
process.stdin.on('end', () => {
  void Promise.resolve(host.stop()).then(() => process.exit(0));
});
