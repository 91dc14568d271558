/**
 * Addresses: bech32 (BIP173 checksum) of a version-0 20-byte public-key hash, with the network's
 * prefix (`qxc` main, `tqxc` test, `dqxc` devnet). Every accepted address is checksum-validated.
 */
import { bech32 } from '@scure/base';
import type { NetworkParams } from '../consensus/index.js';
import { WalletError } from './errors.js';

const ADDRESS_VERSION = 0;

export function encodeAddress(pubKeyHash: Uint8Array, params: Pick<NetworkParams, 'addressPrefix'>): string {
  if (pubKeyHash.length !== 20) {
    throw new WalletError({ code: 'ADDRESS_INVALID', reason: 'public-key hash must be 20 bytes' });
  }
  return bech32.encode(params.addressPrefix, [ADDRESS_VERSION, ...bech32.toWords(pubKeyHash)]);
}

/** Decodes and validates an address for `params`' network; returns the 20-byte public-key hash. */
export function decodeAddress(address: string, params: Pick<NetworkParams, 'addressPrefix'>): Uint8Array {
  if (typeof address !== 'string' || address.length > 90) {
    throw new WalletError({ code: 'ADDRESS_INVALID', reason: 'not a string of at most 90 characters' });
  }
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(address as `${string}1${string}`);
  } catch (e) {
    throw new WalletError(
      { code: 'ADDRESS_INVALID', reason: (e as Error).message },
      `invalid address: ${(e as Error).message}`,
    );
  }
  if (decoded.prefix !== params.addressPrefix) {
    throw new WalletError(
      { code: 'ADDRESS_WRONG_NETWORK', expected: params.addressPrefix, got: decoded.prefix },
      `address is for prefix '${decoded.prefix}', this network uses '${params.addressPrefix}'`,
    );
  }
  const [version, ...rest] = decoded.words;
  if (version !== ADDRESS_VERSION) {
    throw new WalletError({ code: 'ADDRESS_INVALID', reason: `unknown address version ${version}` });
  }
  let pkh: Uint8Array;
  try {
    pkh = bech32.fromWords(rest);
  } catch (e) {
    throw new WalletError({ code: 'ADDRESS_INVALID', reason: (e as Error).message });
  }
  if (pkh.length !== 20)
    throw new WalletError({ code: 'ADDRESS_INVALID', reason: `payload of ${pkh.length} bytes` });
  return pkh;
}

export function isValidAddress(address: string, params: Pick<NetworkParams, 'addressPrefix'>): boolean {
  try {
    decodeAddress(address, params);
    return true;
  } catch {
    return false;
  }
}
