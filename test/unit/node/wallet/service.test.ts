/**
 * WalletService against a real Chain (memory database) and Mempool fed with TestChain blocks:
 * catching up at start, following blocks, a reorganization that unconfirms a payment (which goes
 * back to the mempool), state persisted and restored across restarts (also across a reorg that
 * happened while the service was stopped), relocking.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BlockWithIds, nobleVerifier, toHex } from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { Mempool } from '../../../../node/mempool/index.js';
import { WALLET_FILE_NAME, WALLET_STATE_FILE_NAME, WalletService } from '../../../../node/wallet/index.js';
import { decodeAddress, encodeAddress, syncWallet, Wallet, WalletError } from '../../../../wallet/index.js';
import { type KeyPair, keyPair, TestChain } from '../../../utils/chainBuilder.js';
import { feed, forkAt, type Opened, openChain, P } from '../chain/helpers.js';

const PASS = 'service test passphrase';
const MNEMONIC =
  'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';
const other = keyPair('service-other');
const otherAddr = encodeAddress(other.pkh, P);

async function waitFor(fn: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A chain + mempool wired the way node/createNode.ts wires them. */
async function openNodeParts(): Promise<Opened & { mempool: Mempool }> {
  const opened = await openChain();
  const { chain } = opened;
  const mempool = new Mempool(
    { maxSizeBytes: 1_000_000, minFeeRate: 1n },
    {
      chain: { params: P, tipHeight: () => chain.tipHeight(), getCoin: (op) => chain.getCoin(op) },
      verifier: nobleVerifier,
      logger: silentLogger,
    },
  );
  await mempool.start();
  chain.on('block', ({ block }) => void mempool.removeForBlock(block));
  chain.on('disconnect', ({ block }) => void mempool.addBackFromBlock(block));
  return { ...opened, mempool };
}

/** A TestChain "miner" whose coinbase pays `address` (only the pubkey hash is used). */
function payTo(address: string): KeyPair {
  return { sk: new Uint8Array(32), pk: new Uint8Array(32), pkh: decodeAddress(address, P) };
}

/** Miner value paid to the wallet by a TestChain coinbase. */
function coinbaseValue(b: BlockWithIds): bigint {
  return b.txs[0]!.tx.outputs.at(-1)!.value;
}

