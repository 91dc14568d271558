/**
 * An honest in-memory P2pChain for p2p tests: a TestChain (real blocks, the real validation
 * pipeline) plus a block map to serve headers and blocks, a small orphan pool and the model
 * checkpoints by hash. Side branches are stored after the context-free checks only (the TestChain
 * is linear); weights count work only (the tests mine no model updates).
 */
import {
  type Block,
  type BlockHeader,
  type BlockWithIds,
  blockWeight,
  blockWithIds,
  checkBlockSanity,
  checkProofOfWork,
  devnetParams,
  encodeBlock,
  genesisBlock,
  type Hash,
  type NetworkParams,
  toHex,
  workFromBits,
} from '../../../consensus/index.js';
import type { BlockPlace, BlockProcessStatus, P2pChain, TipSummary } from '../../../p2p/index.js';
import { linearEvaluator } from '../../../training/index.js';
import { type KeyPair, TestChain } from '../../utils/chainBuilder.js';
import { linearParams } from '../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const MAX_ORPHANS = 100;

interface StoredBlock {
  readonly block: BlockWithIds;
  readonly height: number;
  readonly main: boolean;
  readonly weight: bigint;
  readonly forkHeight: number;
  /** Held as failed validation (holdUnconnected only). */
  readonly invalid?: boolean;
}

export class FakeChain implements P2pChain {
  /** Called with each block that becomes the tip (a node announces it: node/createNode.ts). */
  onTip: ((block: Block) => void) | null = null;
  readonly tc: TestChain;
  readonly params: NetworkParams;
  private readonly byHash = new Map<string, StoredBlock>();
  private readonly weights: bigint[] = [];
  private readonly orphans = new Map<string, BlockWithIds>();
  private readonly models = new Map<string, Uint8Array>();
  /** Every processBlock call: [hash hex, source, status or thrown reason]. */
  readonly log: [string, string, string][] = [];
  private lock: Promise<unknown> = Promise.resolve();

  constructor(params: NetworkParams = linearDevnet) {
    this.params = params;
    this.tc = new TestChain(params);
    this.record(this.tc.tip.block);
  }

  private record(b: BlockWithIds): void {
    const height = this.tc.height;
    const parent = height === 0 ? 0n : this.weights[height - 1]!;
    this.weights[height] = parent + blockWeight(workFromBits(b.block.header.bits), 0, this.params);
    this.byHash.set(toHex(b.hash), {
      block: b,
      height,
      main: true,
      weight: this.weights[height]!,
      forkHeight: height,
    });
    const model = this.tc.tip.model;
    this.models.set(toHex(linearEvaluator.modelHash(model)), linearEvaluator.encodeModel(model));
  }

  /** Mines `n` blocks on top of the tip (locally, no network); another `miner` makes other blocks. */
  async mine(n: number, miner?: KeyPair): Promise<BlockWithIds[]> {
    const out: BlockWithIds[] = [];
    for (let i = 0; i < n; i++) {
      const b = await this.tc.mine(miner ? { miner } : {});
      this.record(b);
      out.push(b);
    }
    return out;
  }

  get height(): number {
    return this.tc.height;
  }

  tipSummary(): TipSummary {
    const tip = this.tc.tip;
    return { hash: tip.block.hash, height: tip.height, weight: this.weights[tip.height]! };
  }

  blockPlace(hash: Hash): BlockPlace | undefined {
    const e = this.byHash.get(toHex(hash));
    return e && { height: e.height, weight: e.weight, forkHeight: e.forkHeight, invalid: e.invalid ?? false };
  }

  /**
   * Stores a child of the tip without connecting it, as the node's index holds a block while its
   * connect is still running (or, `invalid`, after it failed validation).
   */
  holdUnconnected(b: BlockWithIds, invalid = false): void {
    const tip = this.byHash.get(toHex(this.tc.tip.block.hash))!;
    this.byHash.set(toHex(b.hash), {
      block: b,
      height: tip.height + 1,
      main: false,
      weight: tip.weight + blockWeight(workFromBits(b.block.header.bits), 0, this.params),
      forkHeight: tip.height,
      invalid,
    });
  }

  /** Blocks stored (genesis included), side branches too. */
  get stored(): number {
    return this.byHash.size;
  }

