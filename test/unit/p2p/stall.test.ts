/**
 * A node whose event loop is busy for seconds (verifying a model update on a loaded machine takes
 * that) keeps its connections. libp2p's connection monitor closed them: its ping deadline is
 * adaptive with a 5 s floor, so after a stall both the peers' pings and the node's own timed out.
 * libp2p also closes a connection when a ping is due while the previous one is unanswered (one
 * outbound ping stream per peer), so the deadline must be shorter than the interval. In a 32-node
 * netsim a miner lost every peer during one 13.8 s call (docs/netsim.md). A node now pings every
 * `pingIntervalMs` (60 s) and gives a ping `pingTimeoutMs` (45 s); the test stalls a host in a
 * child process.
 */
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { multiaddr } from '@multiformats/multiaddr';
import type { Host } from '../../../p2p/host.js';
import type { P2pOptions } from '../../../p2p/index.js';
import { ROOT } from '../../utils/proc.js';
import { startTestHost } from '../../utils/testHost.js';

const CHILD = join(ROOT, 'test/utils/stallHost.ts');
const POLYFILL = join(ROOT, 'test/utils/polyfill.ts');

/** The child host, driven line by line. */
class StallHost {
  private readonly waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  private readonly proc: ChildProcess;
  stderr = '';

  constructor(opts: Partial<P2pOptions>) {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', POLYFILL, CHILD, JSON.stringify(opts)],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const i = this.waiters.findIndex((w) => line.startsWith(w.prefix));
      if (i < 0) return;
      const w = this.waiters.splice(i, 1)[0]!;
      w.resolve(line.slice(w.prefix.length));
    });
  }

  next(prefix: string, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${prefix}' from the child; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        prefix,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line.trim());
        },
      });
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects a local host to a child host, then stalls the child `n` times for `ms` with 20 ms
 * between stalls (so that every ping either host sends meanwhile meets a stall), and counts both
 * sides' connections after.
 */
async function stallAndCount(
  opts: Partial<P2pOptions>,
  n: number,
  ms: number,
): Promise<{ local: number; child: number }> {
  const child = new StallHost(opts);
  let local: Host | null = null;
  try {
    const addr = await child.next('addr ');
    local = await startTestHost(opts);
    await local.dial(multiaddr(addr));
    assert.equal(local.getConnections().length, 1);
    child.send(`stall ${n} ${ms} 20`);
    await child.next('stalled', n * ms + 30_000);
    // Both sides' expired ping deadlines fire now, if they are going to.
    await sleep(1500);
    child.send('peers');
    const childPeers = Number(await child.next('peers '));
    return { local: local.getConnections().length, child: childPeers };
  } finally {
    await local?.stop();
    await child.stop();
  }
}

describe('p2p: a node busy for seconds keeps its connections', function () {
  this.timeout(60_000);
  const opts: Partial<P2pOptions> = { dht: false, feelerMs: 0, pingIntervalMs: 7000, pingTimeoutMs: 6500 };

  it("keeps them through 6 s stalls, longer than libp2p's 5 s ping floor, when pingTimeoutMs is longer", async () => {
    // 2 × 6 s: each host's ping falls due at least once during a stall
    assert.deepEqual(await stallAndCount(opts, 2, 6000), { local: 1, child: 1 });
  });

  it('closes them when a ping takes longer than pingTimeoutMs (a dead peer is still found)', async () => {
    assert.deepEqual(await stallAndCount({ ...opts, pingTimeoutMs: 5000 }, 2, 6000), { local: 0, child: 0 });
  });
});
