/**
 * Starts and stops a local devnet of qenex node processes on loopback (used by `npm run devnet`
 * and `npm run soak`). Node i gets its own data dir (<dir>/node-i), wallet, P2P key, free RPC and
 * P2P ports, and a bootstrap list of every other node; the first `miners` nodes mine to their
 * wallet address and the first `trainers` train, node i on shard i of `trainers`.
 *
 * `stop()` sends SIGTERM to every node still running and waits for them to exit (SIGKILL after
 * `stopTimeoutMs`). Should the calling process exit without calling it, an 'exit' hook still sends
 * SIGTERM to every node left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { packageRoot } from '../node/cli/index.js';
import { loadOrCreatePeerKey } from '../p2p/index.js';
import { ensureDevWallet } from './devWallet.js';
import { freePorts } from './ports.js';

export interface DevnetOptions {
  readonly nodes: number;
  readonly miners: number;
  readonly trainers: number;
  /** Root data dir; node i uses <dir>/node-i. */
  readonly dir: string;
  /** Extra arguments for every `qenex node`. */
  readonly extraArgs?: readonly string[];
  /** Default 'warn'. */
  readonly logLevel?: string;
  /**
   * Where node output goes: 'inherit' (this terminal, the default) or 'file' (appended to
   * <dir>/node-i/node.log).
   */
  readonly output?: 'inherit' | 'file';
  /** Called when a node process exits, whether stopped or not. */
  readonly onExit?: (node: DevnetNode, code: number | null, signal: NodeJS.Signals | null) => void;
  /** How long stop() waits for a node after SIGTERM before SIGKILL. Default 60 s. */
  readonly stopTimeoutMs?: number;
}

export interface DevnetNode {
  readonly index: number;
  readonly dir: string;
  readonly rpcPort: number;
  readonly p2pPort: number;
  readonly peerId: string;
  /** The node's wallet address (mining reward and training payout). */
  readonly address: string;
  readonly mining: boolean;
  /** Shard index when training, else null. */
  readonly shard: number | null;
  readonly rpcUrl: string;
  /** Its RPC cookie (written by the node once its RPC server is up). */
  readonly cookieFile: string;
  /** The node's log file when output is 'file', else null. */
  readonly logFile: string | null;
  readonly process: ChildProcess;
}

export interface Devnet {
  readonly root: string;
  readonly nodes: readonly DevnetNode[];
  /** SIGTERM to every node still running; resolves once all have exited. Safe to call twice. */
  stop(): Promise<void>;
}

// The same from scripts/ (tsx) and from dist/scripts/ (npm run devnet).
const bin = join(packageRoot(), 'bin/qenex.js');

function running(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}

export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  const n = opts.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error('nodes must be an integer from 1 to 32');
  const miners = Math.min(n, opts.miners);
  const trainers = Math.min(n, opts.trainers);
  if (!Number.isInteger(miners) || miners < 0) throw new Error('miners must be a non-negative integer');
  if (!Number.isInteger(trainers) || trainers < 0) throw new Error('trainers must be a non-negative integer');
  const root = resolve(opts.dir);
  const stopTimeoutMs = opts.stopTimeoutMs ?? 60_000;

  const planned: Array<Omit<DevnetNode, 'process'>> = [];
  const ports = await freePorts(2 * n);
  for (let i = 0; i < n; i++) {
    const dir = join(root, `node-${i}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = await loadOrCreatePeerKey(join(dir, 'p2p-key'));
    planned.push({
      index: i,
      dir,
      rpcPort: ports[2 * i]!,
      p2pPort: ports[2 * i + 1]!,
      peerId: peerIdFromPrivateKey(key).toString(),
      address: (await ensureDevWallet(dir)).address,
      mining: i < miners,
      shard: i < trainers ? i : null,
      rpcUrl: `http://127.0.0.1:${ports[2 * i]!}/`,
      cookieFile: join(dir, '.cookie'),
      logFile: opts.output === 'file' ? join(dir, 'node.log') : null,
    });
  }

  const nodes: DevnetNode[] = [];
  const killLeftovers = () => {
    for (const node of nodes) if (running(node.process)) node.process.kill('SIGTERM');
  };
  process.on('exit', killLeftovers);

  try {
    for (const p of planned) {
      const bootstrap = planned
        .filter((q) => q.index !== p.index)
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
        opts.logLevel ?? 'warn',
      ];
      if (bootstrap.length > 0) args.push('--bootstrap', ...bootstrap);
      if (p.mining) args.push('--mine', '--address', p.address);
      if (p.shard !== null) {
        args.push('--train', '--payout-address', p.address, '--shard-count', String(trainers));
        args.push('--shard-index', String(p.shard));
      }
      args.push(...(opts.extraArgs ?? []));
      let child: ChildProcess;
      if (p.logFile) {
        const fd = openSync(p.logFile, 'a');
        try {
          child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
        } finally {
          closeSync(fd);
        }
      } else {
        child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      }
      const node: DevnetNode = { ...p, process: child };
      child.on('exit', (code, sig) => opts.onExit?.(node, code, sig));
      child.on('error', (e) => console.error(`node-${p.index}: ${e.message}`));
      nodes.push(node);
    }
  } catch (e) {
    killLeftovers();
    throw e;
  }

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= Promise.all(
      nodes.map(
        ({ process: c }) =>
          new Promise<void>((res) => {
            if (!running(c)) return res();
            const timer = setTimeout(() => {
              if (running(c)) c.kill('SIGKILL');
            }, stopTimeoutMs);
            c.once('exit', () => {
              clearTimeout(timer);
              res();
            });
            c.kill('SIGTERM');
          }),
      ),
    ).then(() => {
      process.off('exit', killLeftovers);
    });
    return stopped;
  };
  return { root, nodes, stop };
}