  getLocator(): Hash[] {
    const out: Hash[] = [];
    let step = 1;
    for (let h = this.tc.height; h > 0; h -= step) {
      out.push(this.tc.entries[h]!.block.hash);
      if (out.length >= 10) step *= 2;
    }
    out.push(this.tc.entries[0]!.block.hash);
    return out;
  }

  async getHeadersAfter(locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
    let start = 1;
    for (const h of locator) {
      const e = this.byHash.get(toHex(h));
      if (e?.main) {
        start = e.height + 1;
        break;
      }
    }
    return this.tc.entries.slice(start, start + max).map((e) => e.block.block.header);
  }

  async getBlockBytes(hash: Hash): Promise<Uint8Array | undefined> {
    const e = this.byHash.get(toHex(hash));
    return e ? encodeBlock(e.block.block) : undefined;
  }

  hasBlock(hash: Hash): boolean {
    const k = toHex(hash);
    return this.byHash.has(k) || this.orphans.has(k);
  }

  async getModelBytes(modelHash: Hash): Promise<Uint8Array | undefined> {
    return this.models.get(toHex(modelHash));
  }

  /** Blocks gossip may relay before validating them (default none). */
  relayEarly: (block: Block) => boolean = () => false;
  /** When set, processBlock waits for it first; a rejection becomes the block's verdict. */
  hold: Promise<void> | undefined;

  relayBeforeValidation(block: Block): boolean {
    return this.relayEarly(block);
  }

  processBlock(block: Block, source: string): Promise<{ status: BlockProcessStatus }> {
    const hold = this.hold;
    const run = this.lock.then(async () => {
      if (hold) await hold;
      return this.process(blockWithIds(block), source);
    });
    this.lock = run.catch(() => undefined);
    return run.then((status) => ({ status }));
  }

  /** As processBlock, one after another (FakeChain has no write batching to show). */
  async processBlocks(blocks: readonly Block[], source: string): Promise<readonly BlockProcessStatus[]> {
    const out: BlockProcessStatus[] = [];
    for (const block of blocks) out.push((await this.processBlock(block, source)).status);
    return out;
  }

  private async process(b: BlockWithIds, source: string): Promise<BlockProcessStatus> {
    const hex = toHex(b.hash);
    try {
      const status = await this.accept(b);
      this.log.push([hex, source, status]);
      return status;
    } catch (err) {
      this.log.push([hex, source, (err as { reason?: string }).reason ?? String(err)]);
      throw err;
    }
  }

  private async accept(b: BlockWithIds): Promise<BlockProcessStatus> {
    const hex = toHex(b.hash);
    if (this.byHash.has(hex) || this.orphans.has(hex)) return 'duplicate';
    checkBlockSanity(b, this.params);
    const parent = this.byHash.get(toHex(b.block.header.prevHash));
    if (!parent) {
      if (this.orphans.size >= MAX_ORPHANS) this.orphans.delete(this.orphans.keys().next().value!);
      this.orphans.set(hex, b);
      return 'orphan';
    }
    if (!parent.main || parent.height !== this.tc.height) {
      this.byHash.set(hex, {
        block: b,
        height: parent.height + 1,
        main: false,
        weight: parent.weight + blockWeight(workFromBits(b.block.header.bits), 0, this.params),
        forkHeight: parent.forkHeight,
      });
      return 'side';
    }
    await this.tc.connect(b);
    this.record(b);
    this.onTip?.(b.block);
    // Orphans waiting for this block (and theirs).
    for (const [k, o] of this.orphans) {
      if (toHex(o.block.header.prevHash) === hex) {
        this.orphans.delete(k);
        await this.accept(o).catch(() => undefined);
        break;
      }
    }
    return 'connected';
  }
}

/** Devnet parameters with another genesis block (same network name and magic). */
export function otherGenesisParams(): NetworkParams {
  const base = linearDevnet;
  for (let nonce = 0n; ; nonce++) {
    const p = { ...base, genesis: { ...base.genesis, time: base.genesis.time + 1, nonce } };
    const g = genesisBlock(p as NetworkParams);
    try {
      checkProofOfWork(g.hash, p.genesis.bits, p.powLimitBits);
      return Object.freeze({
        ...p,
        genesis: Object.freeze({ ...p.genesis, hash: toHex(g.hash) }),
      }) as NetworkParams;
    } catch {
      // try the next nonce
    }
  }
}
