/**
 * What the page shows, gathered from the node's own read-only RPC methods (called in process, so
 * the dashboard shows exactly what `qenex rpc` would) and the score history. The page gets a
 * full snapshot when it connects, the tip state after each new tip, the status every few seconds.
 */
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ScoreHistory, ScorePoint } from './history.js';

/** Calls one of the node's RPC methods in process. */
export type RpcCall = (
  method: string,
  params: readonly unknown[] | Record<string, unknown>,
) => Promise<unknown>;

/** Chain, model and improvements: changes with the tip. A field is null when its call failed. */
export interface TipState {
  readonly chain: unknown;
  readonly model: unknown;
  readonly improvements: unknown;
  readonly history: readonly ScorePoint[];
}

/** Peers, mempool, mining and training: polled. */
export interface StatusState {
  readonly peers: unknown;
  readonly mempool: unknown;
  readonly mining: unknown;
  readonly training: unknown;
}

/** Characters the page may ask the model to write (the RPC allows more; a page need not). */
export const OUTPUT_CHARS = 160;

/** What the page may ask for: the model's output for a prompt. */
export const outputRequest = z.object({
  type: z.literal('output'),
  id: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  prompt: z.string().min(1).max(200),
});
export type OutputRequest = z.infer<typeof outputRequest>;

export interface FeedDeps {
  readonly call: RpcCall;
  readonly history: Pick<ScoreHistory, 'points'>;
  readonly logger: Logger;
}

export class DashboardFeed {
  constructor(
    private readonly opts: { readonly improvements: number },
    private readonly deps: FeedDeps,
  ) {}

  async tip(): Promise<TipState> {
    const [chain, model, improvements, history] = await Promise.all([
      this.get('getblockchaininfo', []),
      this.get('getmodelinfo', []),
      this.get('getimprovements', [this.opts.improvements]),
      this.deps.history.points(),
    ]);
    return { chain, model, improvements, history };
  }

  async status(): Promise<StatusState> {
    const [peers, mempool, mining, training] = await Promise.all([
      this.get('getpeerinfo', []),
      this.get('getmempoolinfo', []),
      this.get('getmininginfo', []),
      this.get('gettraininginfo', []),
    ]);
    return { peers, mempool, mining, training };
  }

  /**
   * The chain model's own output for `prompt`: a continuation (seed 0, the RPC's default
   * temperature, so it is the same text `qenex ai generate` prints) and its most likely next
   * characters.
   */
  async output(req: OutputRequest): Promise<{ generate: unknown; predict: unknown }> {
    const [generate, predict] = await Promise.all([
      this.get('generate', { prompt: req.prompt, length: OUTPUT_CHARS, seed: 0 }),
      this.get('predict', ['lm', req.prompt, 5]),
    ]);
    return { generate, predict };
  }

  /** The method's result, or null (logged) when it fails: one failing call leaves the rest shown. */
  private async get(method: string, params: readonly unknown[] | Record<string, unknown>): Promise<unknown> {
    try {
      return await this.deps.call(method, params);
    } catch (err) {
      this.deps.logger.debug({ err, method }, 'dashboard data call failed');
      return null;
    }
  }
}
