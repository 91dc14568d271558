/**
 * DeltaPool: the signed model deltas a node holds for the current chain model (p2p's DeltaSink).
 *
 * A gossiped delta is checked with verifySignedDelta (signedDelta.ts) against the tip model's
 * hash: a delta against another base is honest lag ('context': not relayed, not punished); an
 * oversized, malformed, over-bounded, unsigned or zero delta is 'invalid' (the sender is
 * punished). Every refusal is a FederationError. The pool
 * keeps the newest delta per signer (public key) for the current base, at most `maxEntries` of
 * them (the oldest is dropped first), and forgets everything when the base changes. Keyed by
 * signer, not payout address: a delta naming someone else's address cannot displace theirs.
 */
import {
  DecodeError,
  equalBytes,
  type Hash,
  type NetworkParams,
  type SyncSigVerifier,
  toHex,
} from '../../consensus/index.js';
import { rejected } from './errors.js';
import {
  decodeSignedDelta,
  MAX_SIGNED_DELTA_BYTES,
  type VerifiedDelta,
  verifySignedDelta,
} from './signedDelta.js';

export interface DeltaPoolOptions {
  /** Most contributors held at once (default 256). */
  readonly maxEntries?: number;
}

export interface DeltaPoolDeps {
  readonly params: NetworkParams;
  /** Hash of the best chain's current model. */
  currentModelHash(): Hash;
  /** Checks the deltas' signatures (default noble's; a node passes its native verifier). */
  readonly verifier?: SyncSigVerifier;
}

export interface DeltaPoolStats {
  /** Deltas accepted into the pool (gossiped or local). */
  readonly received: number;
  /** Deltas refused (stale or invalid). */
  readonly rejected: number;
  readonly size: number;
}

export class DeltaPool {
  private readonly maxEntries: number;
  private base: Hash | null = null;
  /** signer pubkey hex → delta; Map order is insertion order (oldest first). */
  private readonly bySigner = new Map<string, VerifiedDelta>();
  private received = 0;
  private rejected = 0;

  constructor(
    opts: DeltaPoolOptions,
    private readonly deps: DeltaPoolDeps,
  ) {
    this.maxEntries = opts.maxEntries ?? 256;
  }

  /** p2p DeltaSink: 'accept' relays a new delta, 'ignore' a duplicate; throws when refused. */
  async accept(bytes: Uint8Array, _source: string): Promise<'accept' | 'ignore'> {
    return this.add(bytes) ? 'accept' : 'ignore';
  }

  /** Validates and pools `bytes` (an encoded SignedDelta); false if already held. */
  add(bytes: Uint8Array): boolean {
    try {
      return this.insert(this.verify(bytes));
    } catch (e) {
      this.rejected++;
      throw e;
    }
  }

  /** The pooled deltas against `modelHash` (empty when that is not the current base). */
  deltasFor(modelHash: Hash): VerifiedDelta[] {
    this.sync();
    if (!this.base || !equalBytes(this.base, modelHash)) return [];
    return [...this.bySigner.values()];
  }

  stats(): DeltaPoolStats {
    this.sync();
    return { received: this.received, rejected: this.rejected, size: this.bySigner.size };
  }

  private verify(bytes: Uint8Array): VerifiedDelta {
    if (bytes.length > MAX_SIGNED_DELTA_BYTES) throw rejected(`oversized: ${bytes.length} bytes`);
    let message: ReturnType<typeof decodeSignedDelta>;
    try {
      message = decodeSignedDelta(bytes);
    } catch (e) {
      if (e instanceof DecodeError) throw rejected(`malformed: ${e.message}`);
      throw e;
    }
    return verifySignedDelta(message, this.deps.currentModelHash(), this.deps.params, this.deps.verifier);
  }

  private insert(v: VerifiedDelta): boolean {
    this.sync();
    const key = toHex(v.message.pubkey);
    const held = this.bySigner.get(key);
    if (held && equalBytes(held.message.sig, v.message.sig)) return false;
    this.bySigner.delete(key);
    this.bySigner.set(key, v);
    while (this.bySigner.size > this.maxEntries) {
      const oldest = this.bySigner.keys().next().value as string;
      this.bySigner.delete(oldest);
    }
    this.received++;
    return true;
  }

  /** Drops everything held when the chain model has changed. */
  private sync(): void {
    const current = this.deps.currentModelHash();
    if (this.base && equalBytes(this.base, current)) return;
    this.base = current;
    this.bySigner.clear();
  }
}
