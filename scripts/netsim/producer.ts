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

export interface MinerHandle {
  readonly index: number;
  readonly address: string;
  readonly rpc: RpcClient;
}

export interface MinedRecord {
  /** When the RPC call was made (ms since the epoch). */
  readonly t: number;
  readonly miner: number;
  /** Block hashes the call returned (one, unless it failed). */
  readonly hashes: readonly string[];
  /** How long the call took (template, proof of work, the miner's own checks, connect). */
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

export class BlockProducer {
  readonly mined: MinedRecord[] = [];
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** When set, only miners it accepts are drawn. */
  private only: ((index: number) => boolean) | null = null;
  private readonly random: () => number;

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
    this.loop = this.run(abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = null;
    this.abort = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Exponential inter-arrival times: a Poisson process of rate 1/spacing.
      const wait = -Math.log(1 - this.random()) * this.opts.spacingMs;
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        return;
      }
      const candidates = this.deps.miners().filter((m) => this.only === null || this.only(m.index));
      if (candidates.length === 0) {
        this.deps.log?.('no live miner for this block');
        continue;
      }
      const m = candidates[Math.floor(this.random() * candidates.length)]!;
      const t = Date.now();
      try {
        const hashes = await m.rpc.call<string[]>('generatetoaddress', [1, m.address]);
        this.mined.push({ t, miner: m.index, hashes, ms: Date.now() - t, error: null });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.mined.push({ t, miner: m.index, hashes: [], ms: Date.now() - t, error });
        this.deps.log?.(`miner ${m.index}: generatetoaddress failed: ${error}`);
      }
    }
  }
}
