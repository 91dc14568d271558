/**
 * Builds valid (or deliberately broken) blocks and transactions on an in-memory chain, running
 * every block through the real consensus transition. Used by consensus and node tests.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Block,
  type BlockHeader,
  type BlockWithIds,
  blockMerkleRoot,
  blockReward,
  blockWithIds,
  type Coin,
  CoinView,
  type Contribution,
  checkProofOfWork,
  contributionSighash,
  contributorPool,
  devnetParams,
  genesisBlock,
  getPublicKey,
  hash160,
  headerHash,
  improvementBonus,
  MemoryUtxoSet,
  type ModelUpdate,
  modelUpdateId,
  type NetworkParams,
  nobleVerifier,
  type OutPoint,
  type Payout,
  type SigVerifier,
  sighash,
  sign,
  spentOutputsHash,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  tieWinner,
  txid,
  VerdictError,
  validateBlockTransition,
  withId,
  wtxid,
} from '../../consensus/index.js';
import { coinbaseTransaction } from '../../node/miner/index.js';
import { initialModel, type LinearModel, linearEvaluator } from '../../training/index.js';
import { linearParams } from './linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
export interface KeyPair {
  readonly sk: Uint8Array;
  readonly pk: Uint8Array;
  readonly pkh: Uint8Array;
}

export function keyPair(label: string | number): KeyPair {
  const sk = sha256(new TextEncoder().encode(`qenex test key ${label}`));
  const pk = getPublicKey(sk);
  return { sk, pk, pkh: hash160(pk) };
}

export const ZERO_AUX = new Uint8Array(32);

/** Signs every input of `tx` with `keys[i]` given the outputs it spends. */
export function signTx(
  tx: Omit<Transaction, 'witnesses'>,
  spent: readonly TxOutput[],
  keys: readonly KeyPair[],
  params: NetworkParams,
): Transaction {
  const unsigned: Transaction = { ...tx, witnesses: [] };
  const id = txid(unsigned);
  const sh = spentOutputsHash(spent);
  const witnesses = tx.inputs.map((_, i) => {
    const k = keys[i] ?? keys[0]!;
    return { pubkey: k.pk, sig: sign(sighash(params.magic, id, sh, i), k.sk, ZERO_AUX) };
  });
  return { ...tx, witnesses };
}

export function mineHeader(header: BlockHeader, params: NetworkParams): BlockHeader {
  let nonce = header.nonce;
  for (;;) {
    const h = { ...header, nonce };
    try {
      checkProofOfWork(headerHash(h), h.bits, params.powLimitBits);
      return h;
    } catch (e) {
      // Only a hash above the target is worth another nonce; invalid bits never succeed.
      if (!(e instanceof VerdictError) || e.reason !== 'high-hash') return h;
      nonce++;
    }
  }
}

/** The same coinbase the node's miner builds (genesis share first, then the miner's output). */
export const coinbaseTx = coinbaseTransaction;

/**
 * The coinbase a block at `height` with `update` (or none) may carry: the reward for the update's
 * claimed improvement less its contributors' pool, plus `fees`, plus what the parent's
 * contributors are owed (`owed`), split as consensus requires (genesis, owed payouts, miner).
 * `total` overrides the amount (negative tests).
 */
export function blockCoinbase(
  height: number,
  issuedBefore: bigint,
  fees: bigint,
  minerPkh: Uint8Array,
  update: ModelUpdate | null,
  params: NetworkParams,
  total?: bigint,
  owed: readonly Payout[] = [],
): Transaction {
  const input = { height, improvementPpm: update?.claimedPpm ?? 0, issuedBefore };
  const pool = update ? contributorPool(improvementBonus(input, params), params) : 0n;
  let owedTotal = 0n;
  for (const p of owed) owedTotal += p.value;
  return coinbaseTx(
    height,
    total ?? blockReward(input, params) - pool + fees + owedTotal,
    minerPkh,
    params,
    owed,
    pool,
  );
}

/** `key`'s signed contribution of `delta` on `base` (payout: the key's own address by default). */
export function contribution(
  base: Uint8Array,
  delta: Uint8Array,
  key: KeyPair,
  samples = 100,
  payout: Uint8Array = key.pkh,
): Contribution {
  const body = { payout, pubkey: key.pk, samples, delta };
  return { ...body, sig: sign(contributionSighash(base, body), key.sk, ZERO_AUX) };
}

