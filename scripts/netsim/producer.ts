/**
 * The netsim's hash power. On devnet a block's proof of work is trivial, so a node's own miner
 * would find one every second; instead block discovery is a Poisson process with the configured
 * mean spacing (what real proof of work gives), and at each event one of the live miners, drawn
 * at random (equal hash power), is asked to mine one block on its current tip
 * (`generatetoaddress 1 <its address>`: the node builds the template, pooled model deltas
 * included, mines, connects and announces it like any mined block). A miner that has not yet
 * heard of the latest block mines on a stale tip, which is how stale blocks arise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcClient } from '../../node/rpc/index.js';
import { exponentialMs } from './random.js';

export interface MinerHandle {
  readonly index: number;
  readonly address: string;
  readonly rpc: RpcClient;
}

export interface MinedRecord {
  /** When the Poisson clock found the block. */
  readonly due: number;
  /** When the RPC call was made (later than `due` while every miner was busy), ms since the epoch. */
  readonly t: number;
  readonly miner: number;
  /** Block hashes the call returned (one, unless it failed). */
  readonly hashes: readonly string[];
  /** How long the call took (template with any pooled model update, proof of work, the miner's own checks, connect). */
  readonly ms: number;
  readonly error: string | null;
}

export interface ProducerOptions {
  /** Mean block spacing, ms. */
  readonly spacingMs: number;
}

export interface ProducerDeps {
  /** Miners that may be asked now (running, RPC up). */
  readonly miners: () => readonly MinerHandle[];
  /** Uniform [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

/**
 * The Poisson clock runs on its own: a block found while every eligible miner is still busy with
 * its previous call waits for the first one free (a node handles one generatetoaddress at a time),
 * and the record keeps both times.
 */
export class BlockProducer {
  readonly mined: MinedRecord[] = [];
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** When set, only miners it accepts are drawn. */
  private only: ((index: number) => boolean) | null = null;
  private readonly random: () => number;
  private readonly busy = new Set<number>();
  private readonly pending: number[] = [];
  private readonly calls = new Set<Promise<void>>();
  private wake: (() => void) | null = null;

  constructor(
    private readonly opts: ProducerOptions,
    private readonly deps: ProducerDeps,
  ) {
    this.random = deps.random ?? Math.random;
  }

  /** Restricts block discovery to some miners (null: all of them). */
  restrict(only: ((index: number) => boolean) | null): void {
    this.only = only;
  }

  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = Promise.all([this.clock(abort.signal), this.dispatch(abort.signal)]).then(() => {});
  }

  /** Stops the clock; waits for calls in flight. Blocks found but not yet handed out are dropped. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    await Promise.all(this.calls);
    this.loop = null;
    this.abort = null;
    this.pending.length = 0;
  }

  private async clock(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Exponential inter-arrival times: a Poisson process of rate 1/spacing.
      const wait = exponentialMs(this.random, this.opts.spacingMs);
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        return;
      }
      this.pending.push(Date.now());
      this.wake?.();
    }
  }

  private async dispatch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const due = this.pending[0];
      const free =
        due === undefined
          ? []
          : this.deps
              .miners()
              .filter((m) => !this.busy.has(m.index) && (this.only === null || this.only(m.index)));
      if (due === undefined || free.length === 0) {
        // Wait for a block, a miner to come free, or a second (miners come and go).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        continue;
      }
      this.pending.shift();
      const m = free[Math.floor(this.random() * free.length)]!;
      const call = this.mine(m, due).finally(() => {
        this.calls.delete(call);
        this.wake?.();
      });
      this.calls.add(call);
    }
  }

  private async mine(m: MinerHandle, due: number): Promise<void> {
    this.busy.add(m.index);
    const t = Date.now();
    try {
      const hashes = await m.rpc.call<string[]>('generatetoaddress', [1, m.address]);
      this.mined.push({ due, t, miner: m.index, hashes, ms: Date.now() - t, error: null });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.mined.push({ due, t, miner: m.index, hashes: [], ms: Date.now() - t, error });
      this.deps.log?.(`miner ${m.index}: generatetoaddress failed: ${error}`);
    } finally {
      this.busy.delete(m.index);
    }
  }
}
