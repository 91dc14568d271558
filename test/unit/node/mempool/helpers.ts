/**
 * Adapters over TestChain (test/utils/chainBuilder.ts) implementing the narrow chain interfaces of
 * the mempool and the miner, plus small transaction builders. Blocks go through TestChain.connect,
 * i.e. the real consensus transition.
 */
import {
  applyBlockToView,
  type Block,
  type BlockWithIds,
  blockWithIds,
  type Coin,
  CoinView,
  devnetParams,
  medianTimePast,
  type OutPoint,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  txid,
  type UndoData,
} from '../../../../consensus/index.js';
import type { MempoolChain } from '../../../../node/mempool/index.js';
import type { MinerChain, NextBlockContext } from '../../../../node/miner/index.js';
import { linearEvaluator } from '../../../../training/index.js';
import { type KeyPair, signTx, type TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
export class ChainAdapter implements MempoolChain, MinerChain {
  readonly undos: UndoData[] = [];
  /** Overrides the bits a template gets (e.g. an unreachable target for interruption tests). */
  bitsOverride: number | undefined;
  contextCalls = 0;
  processed: Block[] = [];
  /** Called synchronously after each connected block, like the chain's 'block' event. */
  readonly onBlock: ((b: BlockWithIds) => void)[] = [];
  /** Makes getCoin slow (to interleave a block with an accept in flight). */
  getCoinDelayMs = 0;

  constructor(readonly tc: TestChain) {}

  get params() {
    return this.tc.params;
  }

  tipHeight(): number {
    return this.tc.height;
  }

  async getCoin(op: OutPoint): Promise<Coin | undefined> {
    // Read now, answer later: the answer may be stale by then, as with a real database read.
    const coin = this.tc.utxo.getCoin(op);
    if (this.getCoinDelayMs > 0) await new Promise((r) => setTimeout(r, this.getCoinDelayMs));
    return coin;
  }

  nextBlockContext(now: number): NextBlockContext {
    this.contextCalls++;
    const tip = this.tc.tip;
    const times = this.tc.entries.map((e) => e.time);
    return {
      height: tip.height + 1,
      prevHash: tip.block.hash,
      bits: this.bitsOverride ?? this.params.powLimitBits,
      medianTimePast: medianTimePast(times, this.params),
      issued: tip.issued,
      modelHash: linearEvaluator.modelHash(tip.model),
      owed: tip.owed,
      now,
    };
  }

  async processBlock(block: Block): Promise<{ status: string }> {
    this.processed.push(block);
    await this.connect(blockWithIds(block));
    return { status: 'connected' };
  }

  /** Connects through TestChain and keeps the undo data so the block can be disconnected. */
  async connect(b: BlockWithIds): Promise<void> {
    const undo = applyBlockToView(new CoinView(this.tc.utxo), b, this.tc.height + 1);
    await this.tc.connect(b);
    this.undos.push(undo);
    for (const f of this.onBlock) f(b);
  }

  /** Undoes the tip block (UTXO set and entry), as the chain does on a reorg. */
  disconnectTip(): BlockWithIds {
    const entry = this.tc.entries.pop();
    const undo = this.undos.pop();
    if (!entry || !undo) throw new Error('nothing to disconnect');
    this.tc.utxo.undo(entry.block, undo);
    return entry.block;
  }
}

export interface Spendable {
  readonly op: OutPoint;
  readonly out: TxOutput;
  readonly key: KeyPair;
}

/** A signed (devnet) transaction spending `from` to `outputs`. */
export function spendTx(from: readonly Spendable[], outputs: TxOutput[], lockTime = 0): Transaction {
  return signTx(
    { version: TX_VERSION, inputs: from.map((f) => ({ prevout: f.op })), outputs, lockTime },
    from.map((f) => f.out),
    from.map((f) => f.key),
    linearDevnet,
  );
}

/** Output `index` of `tx`, owned by `key`. */
export function outputOf(tx: Transaction, index: number, key: KeyPair): Spendable {
  return { op: { txid: txid(tx), index }, out: tx.outputs[index]!, key };
}

/** The miner's (mature or not) coinbase output at `height` as a Spendable. */
export function coinbaseOf(tc: TestChain, height: number): Spendable {
  const { op, coin } = tc.coinbaseOutpoint(height);
  return { op, out: { value: coin.value, pubKeyHash: coin.pubKeyHash }, key: tc.miner };
}

/** Pays everything but `fee` from `from` to `key`, split over `outputs` outputs. */
export function pay(from: Spendable, key: KeyPair, fee: bigint, outputs = 1): Transaction {
  const total = from.out.value - fee;
  const each = total / BigInt(outputs);
  const outs: TxOutput[] = [];
  for (let i = 0; i < outputs; i++) {
    outs.push({ value: i === outputs - 1 ? total - each * BigInt(outputs - 1) : each, pubKeyHash: key.pkh });
  }
  return spendTx([from], outs);
}