interface Entry {
  block: BlockWithIds;
  height: number;
  issued: bigint;
  model: LinearModel;
  time: number;
  /** What the next block owes this block's contributors. */
  owed: Payout[];
}

export interface NextBlockOptions {
  txs?: Transaction[];
  /** A model update; claimedPpm defaults to the network's minimum improvement. */
  update?: {
    /** One delta, contributed (signed) by the block's miner key; or `contributions`. */
    delta?: Uint8Array;
    contributions?: Contribution[];
    /** Aggregation rule id (default 0, sparse-mean). */
    rule?: number;
    claimedPpm?: number;
    /** Levels the update names (default none: the linear model has no leveled domain). */
    levels?: readonly number[];
    /** A capacity-growth update of this domain (the linear model cannot grow). */
    grow?: number | null;
  } | null;
  miner?: KeyPair;
  /** Extra fees the coinbase may claim (sum of txs' fees; computed by the caller). */
  fees?: bigint;
  /** Override the coinbase total (for negative tests). */
  coinbaseTotal?: bigint;
  /** Mutate the block's parts before the merkle root is computed (negative tests). */
  tamper?: (b: { header: BlockHeader; txs: Transaction[]; update: ModelUpdate | null }) => void;
  /** Replace the header after the merkle root is set, before mining (negative tests). */
  tamperHeader?: (h: BlockHeader) => BlockHeader;
  /** Skip PoW search (negative tests that need a bad PoW). */
  noMine?: boolean;
  time?: number;
  /**
   * A block this one ties (a sibling at the same difficulty) and must lose the tie-break to
   * (consensus tieWinner): the time is nudged a second at a time until it does. For tests whose
   * point needs a tie that keeps the rival as the tip.
   */
  losesTieTo?: BlockWithIds;
}

/** A linear chain on the in-memory UTXO set, with the real validation pipeline. */
export class TestChain {
  readonly utxo = new MemoryUtxoSet();
  readonly entries: Entry[] = [];
  readonly miner = keyPair('miner');

  constructor(
    readonly params: NetworkParams = linearDevnet,
    readonly verifier: SigVerifier = nobleVerifier,
  ) {
    const g = genesisBlock(params);
    this.entries.push({
      block: g,
      height: 0,
      issued: 0n,
      model: initialModel(),
      time: params.genesis.time,
      owed: [],
    });
  }

  get tip(): Entry {
    return this.entries[this.entries.length - 1]!;
  }

  get height(): number {
    return this.tip.height;
  }

  /** Builds (and mines) the next block without connecting it. */
  buildBlock(opts: NextBlockOptions = {}): BlockWithIds {
    const rival = opts.losesTieTo;
    if (!rival) return this.buildOnce(opts);
    const t0 = opts.time ?? this.tip.time + this.params.targetSpacing;
    // Each try loses with probability 1/2.
    for (let k = 0; k < 64; k++) {
      const b = this.buildOnce({ ...opts, time: t0 + k });
      if (tieWinner([rival, b]) === rival) return b;
    }
    throw new Error('no block time in 64 tries loses the tie');
  }

