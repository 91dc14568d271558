/**
 * Block rules.
 *  - checkBlockSanity: context-free (PoW against its own bits, size, coinbase placement, merkle
 *    root, duplicate txids, every transaction's context-free rules, update shape).
 *  - checkHeaderContext: against the parent (expected bits, median time past, future drift; the
 *    caller passes `now`, consensus never reads a clock).
 *  - connectBlock: against the UTXO view (inputs, double spends inside the block, coinbase height,
 *    coinbase amount ≤ reward + fees with the bonus the update claims, less its contributors'
 *    pool, 80/20 split, the payouts owed to the parent's contributors, supply cap) and the parent
 *    model hash.
 */

import { type Coin, type CoinView, outpointKey, outpointMapKey, type UndoData } from '../coinView.js';
import type { SigCheck } from '../crypto/schnorr.js';
import { VerdictError } from '../errors.js';
import {
  blockReward,
  contributorPool,
  creditPayouts,
  improvementBonus,
  type Payout,
  splitCoinbase,
} from '../money.js';
import type { NetworkParams } from '../params/types.js';
import { checkContributions } from '../poi/credit.js';
import { checkProofOfWork } from '../pow/compact.js';
import { checkBlockTime } from '../pow/time.js';
import { type BlockWithIds, computeMerkleRoot } from '../primitives/block.js';
import { equalBytes, type Hash, hashKey, toHex } from '../primitives/hash.js';
import type { BlockHeader } from '../primitives/header.js';
import { checkTx, checkTxInputs, type InputsResult } from './tx.js';

export const BLOCK_VERSION = 1;

export function checkHeaderSanity(header: BlockHeader, hash: Hash, params: NetworkParams): void {
  if (header.version !== BLOCK_VERSION) throw new VerdictError('bad-version', `version ${header.version}`);
  checkProofOfWork(hash, header.bits, params.powLimitBits);
}

export function checkBlockSanity(b: BlockWithIds, params: NetworkParams): void {
  const { block } = b;
  checkHeaderSanity(block.header, b.hash, params);
  if (b.size > params.maxBlockSize)
    throw new VerdictError('bad-blk-length', `${b.size} > ${params.maxBlockSize}`);
  if (b.txs.length === 0) throw new VerdictError('bad-blk-empty');
  if (b.txs[0]!.tx.inputs.length !== 0) throw new VerdictError('bad-cb-missing');
  for (let i = 1; i < b.txs.length; i++) {
    if (b.txs[i]!.tx.inputs.length === 0) throw new VerdictError('bad-cb-multiple', `tx ${i}`);
  }
  if (!equalBytes(computeMerkleRoot(b), block.header.merkleRoot)) throw new VerdictError('bad-txnmrklroot');
  const ids = new Set<string>();
  for (const t of b.txs) {
    const id = hashKey(t.txid);
    if (ids.has(id)) throw new VerdictError('bad-txns-duplicate', toHex(t.txid));
    ids.add(id);
    checkTx(t.tx, params, t.size);
  }
  if (block.update) {
    if (b.updateSize > params.maxModelUpdateSize) {
      throw new VerdictError(
        'bad-model-update',
        `update of ${b.updateSize} bytes > ${params.maxModelUpdateSize}`,
      );
    }
    // A growth update (no claim, no contributors) is checked by poi/improvement.ts.
    if (block.update.grow === null) {
      const claim = block.update.claimedPpm;
      if (claim < params.minImprovementPpm || claim > params.maxImprovementPpm) {
        throw new VerdictError(
          'bad-model-claim',
          `claimed ${claim} ppm outside [${params.minImprovementPpm}, ${params.maxImprovementPpm}]`,
        );
      }
      checkContributions(block.update, params);
    }
  }
}

export interface HeaderContext {
  /** Bits the retarget rule expects for this height (from pow/retarget nextBits). */
  readonly expectedBits: number;
  /** Median time past of the parent chain. */
  readonly medianTimePast: number;
  /** The validating node's adjusted clock, seconds. */
  readonly now: number;
}

export function checkHeaderContext(header: BlockHeader, ctx: HeaderContext, params: NetworkParams): void {
  if (header.bits !== ctx.expectedBits) {
    throw new VerdictError(
      'bad-diffbits',
      `bits ${header.bits.toString(16)} != expected ${ctx.expectedBits.toString(16)}`,
    );
  }
  checkBlockTime(header.time, ctx.medianTimePast, ctx.now, params);
}

