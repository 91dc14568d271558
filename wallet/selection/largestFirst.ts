/**
 * Largest-first selection: spend the biggest coins until the amounts and the fee are covered.
 * A change output is added when what is left after its own fee is at least the dust threshold;
 * otherwise the remainder goes to the fee. Coins worth less than the fee to spend them are never
 * used.
 */
import { feeFor, INPUT_SIZE, txSizeFor } from './size.js';
import type { SelectableCoin, SelectionResult } from './types.js';

export interface LargestFirstRequest<C extends SelectableCoin> {
  readonly coins: readonly C[];
  readonly amounts: readonly bigint[];
  readonly feeRate: bigint;
  readonly dustThreshold: bigint;
}

/** Finishes a selection of `n` inputs worth `total`: null if they do not cover amount + fee. */
export function settle(
  n: number,
  total: bigint,
  amount: bigint,
  nOut: number,
  feeRate: bigint,
  dustThreshold: bigint,
): { fee: bigint; change: bigint; size: number } | null {
  const size = txSizeFor(n, nOut);
  const fee = feeFor(size, feeRate);
  if (total < amount + fee) return null;
  const sizeWithChange = txSizeFor(n, nOut + 1);
  const change = total - amount - feeFor(sizeWithChange, feeRate);
  if (change >= dustThreshold) return { fee: total - amount - change, change, size: sizeWithChange };
  return { fee: total - amount, change: 0n, size };
}

export function largestFirst<C extends SelectableCoin>(
  req: LargestFirstRequest<C>,
): Omit<SelectionResult<C>, 'algorithm'> | null {
  let amount = 0n;
  for (const a of req.amounts) amount += a;
  const nOut = req.amounts.length;
  // Stable sort: equal values keep the caller's order, so results are deterministic.
  const sorted = [...req.coins].sort((a, b) => (a.value > b.value ? -1 : a.value < b.value ? 1 : 0));
  const chosen: C[] = [];
  let total = 0n;
  for (const c of sorted) {
    if (c.value * 1000n <= req.feeRate * BigInt(INPUT_SIZE)) break; // costs more than it brings
    chosen.push(c);
    total += c.value;
    const s = settle(chosen.length, total, amount, nOut, req.feeRate, req.dustThreshold);
    if (s) return { inputs: chosen, ...s };
  }
  return null;
}
