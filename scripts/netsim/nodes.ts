/**
 * The netsim's node processes: real `qenex node` processes (bin/qenex.js, the entry `npm start`
 * and the devnet use) on the devnet, each with its own data dir, wallet (miners and trainers), P2P
 * key and loopback address. Node i listens on (ip_i, privatePort) and announces (ip_i,
 * publicPort), where the DelayNet proxy listens for it; it dials from ip_i. Every node bootstraps
 * from the two seeds only (node 0 and node 1) and finds the rest through the DHT.
 *
 * Roles: nodes 0 and 1 are the seeds; the next `miners` nodes mine (the BlockProducer asks them
 * for blocks by RPC); the next `trainers` nodes train (`--train`, on shard k of `trainers`); the
 * rest are plain nodes. The netsim alternates roles across the two partition groups (even and odd
 * indices), so both halves of a partition have a seed and, with two or more, a miner.
 *
 * Each node's standard output and error are appended to <dir>/node.log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { loadOrCreatePeerKey } from '../../p2p/index.js';
import { ensureDevWallet } from '../devWallet.js';

const BIN = resolve(import.meta.dirname, '../../bin/qenex.js');

export interface NodeRoles {
  readonly seed: boolean;
  readonly miner: boolean;
  readonly trainer: boolean;
}

export interface NodePlan {
  readonly index: number;
  readonly name: string;
  /** The node's own loopback address (it listens and dials from here). */
  readonly ip: string;
  readonly privatePort: number;
  /** The proxy's port for this node: the address it announces. */
  readonly publicPort: number;
  readonly rpcPort: number;
  readonly dir: string;
  readonly logFile: string;
  readonly peerId: string;
  /** /ip4/<ip>/tcp/<publicPort>/p2p/<peerId> */
  readonly publicAddr: string;
  readonly roles: NodeRoles;
  /** Wallet address of a miner or trainer (block reward, delta payout). */
  readonly address: string | null;
  /** Training shard of a trainer. */
  readonly shard: number | null;
}

export interface PlanOptions {
  readonly nodes: number;
  readonly miners: number;
  readonly trainers: number;
  /** Root data dir; node i uses <root>/n<i>. */
  readonly root: string;
}

/** node i's loopback address. */
export function nodeIp(index: number): string {
  return `127.0.1.${index + 1}`;
}

