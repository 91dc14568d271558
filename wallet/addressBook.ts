/**
 * Which addresses are the wallet's. Per chain (receive, change) the book watches indices
 * [0, next + gapLimit), where `next` is the first index neither handed out nor seen used on chain
 * (BIP44's gap limit). Seeing an output to index i moves `next` past i, which extends the window;
 * handing out an address does the same. Handing out more than gapLimit consecutive unused receive
 * addresses is allowed, but another wallet restoring the mnemonic with the same gap limit would
 * stop scanning before them (BIP44's usual caveat).
 */
import { toHex } from '../consensus/index.js';
import { encodeAddress } from './address.js';
import { WalletError } from './errors.js';
import { type AccountKeys, type DerivedKey, type KeyChain, RECEIVE } from './hd/index.js';

export const MAX_LABEL_LENGTH = 256;

export class AddressBook {
  private readonly next: [number, number];
  private readonly derived: [number, number] = [0, 0];
  private readonly watched = new Map<string, DerivedKey>();
  private readonly labels = new Map<number, string>();

  constructor(
    private keys: AccountKeys,
    private readonly gapLimit: number,
    next: readonly [number, number] = [0, 0],
  ) {
    this.next = [next[0], next[1]];
    this.extend(0);
    this.extend(1);
  }

  /** Replaces the key source (lock/unlock); both derive the same public keys. */
  setKeys(keys: AccountKeys): void {
    this.keys = keys;
  }

  private extend(chain: KeyChain): void {
    const end = this.next[chain] + this.gapLimit;
    while (this.derived[chain] < end) {
      const k = this.keys.derive(chain, this.derived[chain]);
      this.watched.set(toHex(k.pubKeyHash), k);
      this.derived[chain]++;
    }
  }

  /** The key locking to `pubKeyHash`, when it is in the watched window. */
  lookup(pubKeyHash: Uint8Array): DerivedKey | undefined {
    return this.watched.get(toHex(pubKeyHash));
  }

  /** Records that chain/index received an output. True when the watched window grew. */
  markUsed(chain: KeyChain, index: number): boolean {
    if (index < this.next[chain]) return false;
    this.next[chain] = index + 1;
    const before = this.derived[chain];
    this.extend(chain);
    return this.derived[chain] > before;
  }

  /** Next unused index of `chain`, without handing it out. */
  peek(chain: KeyChain): number {
    return this.next[chain];
  }

  /** Hands out the next unused index of `chain`. */
  issue(chain: KeyChain): number {
    const i = this.next[chain];
    this.markUsed(chain, i);
    return i;
  }

  nextIndices(): [number, number] {
    return [this.next[0], this.next[1]];
  }

  key(chain: KeyChain, index: number): DerivedKey {
    return this.keys.derive(chain, index);
  }

  address(chain: KeyChain, index: number): string {
    return encodeAddress(this.keys.derive(chain, index).pubKeyHash, this.keys.params);
  }

  path(chain: KeyChain, index: number): string {
    return this.keys.path(chain, index);
  }

  setLabel(index: number, label: string): void {
    checkLabel(label);
    if (label === '') this.labels.delete(index);
    else this.labels.set(index, label);
  }

  label(chain: KeyChain, index: number): string | undefined {
    return chain === RECEIVE ? this.labels.get(index) : undefined;
  }

  /** Receive-chain labels, sorted by index. */
  allLabels(): Array<[number, string]> {
    return [...this.labels.entries()].sort((a, b) => a[0] - b[0]);
  }
}

export function checkLabel(label: unknown): asserts label is string {
  if (typeof label !== 'string') throw new WalletError({ code: 'LABEL_INVALID', reason: 'not a string' });
  if (label.length > MAX_LABEL_LENGTH) {
    throw new WalletError({ code: 'LABEL_INVALID', reason: `longer than ${MAX_LABEL_LENGTH} characters` });
  }
}
