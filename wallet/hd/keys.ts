/**
 * BIP32/BIP44 keys of one wallet account.
 *
 * Path: m / 44' / coinType' / account' / chain / index, chain 0 = receive, 1 = change.
 * Coin type (SLIP-44 style): 8888 on main (a number not registered in SLIP-44 when chosen;
 * qenex's own), 1 on test and devnet (SLIP-44's shared "testnet, all coins").
 * Extended keys use Bitcoin's version bytes: xprv/xpub on main, tprv/tpub on test and devnet.
 *
 * Outputs lock to hash160 of the BIP340 x-only public key: the 33-byte compressed BIP32 key
 * without its first (parity) byte. Signing uses the BIP32 secret key as is; BIP340 signing
 * negates it internally when its point has an odd Y, so signatures verify under the x-only key.
 *
 * An account can be public-only (from its xpub, or after `wipe()`): it still derives every
 * address (non-hardened children), but has no secret keys.
 */
import { HDKey, type Versions } from '@scure/bip32';
import { hash160, type NetworkParams } from '../../consensus/index.js';
import { WalletError } from '../errors.js';

export const COIN_TYPE_MAIN = 8888;
export const COIN_TYPE_TEST = 1;
export const PURPOSE = 44;
export const HARDENED = 0x8000_0000;

export const XPUB_VERSIONS: Versions = { private: 0x0488ade4, public: 0x0488b21e };
export const TPUB_VERSIONS: Versions = { private: 0x04358394, public: 0x043587cf };

/** 0 = receive (external), 1 = change (internal). */
export type KeyChain = 0 | 1;
export const RECEIVE: KeyChain = 0;
export const CHANGE: KeyChain = 1;

export interface DerivedKey {
  readonly chain: KeyChain;
  readonly index: number;
  /** 32-byte BIP340 x-only public key. */
  readonly pubkey: Uint8Array;
  /** hash160(pubkey): what outputs lock to. */
  readonly pubKeyHash: Uint8Array;
}

export function coinType(params: Pick<NetworkParams, 'name'>): number {
  return params.name === 'main' ? COIN_TYPE_MAIN : COIN_TYPE_TEST;
}

export function hdVersions(params: Pick<NetworkParams, 'name'>): Versions {
  return params.name === 'main' ? XPUB_VERSIONS : TPUB_VERSIONS;
}

export function accountPath(params: Pick<NetworkParams, 'name'>, account: number): string {
  return `m/${PURPOSE}'/${coinType(params)}'/${account}'`;
}

export function keyPath(
  params: Pick<NetworkParams, 'name'>,
  account: number,
  chain: KeyChain,
  index: number,
) {
  return `${accountPath(params, account)}/${chain}/${index}`;
}

/** x-only (BIP340) form of a 33-byte compressed public key. */
export function xOnly(compressed: Uint8Array): Uint8Array {
  return compressed.slice(1, 33);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= HARDENED) {
    throw new WalletError({
      code: 'OPTIONS_INVALID',
      option: 'index',
      reason: `${index} is not in [0, 2^31)`,
    });
  }
}

export class AccountKeys {
  private readonly chains: [HDKey, HDKey];
  private readonly cache = new Map<string, DerivedKey>();

  private constructor(
    private account: HDKey,
    readonly params: NetworkParams,
    readonly accountIndex: number,
  ) {
    this.chains = [account.deriveChild(0), account.deriveChild(1)];
  }

  /** The account of a BIP39 seed (64 bytes; BIP32 accepts 16..64). */
  static fromSeed(seed: Uint8Array, params: NetworkParams, account = 0): AccountKeys {
    checkIndex(account);
    const root = HDKey.fromMasterSeed(seed, hdVersions(params));
    const acct = root.derive(accountPath(params, account));
    root.wipePrivateData();
    return new AccountKeys(acct, params, account);
  }

  /** A public-only account from its extended public key (must use this network's version bytes). */
  static fromXpub(xpub: string, params: NetworkParams): AccountKeys {
    let key: HDKey;
    try {
      key = HDKey.fromExtendedKey(xpub, hdVersions(params));
    } catch (e) {
      throw new WalletError({ code: 'XPUB_INVALID', reason: (e as Error).message });
    }
    if (key.privateKey) throw new WalletError({ code: 'XPUB_INVALID', reason: 'an extended private key' });
    if (key.depth !== 3) {
      throw new WalletError({
        code: 'XPUB_INVALID',
        reason: `depth ${key.depth}, expected an account key (3)`,
      });
    }
    if (key.index < HARDENED) {
      throw new WalletError({ code: 'XPUB_INVALID', reason: 'account key is not a hardened child' });
    }
    return new AccountKeys(key, params, key.index - HARDENED);
  }

  /** The account's extended public key (xpub on main, tpub elsewhere). */
  get xpub(): string {
    return this.account.publicExtendedKey;
  }

  get hasPrivateKeys(): boolean {
    return this.account.privateKey !== null;
  }

  path(chain: KeyChain, index: number): string {
    return keyPath(this.params, this.accountIndex, chain, index);
  }

  /** Public key and pubkey hash of chain/index (cached). */
  derive(chain: KeyChain, index: number): DerivedKey {
    checkIndex(index);
    const id = `${chain}/${index}`;
    let k = this.cache.get(id);
    if (!k) {
      const child = this.chains[chain].deriveChild(index);
      const pubkey = xOnly(child.publicKey!);
      k = { chain, index, pubkey, pubKeyHash: hash160(pubkey) };
      this.cache.set(id, k);
    }
    return k;
  }

  /** 32-byte secret key of chain/index. Throws WALLET_LOCKED on a public-only account. */
  secretKey(chain: KeyChain, index: number): Uint8Array {
    checkIndex(index);
    if (!this.hasPrivateKeys) throw new WalletError({ code: 'WALLET_LOCKED' });
    return this.chains[chain].deriveChild(index).privateKey!;
  }

  /** A public-only copy (for a locked wallet). */
  publicOnly(): AccountKeys {
    return AccountKeys.fromXpub(this.xpub, this.params);
  }

  /** Drops the private key material this object holds (it becomes public-only). */
  wipe(): void {
    this.account.wipePrivateData();
    this.chains[0].wipePrivateData();
    this.chains[1].wipePrivateData();
  }
}
