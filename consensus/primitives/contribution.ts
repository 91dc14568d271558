/**
 * A contribution: one trainer's signed delta, as a block's model update carries it and as nodes
 * gossip it (training/federation adds the base model hash in front).
 *
 *   payout pubKeyHash 20 | x-only pubkey 32 | samples u32 | delta varbytes (≤ MAX_CONTRIBUTION_DELTA_SIZE)
 *   | BIP340 signature 64
 *
 * The signature covers contributionSighash(base, c) = taggedHash('qenex/signed-delta',
 *   version u8 (1) | base 32 | payout 20 | pubkey 32 | samples u32 | delta varbytes):
 * the signer commits to the model its delta applies to, so a contribution cannot be replayed on
 * another base. The signer (pubkey) is the contribution's identity; payout is the address it is
 * paid to (chosen by the signer, often its wallet's). `samples` is what the trainer reports having
 * trained: bounded, shown, never paid by (consensus pays by measured credit, poi/credit.ts). The
 * delta's inner format belongs to the evaluator (training/), which bounds and decodes it.
 */
import { type Reader, varintSize, Writer } from './encoding.js';
import { type Hash, taggedHash } from './hash.js';
import { PKH_SIZE } from './tx.js';

export const CONTRIBUTION_VERSION = 1;
/** Largest encoded delta one contribution may carry (a compressed delta is far smaller). */
export const MAX_CONTRIBUTION_DELTA_SIZE = 131_072;
/** Reported samples above this are rejected (a count is a claim, not a proof: bound it). */
export const MAX_REPORTED_SAMPLES = 100_000_000;
/** Fixed bytes of an encoded contribution besides its delta's varbytes. */
export const CONTRIBUTION_OVERHEAD = PKH_SIZE + 32 + 4 + 64;

export interface Contribution {
  /** Public-key hash the contribution's credit is paid to. */
  readonly payout: Uint8Array;
  /** x-only public key of the signer. */
  readonly pubkey: Uint8Array;
  /** Training samples the signer reports (1..MAX_REPORTED_SAMPLES). */
  readonly samples: number;
  /** Encoded delta against the base model (the evaluator's format). */
  readonly delta: Uint8Array;
  readonly sig: Uint8Array;
}

export type UnsignedContribution = Omit<Contribution, 'sig'>;

export function contributionSighash(base: Hash, c: UnsignedContribution): Hash {
  const w = new Writer(100 + c.delta.length);
  w.u8(CONTRIBUTION_VERSION).bytes(base).bytes(c.payout).bytes(c.pubkey).u32(c.samples).varbytes(c.delta);
  return taggedHash('qenex/signed-delta', w.finish());
}

export function writeContribution(w: Writer, c: Contribution): void {
  w.bytes(c.payout).bytes(c.pubkey).u32(c.samples).varbytes(c.delta).bytes(c.sig);
}

export function readContribution(r: Reader): Contribution {
  const payout = r.bytes(PKH_SIZE);
  const pubkey = r.bytes(32);
  const samples = r.u32();
  const delta = r.varbytes('contribution delta', MAX_CONTRIBUTION_DELTA_SIZE);
  const sig = r.bytes(64);
  return { payout, pubkey, samples, delta, sig };
}

export function contributionSize(c: Pick<Contribution, 'delta'>): number {
  return CONTRIBUTION_OVERHEAD + varintSize(c.delta.length) + c.delta.length;
}
