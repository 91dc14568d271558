/** Turning a keystore and its passphrase into the account's private keys. */
import type { NetworkParams } from '../consensus/index.js';
import { WalletError } from './errors.js';
import { AccountKeys, mnemonicToSeed } from './hd/index.js';
import { decryptKeystore, type KeystoreFile } from './keystore/index.js';

/**
 * Decrypts `file` (WRONG_PASSPHRASE, KEYSTORE_CORRUPT) and derives its account; the result must
 * match the xpub stored in the file.
 */
export async function signerOf(
  file: KeystoreFile,
  passphrase: string,
  params: NetworkParams,
): Promise<AccountKeys> {
  const secret = await decryptKeystore(file, passphrase);
  const seed = await mnemonicToSeed(secret.mnemonic, secret.bip39Passphrase);
  const keys = AccountKeys.fromSeed(seed, params, file.account);
  seed.fill(0);
  if (keys.xpub !== file.xpub) {
    keys.wipe();
    throw new WalletError({ code: 'KEYSTORE_CORRUPT', reason: 'xpub does not match the mnemonic' });
  }
  return keys;
}
