/**
 * Coin selection entry point: branch-and-bound for a changeless transaction first, largest-first
 * when that finds nothing (or when asked for directly). Throws INSUFFICIENT_FUNDS with what is
 * available and what the transaction would need.
 */
import { WalletError } from '../errors.js';
import { branchAndBound } from './bnb.js';
import { largestFirst } from './largestFirst.js';
import { feeFor, INPUT_SIZE, txSizeFor } from './size.js';
import type { SelectableCoin, SelectionRequest, SelectionResult } from './types.js';

export const DEFAULT_BNB_TRIES = 100_000;

export function selectCoins<C extends SelectableCoin>(req: SelectionRequest<C>): SelectionResult<C> {
  let amount = 0n;
  for (const a of req.amounts) amount += a;
  const nOut = req.amounts.length;
  if ((req.strategy ?? 'auto') === 'auto') {
    const bnb = branchAndBound({
      coins: req.coins,
      amounts: req.amounts,
      feeRate: req.feeRate,
      longTermFeeRate: req.longTermFeeRate,
      dustThreshold: req.dustThreshold,
      maxTries: req.maxTries ?? DEFAULT_BNB_TRIES,
    });
    if (bnb) {
      let total = 0n;
      for (const c of bnb.inputs) total += c.value;
      const size = txSizeFor(bnb.inputs.length, nOut);
      return { inputs: bnb.inputs, fee: total - amount, change: 0n, size, algorithm: 'bnb' };
    }
  }
  const lf = largestFirst({
    coins: req.coins,
    amounts: req.amounts,
    feeRate: req.feeRate,
    dustThreshold: req.dustThreshold,
  });
  if (lf) return { ...lf, algorithm: 'largest-first' };

  // Not enough: report the fee of the transaction spending every coin worth spending.
  let available = 0n;
  let useful = 0;
  for (const c of req.coins) {
    available += c.value;
    if (c.value * 1000n > req.feeRate * BigInt(INPUT_SIZE)) useful++;
  }
  const fee = feeFor(txSizeFor(Math.max(useful, 1), nOut), req.feeRate);
  throw new WalletError({ code: 'INSUFFICIENT_FUNDS', available, needed: amount + fee, amount, fee });
}