/** A TCP port free on `ip` a moment ago. */
export function freePortOn(ip: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, ip, () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function pad(i: number, n: number): string {
  return String(i).padStart(String(n - 1).length, '0');
}

/** Assigns roles, addresses, ports, keys and wallets (created in the data dirs). */
export async function planNetwork(opts: PlanOptions): Promise<NodePlan[]> {
  const { nodes: n, miners, trainers } = opts;
  if (!Number.isInteger(n) || n < 3 || n > 250)
    throw new RangeError('nodes must be an integer from 3 to 250');
  if (!Number.isInteger(miners) || miners < 1 || !Number.isInteger(trainers) || trainers < 0)
    throw new RangeError('at least one miner, and a non-negative number of trainers');
  if (2 + miners + trainers > n) throw new RangeError('seeds + miners + trainers exceed the node count');
  const out: NodePlan[] = [];
  let shard = 0;
  for (let i = 0; i < n; i++) {
    const name = `n${pad(i, n)}`;
    const dir = join(resolve(opts.root), name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const roles: NodeRoles = {
      seed: i < 2,
      miner: i >= 2 && i < 2 + miners,
      trainer: i >= 2 + miners && i < 2 + miners + trainers,
    };
    const ip = nodeIp(i);
    const publicPort = await freePortOn(ip);
    let privatePort = await freePortOn(ip);
    while (privatePort === publicPort) privatePort = await freePortOn(ip);
    const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(join(dir, 'p2p-key'))).toString();
    out.push({
      index: i,
      name,
      ip,
      privatePort,
      publicPort,
      rpcPort: await freePortOn('127.0.0.1'),
      dir,
      logFile: join(dir, 'node.log'),
      peerId,
      publicAddr: `/ip4/${ip}/tcp/${publicPort}/p2p/${peerId}`,
      roles,
      address: roles.miner || roles.trainer ? (await ensureDevWallet(dir)).address : null,
      shard: roles.trainer ? shard++ : null,
    });
  }
  return out;
}

export interface NodeSetOptions {
  readonly plans: readonly NodePlan[];
  readonly rpcUser: string;
  readonly rpcPassword: string;
  /** Node log level; default 'info'. */
  readonly logLevel?: string;
  /** Share of a core each trainer's worker may use. */
  readonly trainCpuShare: number;
  /** Run the TypeScript sources through tsx (the working tree) rather than dist/. Default true. */
  readonly fromSource?: boolean;
  /** SIGKILL a node this long after SIGTERM. Default 30 s. */
  readonly stopTimeoutMs?: number;
  /** Run each node under nice(1) with this increment (when /usr/bin/nice exists). Default 0: not. */
  readonly nice?: number;
}

const NICE = '/usr/bin/nice';

export interface NodeSetDeps {
  /** A node process exited; `expected`: we stopped it. */
  readonly onExit?: (plan: NodePlan, code: number | null, signal: string | null, expected: boolean) => void;
}

interface Running {
  readonly child: ChildProcess;
  readonly startedAt: number;
  stopping: boolean;
  readonly exited: Promise<void>;
}

/** Starts, stops and restarts the planned nodes. */
export class NodeSet {
  readonly plans: readonly NodePlan[];
  /** The nice increment the nodes run with (0 when not lowered). */
  readonly nice: number;
  private readonly running = new Map<number, Running>();
  private readonly seeds: string[];
  private readonly killLeftovers = () => {
    for (const r of this.running.values()) r.child.kill('SIGKILL');
  };

  constructor(
    private readonly opts: NodeSetOptions,
    private readonly deps: NodeSetDeps = {},
  ) {
    this.plans = opts.plans;
    this.seeds = opts.plans.filter((p) => p.roles.seed).map((p) => p.publicAddr);
    this.nice = (opts.nice ?? 0) > 0 && existsSync(NICE) ? (opts.nice ?? 0) : 0;
    process.on('exit', this.killLeftovers);
  }

  /** The `qenex node` arguments of a node. */
  args(p: NodePlan): string[] {
    const o = this.opts;
    const args = [
      'node',
      '--network',
      'devnet',
      '--datadir',
      p.dir,
      '--rpc-port',
      String(p.rpcPort),
      '--rpc-user',
      o.rpcUser,
      '--rpc-password',
      o.rpcPassword,
      '--rpc-ws',
      '--no-dashboard',
      '--p2p-host',
      p.ip,
      '--p2p-port',
      String(p.privatePort),
      '--p2p-announce',
      `/ip4/${p.ip}/tcp/${p.publicPort}`,
      '--p2p-dial-from',
      p.ip,
      '--log-level',
      o.logLevel ?? 'info',
    ];
    const bootstrap = this.seeds.filter((a) => a !== p.publicAddr);
    if (bootstrap.length > 0) args.push('--bootstrap', ...bootstrap);
    if (p.roles.trainer && p.address !== null && p.shard !== null) {
      const trainers = this.plans.filter((q) => q.roles.trainer).length;
      args.push('--train', '--train-cpu-share', String(o.trainCpuShare), '--payout-address', p.address);
      args.push('--shard-count', String(trainers), '--shard-index', String(p.shard));
    }
    return args;
  }

  isRunning(index: number): boolean {
    const r = this.running.get(index);
    return r !== undefined && !r.stopping;
  }

  pid(index: number): number | undefined {
    return this.running.get(index)?.child.pid;
  }

  /** Pids of every running node, by index. */
  pids(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [i, r] of this.running) if (r.child.pid !== undefined) out.set(i, r.child.pid);
    return out;
  }

  start(index: number): void {
    const p = this.plans[index];
    if (!p) throw new RangeError(`no node ${index}`);
    if (this.running.has(index)) return;
    const fd = openSync(p.logFile, 'a');
    let child: ChildProcess;
    try {
      // nice(1) execs node in place: the child's pid is the node's.
      const [cmd, args] =
        this.nice > 0
          ? [NICE, ['-n', String(this.nice), process.execPath, BIN, ...this.args(p)]]
          : [process.execPath, [BIN, ...this.args(p)]];
      child = spawn(cmd, args, {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...(this.opts.fromSource === false ? {} : { QENEX_FROM_SOURCE: '1' }) },
      });
    } finally {
      closeSync(fd);
    }
    let done: () => void = () => {};
    const exited = new Promise<void>((r) => {
      done = r;
    });
    const run: Running = { child, startedAt: Date.now(), stopping: false, exited };
    this.running.set(index, run);
    child.on('exit', (code, signal) => {
      if (this.running.get(index) === run) this.running.delete(index);
      this.deps.onExit?.(p, code, signal, run.stopping);
      done();
    });
    child.on('error', () => {});
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the process has exited. */
  async stop(index: number): Promise<void> {
    const run = this.running.get(index);
    if (!run) return;
    run.stopping = true;
    const timer = setTimeout(() => run.child.kill('SIGKILL'), this.opts.stopTimeoutMs ?? 30_000);
    run.child.kill('SIGTERM');
    await run.exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((i) => this.stop(i)));
    process.off('exit', this.killLeftovers);
  }
}

/** A random password for the nodes' RPC (the netsim's nodes share one). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}
