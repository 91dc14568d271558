/**
 * Which new blocks a node may relay before it has validated them (p2p gossip), and the ones it
 * let through whose validation has not finished. A block qualifies when it is new and passes
 * every check short of validating its contents: the context-free ones (proof of work, merkle
 * root, sizes, the transactions' and the update's form) and the header's context (bits, time).
 * And either
 *  - it extends the best tip and carries a model update, whose re-scoring takes tens of
 *    milliseconds to seconds, paid hop after hop when relay waits for it; or
 *  - it extends the best tip at a level-check height (consensus poi/levels.ts) of an evaluator
 *    with leveled domains: its connect scores the model on levelCheckSamples tasks of each,
 *    2–6 ms warm and about 40 ms the first time in a process (a 2,048-task check of the network
 *    model, measured 2026-12-08), the slowest of a hundred in scratch runs of the propagation
 *    bench's mesh; or
 *  - it extends the best tip while another block is being processed (a model update's scoring
 *    holds the chain for seconds on a busy machine): a block without an update validates in
 *    milliseconds, but only once it gets the chain, and it would wait that long at every hop
 *    (netsim run 16: plain blocks reached all 30 nodes at p99 1,970 ms, update blocks 244 ms);
 *    with nothing in flight it is validated first, and a sender of an invalid one is penalised; or
 *  - it extends a block let through here whose validation has not finished, itself a child of
 *    the tip: it would otherwise wait behind that scoring at every hop (a block mined 2 s after an
 *    update block took 1.5 s to reach all 32 nodes of a netsim, the others ≤ 0.55 s).
 * Its proof of work bounds what a liar can make the network carry, as for Bitcoin Core's BIP152
 * high-bandwidth relay. A block let through is remembered until the chain has handled it.
 */
import {
  type Block,
  type BlockHeader,
  blockWithIds,
  checkBlockSanity,
  checkHeaderContext,
  equalBytes,
  type HeaderContext,
  isLevelCheckHeight,
  type NetworkParams,
  toHex,
  VerdictError,
} from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';
import type { BlockIndex } from './blockIndex.js';
import { headerContext, headerContextAfterTip } from './headerContext.js';

/** Blocks let through and not yet handled that are remembered (the oldest is forgotten first). */
const MAX_PENDING = 16;

/** What the decision reads of the chain at that moment. */
export interface EarlyRelayState {
  readonly index: BlockIndex;
  readonly tip: ChainEntry;
  /** Clock ms (the header's time is judged against it). */
  readonly now: number;
  /** Another block is being processed or waits for the chain. */
  readonly busy: boolean;
  /** The orphan pool holds the block (by hex hash). */
  readonly orphaned: (hex: string) => boolean;
}

export class EarlyRelay {
  /** Headers of blocks let through that the chain has not handled yet, by hex hash. */
  private readonly pending = new Map<string, BlockHeader>();

  /** `leveled`: the evaluator has leveled domains, so a level-check height costs a check. */
  constructor(
    private readonly params: NetworkParams,
    private readonly leveled: boolean,
  ) {}

  /** True when `block` may be relayed before validation (it is then remembered until `handled`). */
  admit(block: Block, s: EarlyRelayState): boolean {
    let ctx: HeaderContext;
    if (equalBytes(block.header.prevHash, s.tip.hash)) {
      const checks = this.leveled && isLevelCheckHeight(s.tip.height + 1, this.params);
      if (!block.update && !s.busy && !checks) return false; // validated in milliseconds, now
      ctx = headerContext(s.index, s.tip, s.now, this.params);
    } else {
      const parent = this.pending.get(toHex(block.header.prevHash));
      if (!parent || !equalBytes(parent.prevHash, s.tip.hash)) return false;
      ctx = headerContextAfterTip(s.index, parent, s.now, this.params);
    }
    const b = blockWithIds(block);
    const hex = toHex(b.hash);
    if (s.index.get(b.hash) || s.orphaned(hex)) return false;
    try {
      checkBlockSanity(b, this.params);
      checkHeaderContext(block.header, ctx, this.params);
    } catch (e) {
      if (e instanceof VerdictError) return false;
      throw e;
    }
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(hex, block.header);
    return true;
  }

  /** The chain has handled the block with this hex hash (connected, stored or refused it). */
  handled(hex: string): void {
    this.pending.delete(hex);
  }

  get size(): number {
    return this.pending.size;
  }
}
