import { strict as assert } from 'node:assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import {
  devnetParams,
  getPublicKey,
  hash160,
  mainParams,
  sign,
  testParams,
  verify,
} from '../../../../consensus/index.js';
import { WalletError } from '../../../../wallet/errors.js';
import {
  AccountKeys,
  accountPath,
  COIN_TYPE_MAIN,
  coinType,
  mnemonicToSeed,
  TPUB_VERSIONS,
  XPUB_VERSIONS,
  xOnly,
} from '../../../../wallet/hd/index.js';
import { BIP32_VECTORS, SLIP132_BIP44 } from './vectors.js';

function walletCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  assert.fail('expected a WalletError');
}

describe('wallet/hd keys (BIP32, BIP44, BIP340 x-only)', () => {
  BIP32_VECTORS.forEach((v, n) => {
    it(`BIP32 test vector ${n + 1}: every chain's xprv and xpub`, () => {
      const root = HDKey.fromMasterSeed(hexToBytes(v.seed), XPUB_VERSIONS);
      assert.equal(v.chains.length, 6);
      for (const [path, xpub, xprv] of v.chains) {
        const k = root.derive(path);
        assert.equal(k.privateExtendedKey, xprv, path);
        assert.equal(k.publicExtendedKey, xpub, path);
      }
    });

    it(`BIP32 test vector ${n + 1}: public derivation of non-hardened children from the parent xpub`, () => {
      for (let i = 1; i < v.chains.length; i++) {
        const [path, xpub] = v.chains[i]!;
        const last = path.split('/').pop()!;
        if (last.endsWith("'")) continue;
        const parent = HDKey.fromExtendedKey(v.chains[i - 1]![1], XPUB_VERSIONS);
        assert.equal(parent.deriveChild(Number(last)).publicExtendedKey, xpub, path);
      }
    });
  });

  it('SLIP-132 BIP44 vector: account key, and our x-only derivation from its xpub', async () => {
    const seed = await mnemonicToSeed(SLIP132_BIP44.mnemonic);
    const acct = HDKey.fromMasterSeed(seed, XPUB_VERSIONS).derive(SLIP132_BIP44.path);
    assert.equal(acct.privateExtendedKey, SLIP132_BIP44.xprv);
    assert.equal(acct.publicExtendedKey, SLIP132_BIP44.xpub);
    // The compressed key of m/44'/0'/0'/0/0 is the one behind the vector's P2PKH address...
    const compressed = acct.deriveChild(0).deriveChild(0).publicKey!;
    const p2pkh = base58check(sha256).encode(Uint8Array.of(0, ...hash160(compressed)));
    assert.equal(p2pkh, SLIP132_BIP44.address00);
    // ...and AccountKeys, from the xpub alone, derives its x-only form.
    const keys = AccountKeys.fromXpub(SLIP132_BIP44.xpub, mainParams);
    assert.equal(keys.accountIndex, 0);
    const k = keys.derive(0, 0);
    assert.equal(bytesToHex(k.pubkey), bytesToHex(compressed.slice(1)));
    assert.equal(bytesToHex(k.pubKeyHash), bytesToHex(hash160(compressed.slice(1))));
  });

  it("uses m/44'/8888'/account' on main and coin type 1 on test and devnet", async () => {
    assert.equal(coinType(mainParams), COIN_TYPE_MAIN);
    assert.equal(COIN_TYPE_MAIN, 8888);
    assert.equal(coinType(testParams), 1);
    assert.equal(coinType(devnetParams), 1);
    assert.equal(accountPath(mainParams, 3), "m/44'/8888'/3'");
    const seed = hexToBytes(BIP32_VECTORS[0]!.seed);
    const main = AccountKeys.fromSeed(seed, mainParams);
    assert.equal(
      main.xpub,
      HDKey.fromMasterSeed(seed, XPUB_VERSIONS).derive("m/44'/8888'/0'").publicExtendedKey,
    );
    assert.ok(main.xpub.startsWith('xpub'));
    const test = AccountKeys.fromSeed(seed, testParams, 2);
    assert.equal(
      test.xpub,
      HDKey.fromMasterSeed(seed, TPUB_VERSIONS).derive("m/44'/1'/2'").publicExtendedKey,
    );
    assert.ok(test.xpub.startsWith('tpub'));
    assert.equal(AccountKeys.fromSeed(seed, devnetParams, 2).xpub, test.xpub);
    assert.equal(main.path(1, 7), "m/44'/8888'/0'/1/7");
    // Receive and change chains are /0 and /1 below the account.
    const acct = HDKey.fromMasterSeed(seed, XPUB_VERSIONS).derive("m/44'/8888'/0'");
    assert.equal(
      bytesToHex(main.derive(1, 7).pubkey),
      bytesToHex(xOnly(acct.deriveChild(1).deriveChild(7).publicKey!)),
    );
  });

  it('derived keys sign BIP340 signatures that verify under the x-only key, for both Y parities', () => {
    const keys = AccountKeys.fromSeed(hexToBytes(BIP32_VECTORS[1]!.seed), devnetParams);
    const acct = HDKey.fromMasterSeed(hexToBytes(BIP32_VECTORS[1]!.seed), TPUB_VERSIONS).derive(
      accountPath(devnetParams, 0),
    );
    const parity = { even: 0, odd: 0 };
    for (const chain of [0, 1] as const) {
      for (let i = 0; i < 16; i++) {
        const compressed = acct.deriveChild(chain).deriveChild(i).publicKey!;
        if (compressed[0] === 3) parity.odd++;
        else parity.even++;
        const sk = keys.secretKey(chain, i);
        const { pubkey } = keys.derive(chain, i);
        assert.equal(bytesToHex(getPublicKey(sk)), bytesToHex(pubkey));
        const msg = sha256(Uint8Array.of(chain, i));
        const sig = sign(msg, sk, sha256(Uint8Array.of(i)));
        assert.ok(verify(sig, msg, pubkey), `${chain}/${i}`);
        const other = keys.derive(chain, i + 100).pubkey;
        assert.equal(verify(sig, msg, other), false);
      }
    }
    assert.ok(parity.odd > 0 && parity.even > 0, JSON.stringify(parity));
  });

  it('public-only accounts derive the same addresses but hold no secret keys', () => {
    const keys = AccountKeys.fromSeed(hexToBytes(BIP32_VECTORS[0]!.seed), devnetParams);
    const pub = keys.publicOnly();
    assert.equal(pub.hasPrivateKeys, false);
    assert.equal(bytesToHex(pub.derive(0, 5).pubKeyHash), bytesToHex(keys.derive(0, 5).pubKeyHash));
    assert.equal(
      walletCode(() => pub.secretKey(0, 5)),
      'WALLET_LOCKED',
    );
    keys.secretKey(0, 5);
    keys.wipe();
    assert.equal(keys.hasPrivateKeys, false);
    assert.equal(
      walletCode(() => keys.secretKey(0, 6)),
      'WALLET_LOCKED',
    );
    assert.equal(bytesToHex(keys.derive(1, 9).pubkey), bytesToHex(pub.derive(1, 9).pubkey));
  });

  it("rejects xprvs, other networks' version bytes and non-account keys", () => {
    assert.equal(
      walletCode(() => AccountKeys.fromXpub(SLIP132_BIP44.xprv, mainParams)),
      'XPUB_INVALID',
    );
    assert.equal(
      walletCode(() => AccountKeys.fromXpub(SLIP132_BIP44.xpub, devnetParams)),
      'XPUB_INVALID',
    );
    assert.equal(
      walletCode(() => AccountKeys.fromXpub(BIP32_VECTORS[0]!.chains[0]![1], mainParams)),
      'XPUB_INVALID',
    );
    assert.equal(
      walletCode(() => AccountKeys.fromXpub('xpub-nonsense', mainParams)),
      'XPUB_INVALID',
    );
  });
});