describe('node/wallet WalletService', function () {
  this.timeout(30_000);
  let datadir: string;
  let parts: Awaited<ReturnType<typeof openNodeParts>>;
  let services: WalletService[];
  let mineAddr: string;

  const service = (saveDelayMs = 20) => {
    const s = new WalletService(
      { datadir, saveDelayMs },
      { chain: parts.chain, mempool: parts.mempool, params: P, logger: silentLogger },
    );
    services.push(s);
    return s;
  };

  beforeEach(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'qenex-wsvc-'));
    parts = await openNodeParts();
    services = [];
    const { wallet } = await Wallet.create(
      { path: join(datadir, WALLET_FILE_NAME), passphrase: PASS, mnemonic: MNEMONIC },
      { params: P },
    );
    mineAddr = wallet.getNewAddress();
  });
  afterEach(async () => {
    for (const s of services) await s.stop();
    await parts.mempool.stop();
    await parts.chain.stop();
    await rm(datadir, { recursive: true, force: true });
  });

  it('runs without a wallet when there is no wallet file', async () => {
    await rm(join(datadir, WALLET_FILE_NAME));
    const s = service();
    await s.start();
    assert.equal(s.wallet, null);
    assert.throws(() => s.requireWallet(), { code: 'WALLET_NOT_LOADED' });
    await s.stop();
    assert.equal(existsSync(join(datadir, WALLET_STATE_FILE_NAME)), false);
  });

  it('catches up at start, follows blocks, and a reorg unconfirms its payment (back in the mempool)', async () => {
    const tc = new TestChain(P);
    const pay = payTo(mineAddr);
    const earned: bigint[] = [];
    for (let h = 1; h <= 2; h++) earned.push(coinbaseValue(await tc.mine({ miner: pay })));
    await feed(
      parts.chain,
      tc.entries.slice(1).map((e) => e.block),
    );

    const s = service();
    await s.start();
    const w = s.requireWallet();
    assert.deepEqual(s.startupSync, { connected: 3, disconnected: 0 });
    assert.equal(w.tip?.hash, toHex(parts.chain.tip.hash));
    assert.equal(w.locked, true);
    assert.equal(w.getBalance().immature, earned[0]! + earned[1]!);

    // Follows new blocks through the chain's events: maturity 3 → heights 1..2 mature at tip 4.
    for (let h = 3; h <= 4; h++) {
      const b = await tc.mine({ miner: other });
      await feed(parts.chain, [b]);
    }
    assert.equal(w.tip?.height, 4);
    assert.deepEqual(w.getBalance(), { confirmed: earned[0]! + earned[1]!, unconfirmed: 0n, immature: 0n });

    // Pay someone: locked first, then unlocked; the mempool holds it, the wallet too.
    await assert.rejects(
      s.send({ outputs: [{ address: otherAddr, amount: 1_000_000n }] }),
      (e: unknown) => e instanceof WalletError && e.code === 'WALLET_LOCKED',
    );
    await s.unlock(PASS, 60);
    const sent = await s.send({ outputs: [{ address: otherAddr, amount: 1_000_000n }] });
    assert.ok(parts.mempool.has(sent.txid));
    assert.equal(w.getTransaction(sent.txid)?.confirmations, 0);

    // Mined at height 5 on branch A.
    const b5 = await tc.mine({ miner: other, txs: [sent.tx], fees: sent.fee });
    await feed(parts.chain, [b5]);
    assert.equal(w.getTransaction(sent.txid)?.confirmations, 1);
    assert.equal(w.getTransaction(sent.txid)?.height, 5);
    await waitFor(() => !parts.mempool.has(sent.txid), 'the block to clear the mempool');

    // Branch B from height 4, heavier, without the payment: it is unconfirmed again and pooled.
    const alt = forkAt(tc, 4);
    const bBlocks: BlockWithIds[] = [];
    // its first block ties b5 and loses the tie-break; its second makes it heavier
    bBlocks.push(await alt.mine({ miner: other, losesTieTo: b5 }));
    bBlocks.push(await alt.mine({ miner: other }));
    assert.deepEqual(await feed(parts.chain, bBlocks), ['side', 'reorganized']);
    assert.equal(w.tip?.hash, toHex(alt.tip.block.hash));
    assert.equal(w.getTransaction(sent.txid)?.confirmations, 0);
    assert.equal(w.getTransaction(sent.txid)?.height, null);
    await waitFor(() => parts.mempool.has(sent.txid), 'the payment back in the mempool');
    const bal = w.getBalance({ minConf: 0 });
    assert.equal(bal.confirmed + bal.unconfirmed, earned[0]! + earned[1]! - 1_000_000n - sent.fee);
  });

  it('persists its state and restores it across restarts, also across a reorg while stopped', async () => {
    const pay = payTo(mineAddr);
    const tc = new TestChain(P);
    for (let h = 1; h <= 6; h++) await tc.mine({ miner: h % 2 === 1 ? pay : other });
    await feed(
      parts.chain,
      tc.entries.slice(1).map((e) => e.block),
    );

    const s1 = service();
    await s1.start();
    const w1 = s1.requireWallet();
    const labelled = await s1.getNewAddress('savings');
    assert.notEqual(labelled, mineAddr);
    const balance1 = w1.getBalance();
    const history1 = w1.listTransactions({ count: 100 }).map((t) => t.txid);
    assert.equal(history1.length, 3);
    await s1.stop();
    assert.ok(existsSync(join(datadir, WALLET_STATE_FILE_NAME)));

    // Restart, chain unchanged: nothing to apply or undo, same balance, history and labels, and
    // the next address is a fresh one.
    const s2 = service();
    await s2.start();
    const w2 = s2.requireWallet();
    assert.deepEqual(s2.startupSync, { connected: 0, disconnected: 0 });
    assert.deepEqual(w2.getBalance(), balance1);
    assert.deepEqual(
      w2.listTransactions({ count: 100 }).map((t) => t.txid),
      history1,
    );
    assert.equal(w2.getAddressInfo(labelled)?.label, 'savings');
    const next = await s2.getNewAddress();
    assert.ok(next !== mineAddr && next !== labelled);
    await s2.stop();

    // While stopped: a heavier branch from height 3 replaces blocks 4..6 (5 paid the wallet).
    const alt = forkAt(tc, 3);
    const altBlocks: BlockWithIds[] = [];
    for (let i = 0; i < 4; i++) altBlocks.push(await alt.mine({ miner: keyPair('service-alt') }));
    await feed(parts.chain, altBlocks);
    assert.equal(parts.chain.tip.height, 7);

    const s3 = service();
    await s3.start();
    const w3 = s3.requireWallet();
    assert.deepEqual(s3.startupSync, { disconnected: 3, connected: 4 });
    assert.equal(w3.tip?.hash, toHex(parts.chain.tip.hash));
    // Same as a wallet rescanned from genesis.
    const fresh = await Wallet.open({ path: join(datadir, WALLET_FILE_NAME) }, { params: P });
    await syncWallet(fresh, {
      params: P,
      tipHeight: () => parts.chain.tip.height,
      getBlockHash: (h) => parts.chain.getEntryByHeight(h)?.hash,
      getBlock: (hash) => parts.chain.getBlock(hash),
    });
    assert.deepEqual(w3.getBalance(), fresh.getBalance());
    assert.deepEqual(
      w3.listTransactions({ count: 100 }).map((t) => t.txid),
      fresh.listTransactions({ count: 100 }).map((t) => t.txid),
    );
    assert.equal(w3.listTransactions({ count: 100 }).length, 2);
  });

  it('after a restart resubmits its unconfirmed payment to the (empty) mempool, or forgets it if refused', async () => {
    const tc = new TestChain(P);
    await tc.mine({ miner: payTo(mineAddr) });
    for (let h = 2; h <= 4; h++) await tc.mine({ miner: other });
    await feed(
      parts.chain,
      tc.entries.slice(1).map((e) => e.block),
    );
    const s1 = service();
    await s1.start();
    await s1.unlock(PASS, 60);
    const total = s1.requireWallet().getBalance().confirmed;
    const sent = await s1.send({ outputs: [{ address: otherAddr, amount: 5_000_000n }] });
    await s1.stop();

    const freshMempool = (minFeeRate: bigint) =>
      new Mempool(
        { maxSizeBytes: 1_000_000, minFeeRate },
        {
          chain: {
            params: P,
            tipHeight: () => parts.chain.tipHeight(),
            getCoin: (op) => parts.chain.getCoin(op),
          },
          verifier: nobleVerifier,
          logger: silentLogger,
        },
      );
    const m2 = freshMempool(1n);
    const s2 = new WalletService(
      { datadir, saveDelayMs: 10 },
      { chain: parts.chain, mempool: m2, params: P, logger: silentLogger },
    );
    services.push(s2);
    await s2.start();
    await waitFor(() => m2.has(sent.txid), 'the payment resubmitted');
    assert.equal(s2.requireWallet().getTransaction(sent.txid)?.confirmations, 0);
    await s2.stop();

    // A node whose mempool now wants a higher fee refuses it: the wallet forgets it, coins return.
    const m3 = freshMempool(1_000_000n);
    const s3 = new WalletService(
      { datadir, saveDelayMs: 10 },
      { chain: parts.chain, mempool: m3, params: P, logger: silentLogger },
    );
    services.push(s3);
    await s3.start();
    const w3 = s3.requireWallet();
    await waitFor(() => w3.getTransaction(sent.txid) === undefined, 'the refused payment dropped');
    assert.equal(m3.has(sent.txid), false);
    assert.deepEqual(w3.getBalance(), { confirmed: total, unconfirmed: 0n, immature: 0n });
  });

  it('writes the state shortly after each block (without a stop)', async () => {
    const s = service(10);
    await s.start();
    const statePath = join(datadir, WALLET_STATE_FILE_NAME);
    const tc = new TestChain(P);
    const b = await tc.mine({ miner: payTo(mineAddr) });
    await feed(parts.chain, [b]);
    // A second process reading the file sees the block (atomic write, no stop needed).
    await waitFor(() => existsSync(statePath), 'the state file');
    let seen = -1;
    await waitFor(() => {
      try {
        const w = Wallet.watchOnly(
          s.requireWallet().exportXpub(),
          { state: new Uint8Array(readFileSync(statePath)) },
          { params: P },
        );
        seen = w.tip?.height ?? -1;
      } catch {
        seen = -1;
      }
      return seen === 1;
    }, 'the block in the saved state');
  });

  it('rescans when the saved state is unusable', async () => {
    await writeFile(join(datadir, WALLET_STATE_FILE_NAME), new Uint8Array([1, 2, 3]));
    const s = service();
    await s.start();
    assert.deepEqual(s.startupSync, { connected: 1, disconnected: 0 });
    assert.equal(s.requireWallet().tip?.height, 0);
  });

  it('walletpassphrase semantics: wrong passphrase, relock after the timeout, lock', async () => {
    const s = service();
    await s.start();
    await assert.rejects(
      s.unlock('wrong', 10),
      (e: unknown) => e instanceof WalletError && e.code === 'WRONG_PASSPHRASE',
    );
    assert.deepEqual(s.unlockStatus(), { locked: true, unlockedUntil: null });
    await s.unlock(PASS, 0.2);
    const st = s.unlockStatus();
    assert.equal(st.locked, false);
    assert.ok(st.unlockedUntil !== null && st.unlockedUntil > Date.now());
    await waitFor(() => s.requireWallet().locked, 'the relock', 3000);
    await s.unlock(PASS, 100);
    s.lock();
    assert.equal(s.requireWallet().locked, true);
    await s.unlock(PASS, 0);
    assert.equal(s.requireWallet().locked, true);
  });
});
