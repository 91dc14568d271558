import { strict as assert } from 'node:assert';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { WalletError } from '../../../../wallet/errors.js';
import {
  checkMnemonic,
  generateMnemonic,
  isValidMnemonic,
  mnemonicToSeed,
  XPUB_VERSIONS,
} from '../../../../wallet/hd/index.js';
import { BIP39_VECTORS } from './vectors.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  assert.fail('expected a WalletError');
}

describe('wallet/hd mnemonic (BIP39)', () => {
  it('has all 24 official English vectors', () => {
    assert.equal(BIP39_VECTORS.length, 24);
  });

  for (const [entropy, mnemonic, seed, xprv] of BIP39_VECTORS) {
    it(`vector ${mnemonic.split(' ').slice(0, 3).join(' ')}… (${mnemonic.split(' ').length} words)`, async () => {
      assert.equal(checkMnemonic(mnemonic), mnemonic);
      const ent = hexToBytes(entropy);
      if (ent.length === 16) assert.equal(generateMnemonic(12, ent), mnemonic);
      if (ent.length === 32) assert.equal(generateMnemonic(24, ent), mnemonic);
      const s = await mnemonicToSeed(mnemonic, 'TREZOR');
      assert.equal(bytesToHex(s), seed);
      assert.equal(HDKey.fromMasterSeed(s, XPUB_VERSIONS).privateExtendedKey, xprv);
    });
  }

  it('rejects a bad checksum, unknown words and bad word counts', () => {
    const words = BIP39_VECTORS[0]![1].split(' ');
    const badChecksum = [...words.slice(0, 11), 'abandon'].join(' ');
    assert.equal(
      code(() => checkMnemonic(badChecksum)),
      'MNEMONIC_INVALID',
    );
    assert.match(
      (() => {
        try {
          checkMnemonic(badChecksum);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })(),
      /checksum/,
    );
    assert.equal(
      code(() => checkMnemonic([...words.slice(0, 11), 'qenex'].join(' '))),
      'MNEMONIC_INVALID',
    );
    assert.equal(
      code(() => checkMnemonic(words.slice(0, 11).join(' '))),
      'MNEMONIC_INVALID',
    );
    assert.equal(
      code(() => checkMnemonic('')),
      'MNEMONIC_INVALID',
    );
    assert.equal(isValidMnemonic(badChecksum), false);
    assert.equal(isValidMnemonic(words.join(' ')), true);
  });

  it('normalizes case and whitespace before deriving the seed', async () => {
    const [, mnemonic, seed] = BIP39_VECTORS[1]!;
    const messy = `  ${mnemonic.toUpperCase().split(' ').join('  \n')} `;
    assert.equal(checkMnemonic(messy), mnemonic);
    assert.equal(bytesToHex(await mnemonicToSeed(messy, 'TREZOR')), seed);
  });

  it('generates valid 12- and 24-word mnemonics from the OS CSPRNG', () => {
    const a = generateMnemonic(24);
    const b = generateMnemonic(24);
    const c = generateMnemonic(12);
    assert.equal(a.split(' ').length, 24);
    assert.equal(c.split(' ').length, 12);
    assert.ok(isValidMnemonic(a) && isValidMnemonic(b) && isValidMnemonic(c));
    assert.notEqual(a, b);
  });

  it('rejects entropy of the wrong length and unsupported word counts', () => {
    assert.equal(
      code(() => generateMnemonic(12, new Uint8Array(32))),
      'MNEMONIC_INVALID',
    );
    assert.equal(
      code(() => generateMnemonic(24, new Uint8Array(16))),
      'MNEMONIC_INVALID',
    );
    assert.equal(
      code(() => generateMnemonic(18 as 12)),
      'MNEMONIC_INVALID',
    );
  });
});
