import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testParams } from '../../../consensus/index.js';
import { generateMnemonic, Wallet } from '../../../wallet/index.js';
import { COIN, feed, MNEMONIC_A, params, payTo, TestChain, walletCode, walletCodeAsync } from './helpers.js';

describe('wallet with a keystore file', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-wallet-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a new mnemonic from the injected entropy and writes a 0600 keystore', async () => {
    const path = join(dir, 'new.json');
    const entropy = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    let calls = 0;
    const random = (n: number) => (calls++ === 0 ? entropy.slice(0, n) : new Uint8Array(n).fill(calls));
    const { wallet, mnemonic } = await Wallet.create({ path, passphrase: 'pw' }, { params, random });
    assert.equal(mnemonic, generateMnemonic(24, entropy));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(wallet.locked, false);
    assert.equal(wallet.keystorePath, path);
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes(mnemonic));
    assert.equal(JSON.parse(text).xpub, wallet.exportXpub());
    assert.equal(
      await walletCodeAsync(Wallet.create({ path, passphrase: 'other' }, { params })),
      'KEYSTORE_EXISTS',
    );
    assert.equal(
      await walletCodeAsync(Wallet.create({ path: join(dir, 'nopass.json') }, { params })),
      'PASSPHRASE_INVALID',
    );
  });

  it('opens unlocked with the passphrase, locked without; unlock and lock', async () => {
    const path = join(dir, 'a.json');
    const { wallet: created } = await Wallet.create(
      { path, passphrase: 'secret', mnemonic: MNEMONIC_A },
      { params },
    );
    const chain = new TestChain(params);
    await chain.mine({ miner: payTo(created.getNewAddress()) });
    for (let i = 0; i < 100; i++) await chain.mine();
    feed(chain, created);
    const state = created.serializeState();

    const open = await Wallet.open({ path, passphrase: 'secret', state }, { params });
    assert.equal(open.locked, false);
    assert.equal(open.exportXpub(), created.exportXpub());
    const dest = open.getNewAddress();
    const ok = await open.send({ outputs: [{ address: dest, amount: COIN }], dryRun: true });
    assert.equal(ok.inputs.length, 1);

    const locked = await Wallet.open({ path, state }, { params });
    assert.equal(locked.locked, true);
    assert.deepEqual(locked.getBalance(), created.getBalance());
    assert.equal(locked.getNewAddress(), dest);
    assert.equal(
      await walletCodeAsync(locked.send({ outputs: [{ address: dest, amount: COIN }] })),
      'WALLET_LOCKED',
    );
    assert.equal(await walletCodeAsync(locked.unlock('wrong')), 'WRONG_PASSPHRASE');
    assert.equal(locked.locked, true);
    await locked.unlock('secret');
    assert.equal(locked.locked, false);
    const signed = await locked.send({ outputs: [{ address: dest, amount: COIN }], dryRun: true });
    assert.deepEqual(signed.inputs, ok.inputs);
    locked.lock();
    assert.equal(locked.locked, true);
    assert.equal(
      await walletCodeAsync(locked.send({ outputs: [{ address: dest, amount: COIN }] })),
      'WALLET_LOCKED',
    );
    assert.equal(
      walletCode(() => locked.getBalance({ minConf: -1 })),
      'OPTIONS_INVALID',
    );
  });

  it('wrong passphrase and wrong network are refused; changing the passphrase works atomically', async () => {
    const path = join(dir, 'b.json');
    await Wallet.create({ path, passphrase: 'one', mnemonic: MNEMONIC_A }, { params });
    assert.equal(
      await walletCodeAsync(Wallet.open({ path, passphrase: 'two' }, { params })),
      'WRONG_PASSPHRASE',
    );
    assert.equal(
      await walletCodeAsync(Wallet.open({ path, passphrase: 'one' }, { params: testParams })),
      'NETWORK_MISMATCH',
    );
    const w = await Wallet.open({ path }, { params });
    const before = await readFile(path);
    assert.equal(await walletCodeAsync(w.changePassphrase('bad', 'three')), 'WRONG_PASSPHRASE');
    assert.deepEqual(await readFile(path), before);
    await w.changePassphrase('one', 'three');
    assert.notDeepEqual(await readFile(path), before);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await walletCodeAsync(w.unlock('one')), 'WRONG_PASSPHRASE');
    await w.unlock('three');
    assert.equal(w.locked, false);
  });
});
