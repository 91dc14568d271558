/**
 * BIP39 mnemonics (English wordlist). Entropy is injected by the caller or, at this edge, read
 * from node:crypto; the seed is PBKDF2-HMAC-SHA512(NFKD mnemonic, "mnemonic" + NFKD passphrase,
 * 2048 rounds) as BIP39 specifies.
 */
import { randomBytes } from 'node:crypto';
import { entropyToMnemonic, mnemonicToSeedWebcrypto, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { WalletError } from '../errors.js';

export type MnemonicLength = 12 | 24;

/** Word counts BIP39 allows (12..24 words for 128..256 bits of entropy). */
const VALID_WORD_COUNTS = new Set([12, 15, 18, 21, 24]);

/**
 * A new mnemonic of 12 (128-bit) or 24 (256-bit) words. `entropy` (16 or 32 bytes) is used when
 * given; otherwise fresh bytes come from the OS CSPRNG.
 */
export function generateMnemonic(words: MnemonicLength = 24, entropy?: Uint8Array): string {
  if (words !== 12 && words !== 24) {
    throw new WalletError({ code: 'MNEMONIC_INVALID', reason: `word count ${words} is not 12 or 24` });
  }
  const bytes = words === 12 ? 16 : 32;
  const ent = entropy ?? new Uint8Array(randomBytes(bytes));
  if (!(ent instanceof Uint8Array) || ent.length !== bytes) {
    throw new WalletError({
      code: 'MNEMONIC_INVALID',
      reason: `${words} words need ${bytes} bytes of entropy`,
    });
  }
  return entropyToMnemonic(ent, wordlist);
}

/** NFKD, lower case, single spaces between words. */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}

/**
 * The normalized mnemonic if it has a valid word count, only wordlist words and a valid checksum;
 * throws MNEMONIC_INVALID otherwise (the reason never repeats the words).
 */
export function checkMnemonic(mnemonic: string): string {
  if (typeof mnemonic !== 'string') {
    throw new WalletError({ code: 'MNEMONIC_INVALID', reason: 'not a string' });
  }
  const m = normalizeMnemonic(mnemonic);
  const words = m === '' ? [] : m.split(' ');
  if (!VALID_WORD_COUNTS.has(words.length)) {
    throw new WalletError({
      code: 'MNEMONIC_INVALID',
      reason: `${words.length} words (expected 12, 15, 18, 21 or 24)`,
    });
  }
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) {
    throw new WalletError({ code: 'MNEMONIC_INVALID', reason: `word ${unknown + 1} is not in the wordlist` });
  }
  if (!validateMnemonic(m, wordlist)) {
    throw new WalletError({ code: 'MNEMONIC_INVALID', reason: 'checksum mismatch' });
  }
  return m;
}

export function isValidMnemonic(mnemonic: string): boolean {
  try {
    checkMnemonic(mnemonic);
    return true;
  } catch {
    return false;
  }
}

/** BIP39 seed (64 bytes) of a checked mnemonic and an optional BIP39 passphrase ("25th word"). */
export async function mnemonicToSeed(mnemonic: string, bip39Passphrase = ''): Promise<Uint8Array> {
  // PBKDF2 through WebCrypto (native; ~15x faster than the pure-JS variant).
  return mnemonicToSeedWebcrypto(checkMnemonic(mnemonic), bip39Passphrase);
}