  private buildOnce(opts: NextBlockOptions): BlockWithIds {
    const tip = this.tip;
    const height = tip.height + 1;
    const miner = opts.miner ?? this.miner;
    let update: ModelUpdate | null = null;
    let modelHash = linearEvaluator.modelHash(tip.model);
    if (opts.update) {
      const grow = opts.update.grow ?? null;
      const contributions =
        opts.update.contributions ??
        (opts.update.delta ? [contribution(modelHash, opts.update.delta, miner)] : []);
      update = {
        baseModelHash: modelHash,
        claimedPpm: opts.update.claimedPpm ?? (grow === null ? this.params.minImprovementPpm : 0),
        levels: opts.update.levels ?? [],
        grow,
        rule: opts.update.rule ?? 0,
        contributions,
      };
      // (the linear model cannot grow: a growth update keeps the model; contributions consensus
      // cannot combine leave the header on the parent's model: the block is built to be rejected)
      let next = tip.model;
      if (grow === null) {
        try {
          next = linearEvaluator.combine(
            tip.model,
            contributions.map((c) => c.delta),
            update.rule,
          ).model;
        } catch (e) {
          if (!(e instanceof VerdictError)) throw e;
        }
      }
      modelHash = linearEvaluator.modelHash(next);
    }
    // By default the coinbase claims the reward (with the update's claimed bonus) plus fees and
    // pays the update's contributors; coinbaseTotal overrides the total.
    const coinbase = blockCoinbase(
      height,
      tip.issued,
      opts.fees ?? 0n,
      miner.pkh,
      update,
      this.params,
      opts.coinbaseTotal,
      tip.owed,
    );
    const txs = [coinbase, ...(opts.txs ?? [])];
    const parts = {
      header: {
        version: 1,
        prevHash: tip.block.hash,
        merkleRoot: new Uint8Array(32),
        modelHash,
        time: opts.time ?? tip.time + this.params.targetSpacing,
        bits: this.params.powLimitBits,
        nonce: 0n,
      } as BlockHeader,
      txs,
      update,
    };
    opts.tamper?.(parts);
    parts.header = {
      ...parts.header,
      merkleRoot: blockMerkleRoot(
        parts.txs.map((t) => wtxid(t)),
        parts.update ? modelUpdateId(parts.update) : null,
      ),
    };
    if (opts.tamperHeader) parts.header = opts.tamperHeader(parts.header);
    const header = opts.noMine ? parts.header : mineHeader(parts.header, this.params);
    const block: Block = { header, txs: parts.txs, update: parts.update };
    return blockWithIds(block);
  }

  /** Validates `b` as the next block with the full pipeline and connects it. */
  async connect(b: BlockWithIds, now?: number): Promise<void> {
    const tip = this.tip;
    const view = new CoinView(this.utxo);
    const times = this.entries.slice(-this.params.medianTimeSpan).map((e) => e.time);
    const sorted = [...times].sort((a, b) => a - b);
    const mtp = sorted[Math.floor(sorted.length / 2)]!;
    const res = await validateBlockTransition(
      b,
      {
        height: tip.height,
        modelHash: linearEvaluator.modelHash(tip.model),
        model: () => tip.model,
        issued: tip.issued,
        levels: [],
        growth: null,
        owed: tip.owed,
      },
      { expectedBits: this.params.powLimitBits, medianTimePast: mtp, now: now ?? b.block.header.time },
      view,
      { params: this.params, evaluator: linearEvaluator, verifier: this.verifier },
    );
    this.utxo.apply(b, tip.height + 1);
    this.entries.push({
      block: b,
      height: tip.height + 1,
      issued: res.connect.issuedAfter,
      model: res.improvement?.model ?? tip.model,
      time: b.block.header.time,
      owed: res.connect.owedNext,
    });
  }

  async mine(opts: NextBlockOptions = {}): Promise<BlockWithIds> {
    const b = this.buildBlock(opts);
    await this.connect(b);
    return b;
  }

  /** The miner's coinbase output (its last) of the block at `height` (spendable after maturity). */
  coinbaseOutpoint(height: number): { op: OutPoint; coin: Coin } {
    const e = this.entries[height]!;
    const cb = e.block.txs[0]!;
    const index = cb.tx.outputs.length - 1;
    const out = cb.tx.outputs[index]!;
    return { op: { txid: cb.txid, index }, coin: { ...out, height, coinbase: true } };
  }

  /** A signed transaction spending `from` (owned by the default miner key) to `to`. */
  spend(from: { op: OutPoint; coin: Coin }, outputs: TxOutput[], key: KeyPair = this.miner): Transaction {
    return signTx(
      { version: TX_VERSION, inputs: [{ prevout: from.op }], outputs, lockTime: 0 },
      [from.coin],
      [key],
      this.params,
    );
  }
}

/** Runs `fn` and returns the VerdictError reason it throws (fails the test if it does not throw). */
export async function rejectReason(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof VerdictError) return e.reason;
    throw e;
  }
  throw new Error('expected a VerdictError, but nothing was thrown');
}

export { withId };
