/**
 * Devnet helper for `npm start` and `npm run devnet`: makes sure a data dir has a wallet
 * (<datadir>/wallet.json, encrypted; its passphrase is generated and kept beside it in
 * wallet-passphrase.txt with mode 0600, which is fine for throwaway devnet coins only) and
 * returns the address to mine to (the wallet's first receive address).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devnetParams } from '../consensus/index.js';
import { Wallet } from '../wallet/index.js';

export interface DevWallet {
  readonly address: string;
  readonly passphraseFile: string;
  readonly created: boolean;
}

export async function ensureDevWallet(datadir: string): Promise<DevWallet> {
  const path = join(datadir, 'wallet.json');
  const passphraseFile = join(datadir, 'wallet-passphrase.txt');
  const addressFile = join(datadir, 'mining-address.txt');
  if (existsSync(path) && existsSync(addressFile)) {
    return { address: readFileSync(addressFile, 'utf8').trim(), passphraseFile, created: false };
  }
  const passphrase = randomBytes(18).toString('base64url');
  writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 });
  const { wallet } = await Wallet.create({ path, passphrase, words: 12 }, { params: devnetParams });
  const address = wallet.getNewAddress('mining');
  writeFileSync(addressFile, `${address}\n`);
  return { address, passphraseFile, created: true };
}
