/**
 * Periodic samples of the network and the machine: every node's peers (getpeerinfo: who, from
 * which address, in which direction), the nodes' resident memory and CPU time (from /proc:
 * Linux), the driver's own CPU and event-loop delay, and the load average.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RpcClient } from '../../node/rpc/index.js';

export interface PeerEntry {
  readonly peerid: string;
  readonly addrs: readonly string[];
  readonly inbound: boolean;
  readonly banscore: number;
}

export interface PeerSample {
  readonly t: number;
  /** Samples taken by one samplePeers() call share a round. */
  readonly round: number;
  readonly node: number;
  readonly peers: readonly PeerEntry[];
}

export interface MachineSample {
  readonly t: number;
  readonly runningNodes: number;
  /** Sum of the nodes' resident set sizes, MiB. */
  readonly nodesRssMiB: number;
  /** Largest single node RSS, MiB. */
  readonly maxNodeRssMiB: number;
  /** Nodes' CPU since the previous sample, in cores (1 = one core busy). */
  readonly nodesCpuCores: number;
  /** This process (driver + proxy) since the previous sample, in cores. */
  readonly driverCpuCores: number;
  /** Driver event-loop delay p99 since the previous sample, ms. */
  readonly driverLoopP99Ms: number;
  /** The whole machine's busy CPU since the previous sample, in cores (/proc/stat): minus the nodes and the driver, what else ran. */
  readonly machineBusyCores: number;
  readonly loadAvg1: number;
}

export interface SamplerDeps {
  readonly clients: () => ReadonlyArray<{ readonly node: number; readonly rpc: RpcClient }>;
  readonly pids: () => ReadonlyMap<number, number>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process (all its threads), in seconds; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of all CPUs (/proc/stat's first line). */
function machineJiffies(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class Sampler {
  readonly peers: PeerSample[] = [];
  readonly machine: MachineSample[] = [];
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = new Map<number, number>();
  private rounds = 0;
  /** CPU seconds each node (by index) used while sampled, over all its runs. */
  readonly cpuByNode = new Map<number, number>();
  private lastAt = Date.now();
  private lastDriver = process.cpuUsage();
  private lastMachine = machineJiffies();

  constructor(private readonly deps: SamplerDeps) {
    this.loop.enable();
  }

  /**
   * Samples every node's peers (in parallel; a node that does not answer is skipped), or only
   * those in `only` (then not kept in `peers`: a partial round).
   */
  async samplePeers(only?: readonly number[]): Promise<PeerSample[]> {
    const clients = this.deps.clients().filter((c) => only === undefined || only.includes(c.node));
    const round = this.rounds++;
    const got = await Promise.all(
      clients.map(async ({ node, rpc }): Promise<PeerSample | null> => {
        try {
          const peers = await rpc.call<PeerEntry[]>('getpeerinfo');
          return {
            t: Date.now(),
            round,
            node,
            peers: peers.map((p) => ({
              peerid: p.peerid,
              addrs: p.addrs,
              inbound: p.inbound,
              banscore: p.banscore,
            })),
          };
        } catch {
          return null; // stopped or busy: no sample
        }
      }),
    );
    const out = got.filter((s): s is PeerSample => s !== null);
    if (only === undefined) this.peers.push(...out);
    return out;
  }

  sampleMachine(): MachineSample {
    const now = Date.now();
    const dt = Math.max(1, now - this.lastAt) / 1000;
    let rss = 0;
    let maxRss = 0;
    let cpu = 0;
    const next = new Map<number, number>();
    for (const [node, pid] of this.deps.pids()) {
      const r = rssMiB(pid);
      if (r !== undefined) {
        rss += r;
        maxRss = Math.max(maxRss, r);
      }
      const c = cpuSeconds(pid);
      if (c === undefined) continue;
      next.set(pid, c);
      const used = c - (this.lastCpu.get(pid) ?? c);
      cpu += used;
      this.cpuByNode.set(node, (this.cpuByNode.get(node) ?? 0) + used);
    }
    const driver = process.cpuUsage(this.lastDriver);
    const machine = machineJiffies();
    const s: MachineSample = {
      t: now,
      runningNodes: next.size,
      nodesRssMiB: Math.round(rss),
      maxNodeRssMiB: Math.round(maxRss),
      nodesCpuCores: round2(cpu / dt),
      driverCpuCores: round2((driver.user + driver.system) / 1e6 / dt),
      driverLoopP99Ms: round2(this.loop.percentile(99) / 1e6),
      machineBusyCores: round2((machine.busy - this.lastMachine.busy) / CLOCK_TICKS / dt),
      loadAvg1: round2(loadavg()[0]!),
    };
    this.loop.reset();
    this.lastCpu = next;
    this.lastAt = now;
    this.lastDriver = process.cpuUsage();
    this.lastMachine = machine;
    this.machine.push(s);
    return s;
  }

  close(): void {
    this.loop.disable();
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
