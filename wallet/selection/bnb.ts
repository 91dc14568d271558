/**
 * Branch and bound (Bitcoin Core's SelectCoinsBnB, Erhardt's algorithm): a depth-first search
 * over include/exclude decisions, largest effective value first, for a set of coins whose
 * effective value lands in [target, target + costOfChange], so the transaction needs no change
 * output. Among the solutions found within `maxTries` steps it keeps the one with least waste:
 *   waste = Σ (inputFee − longTermInputFee) + excess.
 *
 * Exactness: amounts are scaled by 1000 (fee rates are per 1000 bytes), so every fee term is an
 * integer. A coin's effective value is value·1000 − feeRate·INPUT_SIZE; the target is
 * Σamounts·1000 + feeRate·(size of the transaction without inputs). A selection meeting the
 * target therefore pays at least ceil(feeRate·size/1000), the wallet's fee rule, and its whole
 * excess (at most costOfChange/1000) goes to the fee.
 *
 * Cost of change: the fee of a change output now plus the larger of (fee to spend it later at the
 * long-term rate) and the dust threshold, since an excess smaller than change-output fee + dust
 * cannot become a change output anyway.
 *
 * At most 252 inputs (one-byte input count, which the target assumes).
 */
import { INPUT_SIZE, OUTPUT_SIZE, txSizeFor } from './size.js';
import type { SelectableCoin } from './types.js';

export const BNB_MAX_INPUTS = 252;

export interface BnbRequest<C extends SelectableCoin> {
  readonly coins: readonly C[];
  readonly amounts: readonly bigint[];
  readonly feeRate: bigint;
  readonly longTermFeeRate: bigint;
  readonly dustThreshold: bigint;
  readonly maxTries: number;
}

export interface BnbResult<C extends SelectableCoin> {
  readonly inputs: readonly C[];
  /** Waste of the solution, in base units × 1000. */
  readonly waste: bigint;
  /** Steps the search took. */
  readonly tries: number;
}

export function costOfChangeScaled(feeRate: bigint, longTermFeeRate: bigint, dustThreshold: bigint): bigint {
  const spend = longTermFeeRate * BigInt(INPUT_SIZE);
  const dust = dustThreshold * 1000n;
  return feeRate * BigInt(OUTPUT_SIZE) + (spend > dust ? spend : dust);
}

/** A changeless selection, or null when none exists (or none was found within maxTries). */
export function branchAndBound<C extends SelectableCoin>(req: BnbRequest<C>): BnbResult<C> | null {
  const inputFee = req.feeRate * BigInt(INPUT_SIZE);
  const wastePerInput = inputFee - req.longTermFeeRate * BigInt(INPUT_SIZE);
  const feeRateHigh = req.feeRate > req.longTermFeeRate;
  let amount = 0n;
  for (const a of req.amounts) amount += a;
  const target = amount * 1000n + req.feeRate * BigInt(txSizeFor(0, req.amounts.length));
  const costOfChange = costOfChangeScaled(req.feeRate, req.longTermFeeRate, req.dustThreshold);

  const pool = req.coins
    .map((coin) => ({ coin, eff: coin.value * 1000n - inputFee }))
    .filter((u) => u.eff > 0n)
    .sort((a, b) => (a.eff > b.eff ? -1 : a.eff < b.eff ? 1 : 0));
  let available = 0n;
  for (const u of pool) available += u.eff;
  if (available < target) return null;

  const sel: number[] = [];
  let best: number[] | null = null;
  let bestWaste = 0n;
  let value = 0n;
  let waste = 0n;
  let idx = 0;
  let tries = 0;
  for (; tries < req.maxTries; tries++, idx++) {
    let backtrack = false;
    if (
      value + available < target ||
      value > target + costOfChange ||
      (best !== null && feeRateHigh && waste > bestWaste) ||
      sel.length > BNB_MAX_INPUTS
    ) {
      backtrack = true;
    } else if (value >= target) {
      const w = waste + (value - target);
      if (best === null || w <= bestWaste) {
        best = [...sel];
        bestWaste = w;
      }
      backtrack = true;
    } else if (idx >= pool.length) {
      backtrack = true; // unreachable: available is 0 here, so value < target was caught above
    }

    if (backtrack) {
      const last = sel[sel.length - 1];
      if (last === undefined) break; // every branch explored
      // Give back the coins omitted after the last included one, then exclude that one.
      for (idx--; idx > last; idx--) available += pool[idx]!.eff;
      value -= pool[idx]!.eff;
      waste -= wastePerInput;
      sel.pop();
    } else {
      const u = pool[idx]!;
      available -= u.eff;
      const prevIncluded = sel.length > 0 && sel[sel.length - 1] === idx - 1;
      // Excluding a coin and then including an equal one explores the same sums: skip it.
      if (sel.length === 0 || prevIncluded || u.eff !== pool[idx - 1]!.eff) {
        sel.push(idx);
        value += u.eff;
        waste += wastePerInput;
      }
    }
  }
  if (best === null) return null;
  return { inputs: best.map((i) => pool[i]!.coin), waste: bestWaste, tries };
}
