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
 *
 * Without the proxy (`proxied: false`, the block propagation bench's process mesh) a node announces
 * the address it listens on, bootstraps from nobody, and is linked by whoever runs it.
 *
 * Ports are picked free (bound to port 0 and closed; every node's RPC port distinct) and bound by
 * the node a moment later, so another process can take one in between. A node that exits at start
 * because a port it was given is in use (it prints the address it could not bind,
 * node/listenFailure.ts) is started again on fresh listen ports, up to `startAttempts` processes.
 * Its public port stays: the proxy holds it for the whole run, so the address it announces and
 * the seeds' bootstrap addresses stay valid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { loadOrCreatePeerKey } from '../../p2p/index.js';
import { ensureDevWallet } from '../devWallet.js';
import { freePort } from '../ports.js';

const BIN = resolve(import.meta.dirname, '../../bin/qenex.js');
/** Where every node's RPC listens (the node's default RPC host). */
const RPC_HOST = '127.0.0.1';

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

/** The address node `p` listens on for peers: where to dial it when there is no proxy. */
export function listenAddr(p: NodePlan): string {
  return `/ip4/${p.ip}/tcp/${p.privatePort}/p2p/${p.peerId}`;
}

/**
 * Ports for a node to listen on: P2P on its own address (never its `publicPort`, the proxy's), RPC
 * on RPC_HOST, which every node shares (never one of `rpcTaken`, the other nodes': a port picked
 * free and closed can be picked again).
 */
async function listenPorts(
  ip: string,
  publicPort: number,
  rpcTaken: ReadonlySet<number>,
): Promise<{ privatePort: number; rpcPort: number }> {
  let privatePort = await freePort(ip);
  while (privatePort === publicPort) privatePort = await freePort(ip);
  let rpcPort = await freePort(RPC_HOST);
  while (rpcTaken.has(rpcPort)) rpcPort = await freePort(RPC_HOST);
  return { privatePort, rpcPort };
}

/** A port a node was given, found in use when the node tried to listen on it. */
export interface PortClash {
  readonly listener: 'p2p' | 'rpc';
  readonly port: number;
}

/** Node's errno text for a taken port, which the node prints when it cannot listen. */
const IN_USE = /EADDRINUSE: address already in use ([\d.]+):(\d+)/g;

/** The clash with one of `p`'s listen ports in what its process printed; null when there is none. */
export function findPortClash(p: NodePlan, output: string): PortClash | null {
  for (const m of output.matchAll(IN_USE)) {
    const port = Number(m[2]);
    if (m[1] === p.ip && port === p.privatePort) return { listener: 'p2p', port };
    if (m[1] === RPC_HOST && port === p.rpcPort) return { listener: 'rpc', port };
  }
  return null;
}

/** The last `lines` lines of a node's log ('' when it cannot be read): what a failure report quotes. */
export function logTail(file: string, lines: number): string {
  return readFrom(file, 0).trimEnd().split('\n').slice(-lines).join('\n');
}

/** The last 64 KiB (at most) of what was appended to `file` from byte `from` on; '' when it cannot be read. */
function readFrom(file: string, from: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(from, size - 65_536);
      const buf = Buffer.alloc(Math.max(0, size - start));
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
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
    const publicPort = await freePort(ip);
    const { privatePort, rpcPort } = await listenPorts(ip, publicPort, new Set(out.map((q) => q.rpcPort)));
    const peerId = peerIdFromPrivateKey(await loadOrCreatePeerKey(join(dir, 'p2p-key'))).toString();
    out.push({
      index: i,
      name,
      ip,
      privatePort,
      publicPort,
      rpcPort,
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
  /** Processes a start may take when ports it was given turn out to be in use. Default 3. */
  readonly startAttempts?: number;
  /**
   * Whether the nodes sit behind the DelayNet proxy (announcing their `publicPort` and bootstrapping
   * from the seeds there). false: no proxy, a node announces the address it listens on
   * (`listenAddr`) and gets no bootstrap list; the caller links the nodes (e.g. RPC `addnode`).
   * Default true.
   */
  readonly proxied?: boolean;
  /** Node.js flags for one node's process, before the script (e.g. `--cpu-prof` for that node only). */
  readonly nodeFlags?: (plan: NodePlan) => readonly string[];
}

const NICE = '/usr/bin/nice';

export interface NodeSetDeps {
  /** A node is down (its process exited, with no new attempt to follow); `expected`: we stopped it. */
  readonly onExit?: (plan: NodePlan, code: number | null, signal: string | null, expected: boolean) => void;
  /**
   * A node exited at start over `clash` and got fresh listen ports (`plan`, now in `plans`); it is
   * started again on them right after this returns: move whatever uses its ports here.
   */
  readonly onNewPorts?: (plan: NodePlan, clash: PortClash) => void;
  /** A node could not start (a port it was given was in use at every attempt; the error names both); onExit follows. */
  readonly onStartFailed?: (error: Error) => void;
}

interface Running {
  /** The current process: a start on fresh ports replaces it. */
  child: ChildProcess;
  /** Size of the node's log when `child` started: what it printed comes after. */
  logFrom: number;
  /** Processes started so far. */
  attempts: number;
  readonly startedAt: number;
  stopping: boolean;
  /** Resolves once the node is down: its process exited and no new attempt follows. */
  readonly exited: Promise<void>;
  /** Resolves `exited`. */
  readonly down: () => void;
}

/** Starts, stops and restarts the planned nodes. */
export class NodeSet {
  /** The nice increment the nodes run with (0 when not lowered). */
  readonly nice: number;
  /** The current plans: a node started again on fresh ports has a new entry. */
  private readonly current: NodePlan[];
  private readonly running = new Map<number, Running>();
  private readonly seeds: string[];
  private readonly killLeftovers = () => {
    for (const r of this.running.values()) r.child.kill('SIGKILL');
  };

  constructor(
    private readonly opts: NodeSetOptions,
    private readonly deps: NodeSetDeps = {},
  ) {
    this.current = [...opts.plans];
    this.seeds = opts.plans.filter((p) => p.roles.seed).map((p) => p.publicAddr);
    this.nice = (opts.nice ?? 0) > 0 && existsSync(NICE) ? (opts.nice ?? 0) : 0;
    process.on('exit', this.killLeftovers);
  }

  /** Every node's plan, with the ports it runs on now (this array's entries change when a node gets fresh ports). */
  get plans(): readonly NodePlan[] {
    return this.current;
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
      '--p2p-dial-from',
      p.ip,
      '--log-level',
      o.logLevel ?? 'info',
    ];
    if (o.proxied ?? true) {
      args.push('--p2p-announce', `/ip4/${p.ip}/tcp/${p.publicPort}`);
      const bootstrap = this.seeds.filter((a) => a !== p.publicAddr);
      if (bootstrap.length > 0) args.push('--bootstrap', ...bootstrap);
    }
    if (p.roles.trainer && p.address !== null && p.shard !== null) {
      const trainers = this.current.filter((q) => q.roles.trainer).length;
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
    const p = this.current[index];
    if (!p) throw new RangeError(`no node ${index}`);
    if (this.running.has(index)) return;
    let down: () => void = () => {};
    const exited = new Promise<void>((r) => {
      down = r;
    });
    const run: Running = {
      ...this.spawn(p),
      attempts: 1,
      startedAt: Date.now(),
      stopping: false,
      exited,
      down,
    };
    this.running.set(index, run);
    this.watch(index, run);
  }

  private spawn(p: NodePlan): { child: ChildProcess; logFrom: number } {
    const fd = openSync(p.logFile, 'a');
    try {
      const flags = this.opts.nodeFlags?.(p) ?? [];
      // nice(1) execs node in place: the child's pid is the node's.
      const [cmd, args] =
        this.nice > 0
          ? [NICE, ['-n', String(this.nice), process.execPath, ...flags, BIN, ...this.args(p)]]
          : [process.execPath, [...flags, BIN, ...this.args(p)]];
      const logFrom = fstatSync(fd).size;
      const child = spawn(cmd, args, {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...(this.opts.fromSource === false ? {} : { QENEX_FROM_SOURCE: '1' }) },
      });
      return { child, logFrom };
    } finally {
      closeSync(fd);
    }
  }

  private watch(index: number, run: Running): void {
    const { child } = run;
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      const finish = () => {
        if (this.running.get(index) === run) this.running.delete(index);
        this.deps.onExit?.(this.current[index]!, code, signal, run.stopping);
        run.down();
      };
      this.startAgainOnClash(index, run, code).then(
        (again) => {
          if (!again) finish();
        },
        (e: unknown) => {
          const p = this.current[index]!;
          this.deps.onStartFailed?.(
            new Error(
              `${p.name} could not start again after a port clash: ${e instanceof Error ? e.message : String(e)}`,
            ),
          );
          finish();
        },
      );
    });
  }

  /**
   * After an exit: when the node could not listen on a port it was given, starts it again on fresh
   * listen ports (true), unless it was being stopped or that was its last attempt.
   */
  private async startAgainOnClash(index: number, run: Running, code: number | null): Promise<boolean> {
    const p = this.current[index]!;
    if (run.stopping || code === 0) return false;
    const clash = findPortClash(p, readFrom(p.logFile, run.logFrom));
    if (!clash) return false;
    if (run.attempts >= (this.opts.startAttempts ?? 3)) {
      const port = `${clash.listener === 'p2p' ? `P2P port ${p.ip}` : `RPC port ${RPC_HOST}`}:${clash.port}`;
      const attempts = `${run.attempts} attempt${run.attempts === 1 ? '' : 's'}`;
      this.deps.onStartFailed?.(
        new Error(
          `${p.name} could not start: its ${port} was in use (${attempts}, fresh ports for each retry); see ${p.logFile}`,
        ),
      );
      return false;
    }
    const rpcTaken = new Set(this.current.map((q) => q.rpcPort));
    const next: NodePlan = { ...p, ...(await listenPorts(p.ip, p.publicPort, rpcTaken)) };
    if (run.stopping) return false;
    this.current[index] = next;
    this.deps.onNewPorts?.(next, clash);
    const { child, logFrom } = this.spawn(next);
    run.child = child;
    run.logFrom = logFrom;
    run.attempts++;
    this.watch(index, run);
    return true;
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the process has exited (no new attempt follows). */
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