export interface ConnectContext {
  readonly height: number;
  /** Total QXC issued by blocks before this one (coinbase claims, base units). */
  readonly issuedBefore: bigint;
  /** Model hash after the parent block. */
  readonly parentModelHash: Hash;
  /**
   * Verified improvement of this block's update in ppm (from poi/verifyImprovement, re-measured
   * by this node), or 0 when it carries none. verifyImprovement has already checked the header's
   * model hash against the evaluated model. The update's claimedPpm must not exceed it.
   */
  readonly improvementPpm: number;
  /** Credit of each of the update's contributions (poi/credit.ts), in update order; [] without one. */
  readonly credit: readonly number[];
  /** What this block's coinbase owes the parent's contributors (the parent's ConnectResult.owedNext). */
  readonly owed: readonly Payout[];
  /**
   * Called after each transaction with the block's signature checks so far (the array the
   * result's sigChecks will be), so that a caller can verify a prefix while the rest of the block
   * is checked (connect.ts SliceVerifier). It must not modify the array.
   */
  readonly onSigChecks?: (sigChecks: readonly SigCheck[]) => void;
}

export interface ConnectResult {
  readonly undo: UndoData;
  readonly fees: bigint;
  /** Subsidy plus the improvement bonus the update claimed (before fees). */
  readonly reward: bigint;
  /** What the coinbase actually created (≤ reward + fees). */
  readonly coinbaseValue: bigint;
  /** issuedBefore + newly issued coins (coinbase value minus fees). */
  readonly issuedAfter: bigint;
  /** Every input signature, to be checked by a SigVerifier before the block is accepted. */
  readonly sigChecks: SigCheck[];
  /** The contributors' pool this block earns (counted as issued here, paid by the next block). */
  readonly pool: bigint;
  /** What the next block's coinbase must pay this block's contributors (money.ts creditPayouts). */
  readonly owedNext: Payout[];
}

/**
 * Applies the block to `view` (which must only contain the parent chain's coins) and checks
 * everything that needs the UTXO set. On a verdict the view is left partially modified: callers
 * discard it (the node validates on a throwaway overlay).
 */
export function connectBlock(
  b: BlockWithIds,
  view: CoinView,
  ctx: ConnectContext,
  params: NetworkParams,
): ConnectResult {
  checkModelBase(b, ctx.parentModelHash);
  const coinbase = b.txs[0]!.tx;
  if (coinbase.lockTime !== ctx.height) {
    throw new VerdictError('bad-cb-height', `coinbase lockTime ${coinbase.lockTime} != height ${ctx.height}`);
  }
  let fees = 0n;
  const sigChecks: SigCheck[] = [];
  const spent: Coin[] = [];
  const spentInBlock = new Set<string>();
  for (let i = 1; i < b.txs.length; i++) {
    const t = b.txs[i]!;
    // The view already holds this block's earlier transactions' outputs and spends, so a chain of
    // transactions inside the block works; a second spend of one outpoint is named as such.
    // each input's key, built once for the checks, the lookup and the spend below
    const keys: string[] = [];
    for (const input of t.tx.inputs) {
      const key = outpointMapKey(input.prevout.txid, input.prevout.index);
      if (spentInBlock.has(key)) {
        const op = outpointKey(input.prevout.txid, input.prevout.index);
        throw new VerdictError('bad-txns-spend-in-block', `tx ${i} re-spends ${op}`);
      }
      spentInBlock.add(key);
      keys.push(key);
    }
    let r: InputsResult;
    try {
      r = checkTxInputs(t, view, ctx.height, params, 'invalid', keys);
    } catch (e) {
      // name the transaction and the outpoint (checkTxInputs knows only the input's index)
      if (e instanceof VerdictError && e.reason === 'bad-txns-inputs-missingorspent') {
        const missing = t.tx.inputs.find((input) => !view.getCoin(input.prevout))!.prevout;
        throw new VerdictError(
          'bad-txns-inputs-missingorspent',
          `tx ${i} input ${toHex(missing.txid)}:${missing.index}`,
        );
      }
      throw e;
    }
    fees += r.fee;
    for (const c of r.sigChecks) sigChecks.push(c);
    ctx.onSigChecks?.(sigChecks);
    // checkTxInputs found every coin: mark them spent without looking them up again
    t.tx.inputs.forEach((input, k) => {
      view.markSpentByKey(keys[k]!, input.prevout);
    });
    for (const c of r.spent) spent.push(c);
    t.tx.outputs.forEach((o, index) => {
      view.addCoin(
        { txid: t.txid, index },
        { value: o.value, pubKeyHash: o.pubKeyHash, height: ctx.height, coinbase: false },
      );
    });
  }
  const claimedPpm = b.block.update?.claimedPpm ?? 0;
  if (claimedPpm > ctx.improvementPpm) {
    throw new VerdictError(
      'bad-model-claim',
      `update claims ${claimedPpm} ppm, verified ${ctx.improvementPpm} ppm`,
    );
  }
  const rewardInput = { height: ctx.height, improvementPpm: claimedPpm, issuedBefore: ctx.issuedBefore };
  const reward = blockReward(rewardInput, params);
  const update = b.block.update;
  const pool = update ? contributorPool(improvementBonus(rewardInput, params), params) : 0n;
  let coinbaseValue = 0n;
  for (const o of coinbase.outputs) coinbaseValue += o.value;
  let owedTotal = 0n;
  for (const p of ctx.owed) owedTotal += p.value;
  // What the coinbase creates for this block itself: all of it but the parent's contributors' pay.
  const own = coinbaseValue - owedTotal;
  if (own < 0n || own > reward - pool + fees) {
    throw new VerdictError(
      'bad-cb-amount',
      `coinbase pays ${own} for this block > reward ${reward} − contributors' pool ${pool} + fees ${fees}`,
    );
  }
  // the parent's contributors first: a coinbase that leaves them out is named for that
  checkContributorOutputs(coinbase.outputs, own + pool, ctx.owed, params);
  checkCoinbaseSplit(coinbase.outputs, own + pool, params);
  let owedNext: Payout[] = [];
  if (update && update.grow === null) {
    if (ctx.credit.length !== update.contributions.length) {
      throw new VerdictError(
        'bad-model-contributors',
        `${ctx.credit.length} credits for ${update.contributions.length} contributions`,
      );
    }
    owedNext = creditPayouts(
      pool,
      update.contributions.map((c, i) => ({ pubKeyHash: c.payout, credit: ctx.credit[i]! })),
    );
  }
  // The coinbase's outputs join the view last (nothing in the block can spend them: maturity).
  const cb = b.txs[0]!;
  cb.tx.outputs.forEach((o, index) => {
    view.addCoin(
      { txid: cb.txid, index },
      { value: o.value, pubKeyHash: o.pubKeyHash, height: ctx.height, coinbase: true },
    );
  });
  const undo: UndoData = { spent };
  // The pool counts as issued here (the parent's pool was counted by the parent).
  const issuedAfter = ctx.issuedBefore + (own > fees ? own - fees : 0n) + pool;
  if (issuedAfter > params.maxSupply)
    throw new VerdictError('bad-supply', `${issuedAfter} > ${params.maxSupply}`);
  return { undo, fees, reward, coinbaseValue, issuedAfter, sigChecks, pool, owedNext };
}

