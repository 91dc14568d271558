/**
 * The contributions of a model update: what every node checks before scoring them, and what each
 * one is credited with afterwards.
 *
 * checkContributions (context-free, in block sanity): 1..maxContributors contributions, each with
 * a reported sample count in 1..MAX_REPORTED_SAMPLES, no signer twice; contributionSigChecks: each
 * must be signed (BIP340) over contributionSighash(update.baseModelHash, c), verified in one batch
 * with the block's transaction signatures (validation/connect.ts). So every contributor a block
 * lists signed that very delta for that very base: the list is a fact, not the miner's word.
 * Reported sample counts are bounded and kept for display; nothing is weighted or paid by them.
 *
 * contributionCredit (after poi/improvement.ts has combined the contributions and scored parent
 * and child on the block's evaluation sample): each contribution's credit is its leave-one-out
 * effect on the samples where parent and child disagree. Over the first `creditSamples` of those
 * samples (in sample order), with W = the model combined from every contribution but i:
 *   g = #(samples the child gets right and W gets wrong)   (gains that needed contribution i)
 *   l = #(samples the parent gets right and W gets right)   (losses contribution i caused)
 *   credit_i = max(0, g − l − isqrt(creditZ100² · (g + l) / 10⁴))
 * The margin is sampling noise: a delta that only adds noise flips samples both ways (g ≈ l,
 * g − l ~ N(0, g + l)), and without a margin, clipping at 0 would pay it for its lucky draws
 * (E[max(0, X)] = 0.40σ a block; with the 1σ margin of creditZ100 = 100, 0.08σ). Measured in
 * test/unit/training/federation/pay.test.ts (a random delta at the entry bound among 10 honest
 * trainers, 20 update blocks): no margin, 1,024 credit samples: 4.0% of the pay; 1σ and 2,048
 * samples (more samples: honest effects grow as n, noise as √n): 1.7%. A larger margin (2σ, or
 * counting each loss twice) starves honest trainers whose work others duplicate: their per-block
 * effect is small too, and in those runs 2 to 4 of 10 honest trainers earned nothing over 20
 * blocks. A zero or useless delta changes nothing (credit 0); a harmful one (random, sign-flipped) makes W better than the child
 * (credit 0); a copy of another contribution is rejected outright by the evaluator's duplicate
 * rule, so it cannot share the original's credit. The credit splits the contributors' pool
 * (money.ts). Cost: one scoring of at most creditSamples samples per contribution, bounded by
 * maxContributors. Integer-exact.
 */
import type { SigCheck } from '../crypto/schnorr.js';
import { VerdictError } from '../errors.js';
import type { NetworkParams } from '../params/types.js';
import { contributionSighash, MAX_REPORTED_SAMPLES } from '../primitives/contribution.js';
import type { Hash } from '../primitives/hash.js';
import { toHex } from '../primitives/hash.js';
import type { ModelUpdate } from '../primitives/modelUpdate.js';
import type { Combination, Comparison, Evaluator } from './evaluator.js';

/** Context-free checks of a (non-growth) update's contributions; throws VerdictError. */
export function checkContributions(update: ModelUpdate, params: NetworkParams): void {
  const list = update.contributions;
  if (list.length === 0 || list.length > params.maxContributors) {
    throw new VerdictError(
      'bad-model-contributors',
      `${list.length} contributions (1..${params.maxContributors} allowed)`,
    );
  }
  const signers = new Set<string>();
  list.forEach((c, i) => {
    if (!Number.isInteger(c.samples) || c.samples < 1 || c.samples > MAX_REPORTED_SAMPLES) {
      throw new VerdictError(
        'bad-model-contributors',
        `contribution ${i} reports ${c.samples} samples (1..${MAX_REPORTED_SAMPLES} allowed)`,
      );
    }
    const signer = toHex(c.pubkey);
    if (signers.has(signer)) {
      throw new VerdictError('bad-model-contributors', `contribution ${i}: signer ${signer} appears twice`);
    }
    signers.add(signer);
  });
}

/** One signature check per contribution, in update order (none for a growth update). */
export function contributionSigChecks(update: ModelUpdate): SigCheck[] {
  return update.contributions.map((c) => ({
    sig: c.sig,
    msg: contributionSighash(update.baseModelHash, c),
    pubkey: c.pubkey,
  }));
}

/**
 * Each contribution's credit (see the module comment); `count` contributions in update order.
 * `clip` false gives the value before clipping (negative for a harmful or noise-only
 * contribution), for proposers choosing what to include; consensus always clips.
 */
export function contributionCredit<M>(
  evaluator: Evaluator<M>,
  combination: Combination<M>,
  count: number,
  cmp: Pick<Comparison, 'disagreements' | 'childRight'>,
  seed: Hash,
  evalSamples: number,
  levels: readonly number[],
  params: Pick<NetworkParams, 'creditSamples' | 'creditZ100'>,
  clip = true,
): number[] {
  const k = Math.min(cmp.disagreements.length, params.creditSamples);
  const samples = cmp.disagreements.subarray(0, k);
  const childRight = cmp.childRight.subarray(0, k);
  const credit: number[] = new Array(count);
  const without = Array.from({ length: count }, (_, i) => combination.without(i));
  const rights = evaluator.correctOn(without, seed, evalSamples, levels, samples);
  for (let i = 0; i < count; i++) {
    const right = rights[i]!;
    let g = 0;
    let l = 0;
    for (let j = 0; j < k; j++) {
      if (childRight[j] === 1) {
        if (right[j] === 0) g++;
      } else if (right[j] === 1) l++;
    }
    const z = params.creditZ100;
    // g + l ≤ creditSamples and z small: the product is an exact integer in a double
    const c = g - l - isqrt(Math.floor((z * z * (g + l)) / 10_000));
    credit[i] = clip && c < 0 ? 0 : c;
  }
  return credit;
}

/** ⌊√n⌋ of a natural number, in integers (Newton's method). */
export function isqrt(n: number): number {
  if (n < 2) return n;
  let x = n;
  let y = Math.floor((x + 1) / 2);
  while (y < x) {
    x = y;
    y = Math.floor((x + Math.floor(n / x)) / 2);
  }
  return x;
}