/**
 * The coinbase's first output pays the network's genesis address exactly its share of what the
 * coinbase creates (genesisSharePercent, floor); the rest (miner side) goes to any outputs.
 */
export function checkCoinbaseSplit(
  outputs: readonly { value: bigint; pubKeyHash: Uint8Array }[],
  total: bigint,
  params: NetworkParams,
): void {
  const { genesis } = splitCoinbase(total, params);
  if (genesis === 0n) return;
  const first = outputs[0];
  if (!first || !equalBytes(first.pubKeyHash, params.genesisPubKeyHash) || first.value !== genesis) {
    throw new VerdictError(
      'bad-cb-split',
      `first coinbase output must pay ${genesis} to the genesis address`,
    );
  }
}

/**
 * After the genesis output (when there is one), the coinbase pays each of the parent block's
 * contributors exactly what consensus/money.ts creditPayouts owes it, in order; the miner's
 * outputs follow. `total` is what the split is computed on (see connectBlock).
 */
export function checkContributorOutputs(
  outputs: readonly { value: bigint; pubKeyHash: Uint8Array }[],
  total: bigint,
  owed: readonly Payout[],
  params: NetworkParams,
): void {
  const first = splitCoinbase(total, params).genesis > 0n ? 1 : 0;
  owed.forEach((p, i) => {
    const o = outputs[first + i];
    if (!o || o.value !== p.value || !equalBytes(o.pubKeyHash, p.pubKeyHash)) {
      throw new VerdictError(
        'bad-cb-contributors',
        `coinbase output ${first + i} must pay ${p.value} to the parent block's contributor ${toHex(p.pubKeyHash)}`,
      );
    }
  });
}

function checkModelBase(b: BlockWithIds, parentModelHash: Hash): void {
  const { block } = b;
  if (!block.update) {
    if (!equalBytes(block.header.modelHash, parentModelHash)) {
      throw new VerdictError('bad-model-hash', 'block without an update must keep the parent model hash');
    }
    return;
  }
  if (!equalBytes(block.update.baseModelHash, parentModelHash)) {
    throw new VerdictError('bad-model-base', 'update is not against the parent model');
  }
}
