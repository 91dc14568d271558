import { strict as assert } from 'node:assert';
import {
  type BlockWithIds,
  devnetParams,
  nobleVerifier,
  type SigCheck,
  type SigVerifier,
  type Transaction,
  toHex,
  txid,
  withId,
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import {
  Mempool,
  MempoolError,
  type MempoolOptions,
  type MempoolRemovedEvent,
  type MempoolTxEvent,
} from '../../../../node/mempool/index.js';
import { keyPair, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';
import { ChainAdapter, coinbaseOf, outputOf, pay, type Spendable, spendTx } from './helpers.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const alice = keyPair('alice');
const bob = keyPair('bob');
/** 1-input 1-output transaction size: 4 + 1 + 36 + 1 + 28 + 4 + 96. */
const SIZE_1_1 = 170;

/** Rejection reason of `p` (fails if it resolves). */
async function reason(
  p: Promise<unknown>,
): Promise<{ reason: string | undefined; level: string | undefined; err: MempoolError }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof MempoolError, `expected a MempoolError, got ${String(err)}`);
    return { reason: err.reason, level: err.level, err };
  }
  assert.fail('expected a rejection');
}

/** Counts signature checks and can be told to fail them. */
class CountingVerifier implements SigVerifier {
  calls = 0;
  async verifyBatch(checks: readonly SigCheck[]): Promise<number> {
    this.calls++;
    return nobleVerifier.verifyBatch(checks);
  }
}

describe('node/mempool', function () {
  this.timeout(60_000);
  let tc: TestChain;
  let chain: ChainAdapter;
  /** Mature coinbase outputs of the test miner, one per block. */
  let mature: Spendable[];

  async function freshChain(): Promise<void> {
    tc = new TestChain(linearDevnet);
    chain = new ChainAdapter(tc);
    for (let i = 0; i < 115; i++) await chain.connect(tc.buildBlock());
    // At tip 115 the next block is 116: coinbases of heights 1..16 are mature (116 - h >= 100).
    mature = [];
    for (let h = 1; h <= 16; h++) mature.push(coinbaseOf(tc, h));
  }

  function pool(opts: Partial<MempoolOptions> = {}, verifier: SigVerifier = nobleVerifier): Mempool {
    return new Mempool(
      { maxSizeBytes: 1_000_000, minFeeRate: 1n, ...opts },
      { chain, verifier, logger: silentLogger, clock: { now: () => 1234 } },
    );
  }

  /** Mines `txs` into the next block (through the real consensus path) and returns it. */
  async function mineTxs(txs: Transaction[], fees: bigint): Promise<BlockWithIds> {
    const b = tc.buildBlock({ txs, fees });
    await chain.connect(b);
    return b;
  }

  describe('accept', () => {
    before(freshChain);

    it('accepts a valid transaction and reports fee, fee rate and the tx event', async () => {
      const mp = pool();
      const events: MempoolTxEvent[] = [];
      mp.on('tx', (e) => events.push(e));
      const tx = pay(mature[0]!, alice, 1700n);
      const res = await mp.accept(tx);
      assert.equal(res.txid, toHex(txid(tx)));
      assert.equal(res.fee, 1700n);
      assert.equal(res.size, SIZE_1_1);
      assert.equal(res.feeRate, 10n);
      assert.ok(mp.has(res.txid));
      assert.ok(mp.has(txid(tx)));
      assert.equal(mp.size, 1);
      assert.equal(mp.bytes, SIZE_1_1);
      assert.deepEqual(mp.txids(), [res.txid]);
      const e = mp.get(res.txid)!;
      assert.equal(e.fee, 1700n);
      assert.equal(e.height, tc.height);
      assert.equal(e.time, 1234);
      assert.equal(events.length, 1);
      assert.equal(events[0]!.txid, res.txid);
      assert.equal(events[0]!.tx.wtxid.length, 32);
    });

    it('rejects a second spend of an outpoint a pooled tx spends (no replacement)', async () => {
      const mp = pool();
      await mp.accept(pay(mature[0]!, alice, 1700n));
      const r = await reason(mp.accept(pay(mature[0]!, bob, 50_000n)));
      assert.equal(r.reason, 'txn-mempool-conflict');
      assert.equal(r.level, 'policy');
      assert.equal(mp.size, 1);
    });

    it('rejects the same transaction twice, and a witness variant of it', async () => {
      const mp = pool();
      const tx = pay(mature[0]!, alice, 1700n);
      await mp.accept(tx);
      assert.equal((await reason(mp.accept(tx))).reason, 'txn-already-in-mempool');
      const sig = tx.witnesses[0]!.sig.slice();
      sig[5]! ^= 1;
      const variant: Transaction = { ...tx, witnesses: [{ pubkey: tx.witnesses[0]!.pubkey, sig }] };
      assert.equal((await reason(mp.accept(variant))).reason, 'txn-same-nonwitness-data-in-mempool');
    });

    it('rejects a coinbase', async () => {
      const cb = tc.tip.block.txs[0]!.tx;
      const r = await reason(pool().accept(cb));
      assert.equal(r.reason, 'coinbase');
    });

    it('rejects missing inputs with level context, keeping the tx as an orphan', async () => {
      const mp = pool();
      const ghost: Spendable = {
        op: { txid: new Uint8Array(32).fill(7), index: 0 },
        out: mature[0]!.out,
        key: tc.miner,
      };
      const r = await reason(mp.accept(pay(ghost, alice, 1700n)));
      assert.equal(r.reason, 'missing-inputs');
      assert.equal(r.level, 'context');
      assert.equal(r.err.code, 'MEMPOOL_MISSING_INPUTS');
      assert.equal(mp.info().orphans, 1);
      assert.equal(mp.size, 0);
    });

    it('accepts an orphan once its parent arrives', async () => {
      const mp = pool();
      const parent = pay(mature[1]!, alice, 1700n);
      const child = pay(outputOf(parent, 0, alice), bob, 1700n);
      const seen: string[] = [];
      mp.on('tx', (e) => seen.push(e.txid));
      const r = await reason(mp.accept(child));
      assert.equal(r.reason, 'missing-inputs');
      if (r.err.type.code === 'MEMPOOL_MISSING_INPUTS') {
        assert.deepEqual(r.err.type.parents, [toHex(txid(parent))]);
        assert.equal(r.err.type.orphan, true);
      }
      await mp.accept(parent);
      assert.ok(mp.has(txid(child)));
      assert.deepEqual(seen, [toHex(txid(parent)), toHex(txid(child))]);
      assert.equal(mp.info().orphans, 0);
    });

    it('keeps the orphan pool bounded (oldest dropped)', async () => {
      const mp = pool({ maxOrphans: 2 });
      for (let i = 0; i < 4; i++) {
        const ghost: Spendable = {
          op: { txid: new Uint8Array(32).fill(i + 1), index: 0 },
          out: mature[0]!.out,
          key: tc.miner,
        };
        await reason(mp.accept(pay(ghost, alice, 1700n)));
      }
      assert.equal(mp.info().orphans, 2);
    });

    it('rejects a transaction already confirmed', async () => {
      await freshChain();
      const tx = pay(mature[2]!, alice, 1700n);
      await mineTxs([tx], 1700n);
      const r = await reason(pool().accept(tx));
      assert.equal(r.reason, 'txn-already-known');
    });

    it('rejects an immature coinbase spend with the consensus reason', async () => {
      const young = coinbaseOf(tc, tc.height - 10);
      const r = await reason(pool().accept(pay(young, alice, 1700n)));
      assert.equal(r.reason, 'bad-txns-premature-spend-of-coinbase');
      assert.equal(r.level, 'invalid');
      assert.equal(r.err.code, 'MEMPOOL_TX_INVALID');
    });

    it('rejects a bad signature (bad-txns-sig) without adding it', async () => {
      const mp = pool();
      const tx = pay(mature[3]!, alice, 1700n);
      const sig = tx.witnesses[0]!.sig.slice();
      sig[10]! ^= 0x40;
      const bad: Transaction = { ...tx, witnesses: [{ pubkey: tx.witnesses[0]!.pubkey, sig }] };
      const r = await reason(mp.accept(bad));
      assert.equal(r.reason, 'bad-txns-sig');
      assert.equal(r.level, 'invalid');
      assert.equal(mp.size, 0);
      await mp.accept(tx);
      assert.equal(mp.size, 1);
    });

    it('rejects a key that does not own the coin', async () => {
      const stolen = { ...mature[3]!, key: bob };
      const r = await reason(pool().accept(pay(stolen, alice, 1700n)));
      assert.equal(r.reason, 'bad-txns-pubkey-mismatch');
    });

    it('rejects a fee rate below minFeeRate before checking signatures', async () => {
      const verifier = new CountingVerifier();
      const mp = pool({ minFeeRate: 10n }, verifier);
      const r = await reason(mp.accept(pay(mature[3]!, alice, 10n * BigInt(SIZE_1_1) - 1n)));
      assert.equal(r.reason, 'min relay fee not met');
      assert.equal(verifier.calls, 0);
      await mp.accept(pay(mature[3]!, alice, 10n * BigInt(SIZE_1_1)));
      assert.equal(verifier.calls, 1);
    });

    it('rejects dust and other context-free consensus failures', async () => {
      const mp = pool();
      const from = mature[4]!;
      const dust = spendTx(
        [from],
        [
          { value: 999n, pubKeyHash: alice.pkh },
          { value: from.out.value - 999n - 5000n, pubKeyHash: bob.pkh },
        ],
      );
      assert.equal((await reason(mp.accept(dust))).reason, 'bad-txns-dust');
      const overspend = spendTx([from], [{ value: from.out.value + 1n, pubKeyHash: alice.pkh }]);
      assert.equal((await reason(mp.accept(overspend))).reason, 'bad-txns-in-belowout');
      const nonfinal = spendTx(
        [from],
        [{ value: from.out.value - 5000n, pubKeyHash: alice.pkh }],
        tc.height + 1,
      );
      assert.equal((await reason(mp.accept(nonfinal))).reason, 'bad-txns-nonfinal');
    });

    it('limits unconfirmed chains (too-long-mempool-chain)', async () => {
      const mp = pool({ maxAncestors: 3 });
      let prev = mature[5]!;
      for (let i = 0; i < 3; i++) {
        const tx = pay(prev, alice, 1700n);
        await mp.accept(tx);
        prev = outputOf(tx, 0, alice);
      }
      const r = await reason(mp.accept(pay(prev, alice, 1700n)));
      assert.equal(r.reason, 'too-long-mempool-chain');
    });

    it('serialises concurrent accepts: two double spends submitted together, one wins', async () => {
      const mp = pool();
      const a = pay(mature[6]!, alice, 1700n);
      const b = pay(mature[6]!, bob, 3400n);
      const results = await Promise.allSettled([mp.accept(a), mp.accept(b)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(mp.size, 1);
    });
  });

  describe('chains of unconfirmed transactions and block selection', () => {
    before(freshChain);

    it('accepts children of pooled transactions and tracks ancestors/descendants', async () => {
      const mp = pool();
      const parent = pay(mature[0]!, alice, 1700n, 2);
      const child = pay(outputOf(parent, 0, alice), bob, 1700n);
      const sibling = pay(outputOf(parent, 1, alice), bob, 1700n);
      await mp.accept(parent);
      await mp.accept(child);
      await mp.accept(sibling);
      const p = mp.get(txid(parent))!;
      assert.equal(p.descendantCount, 3);
      assert.equal(p.descendantFees, 5100n);
      assert.deepEqual([...p.spentBy].sort(), [toHex(txid(child)), toHex(txid(sibling))].sort());
      const c = mp.get(txid(child))!;
      assert.equal(c.ancestorCount, 2);
      assert.equal(c.ancestorSize, p.size + c.size);
      assert.deepEqual(c.depends, [toHex(txid(parent))]);
    });

    it('selects by ancestor-package fee rate, parents first, and the block is valid', async () => {
      const mp = pool();
      // Low-fee parent with a high-fee child (CPFP): package rate (170*2 + 170*60) / 340 = 31/byte.
      const parent = pay(mature[7]!, alice, 2n * BigInt(SIZE_1_1));
      const child = pay(outputOf(parent, 0, alice), bob, 60n * BigInt(SIZE_1_1));
      // Independent transactions at 20 and 40 per byte.
      const mid = pay(mature[8]!, alice, 20n * BigInt(SIZE_1_1));
      const high = pay(mature[9]!, alice, 40n * BigInt(SIZE_1_1));
      await mp.accept(parent);
      await mp.accept(child);
      await mp.accept(mid);
      await mp.accept(high);
      const sel = mp.selectForBlock(1_000_000);
      const order = sel.txs.map((t) => toHex(t.txid));
      assert.deepEqual(
        order,
        [high, parent, child, mid].map((t) => toHex(txid(t))),
      );
      assert.equal(sel.fees, (2n + 60n + 20n + 40n) * BigInt(SIZE_1_1));
      assert.equal(sel.size, 4 * SIZE_1_1);

      // Room for three: the whole CPFP package still goes before `mid`.
      const three = mp.selectForBlock(3 * SIZE_1_1);
      assert.deepEqual(
        three.txs.map((t) => toHex(t.txid)),
        [high, parent, child].map((t) => toHex(txid(t))),
      );
      // Room for one: the child alone never comes without its parent.
      const one = mp.selectForBlock(SIZE_1_1);
      assert.deepEqual(
        one.txs.map((t) => toHex(t.txid)),
        [toHex(txid(high))],
      );

      const b = await mineTxs(
        sel.txs.map((t) => t.tx),
        sel.fees,
      );
      assert.equal(b.txs.length, 5);
      await mp.removeForBlock(b);
      assert.equal(mp.size, 0);
    });
  });

  describe('size limit and eviction', () => {
    before(freshChain);

    it('evicts the lowest fee rate first and rejects what would be evicted', async () => {
      const mp = pool({ maxSizeBytes: 3 * SIZE_1_1 });
      const removed: MempoolRemovedEvent[] = [];
      mp.on('removed', (e) => removed.push(e));
      const r5 = pay(mature[0]!, alice, 5n * BigInt(SIZE_1_1));
      const r10 = pay(mature[1]!, alice, 10n * BigInt(SIZE_1_1));
      const r20 = pay(mature[2]!, alice, 20n * BigInt(SIZE_1_1));
      for (const t of [r10, r5, r20]) await mp.accept(t);
      assert.equal(mp.bytes, 3 * SIZE_1_1);

      const r15 = pay(mature[3]!, alice, 15n * BigInt(SIZE_1_1));
      await mp.accept(r15);
      assert.ok(!mp.has(txid(r5)));
      assert.deepEqual(removed, [{ txid: toHex(txid(r5)), reason: 'evicted' }]);
      assert.equal(mp.size, 3);
      // Evicting raised the floor above the evicted rate.
      assert.equal(mp.info().mempoolminfee, 6n);
      assert.equal(mp.info().minrelaytxfee, 1n);

      const low = pay(mature[4]!, alice, 8n * BigInt(SIZE_1_1));
      assert.equal((await reason(mp.accept(low))).reason, 'mempool full');
      const equal = pay(mature[4]!, alice, 10n * BigInt(SIZE_1_1));
      assert.equal((await reason(mp.accept(equal))).reason, 'mempool full');
      assert.equal(mp.size, 3);
      assert.ok(mp.has(txid(r10)));
    });

    it('evicts a package with its descendants, and a child paying for its parent protects it', async () => {
      const mp = pool({ maxSizeBytes: 4 * SIZE_1_1 });
      const removed: MempoolRemovedEvent[] = [];
      mp.on('removed', (e) => removed.push(e));
      // Parent at 3/byte with a child at 4/byte: package rate 3.5 → evicted together.
      const parent = pay(mature[5]!, alice, 3n * BigInt(SIZE_1_1));
      const child = pay(outputOf(parent, 0, alice), bob, 4n * BigInt(SIZE_1_1));
      // Parent at 2/byte with a child at 30/byte: descendant score 16 → protected.
      const cpfpParent = pay(mature[6]!, alice, 2n * BigInt(SIZE_1_1));
      const cpfpChild = pay(outputOf(cpfpParent, 0, alice), bob, 30n * BigInt(SIZE_1_1));
      for (const t of [parent, child, cpfpParent, cpfpChild]) await mp.accept(t);
      const newcomer = pay(mature[7]!, alice, 10n * BigInt(SIZE_1_1));
      await mp.accept(newcomer);
      assert.deepEqual(removed.map((e) => e.txid).sort(), [toHex(txid(parent)), toHex(txid(child))].sort());
      assert.ok(mp.has(txid(cpfpParent)) && mp.has(txid(cpfpChild)) && mp.has(txid(newcomer)));
      assert.equal(mp.bytes, 3 * SIZE_1_1);
    });
  });

  describe('blocks', () => {
    it('removeForBlock drops confirmed and conflicting transactions (with descendants)', async () => {
      await freshChain();
      const mp = pool();
      const confirmed = pay(mature[0]!, alice, 1700n);
      const childOfConfirmed = pay(outputOf(confirmed, 0, alice), bob, 1700n);
      const loser = pay(mature[1]!, alice, 1700n);
      const loserChild = pay(outputOf(loser, 0, alice), bob, 1700n);
      const bystander = pay(mature[2]!, alice, 1700n);
      for (const t of [confirmed, childOfConfirmed, loser, loserChild, bystander]) await mp.accept(t);
      const winner = pay(mature[1]!, bob, 3400n);
      const removed: MempoolRemovedEvent[] = [];
      mp.on('removed', (e) => removed.push(e));
      const rev = mp.revision;
      const b = await mineTxs([confirmed, winner], 1700n + 3400n);
      await mp.removeForBlock(b);
      assert.deepEqual(mp.txids().sort(), [toHex(txid(childOfConfirmed)), toHex(txid(bystander))].sort());
      const c = mp.get(txid(childOfConfirmed))!;
      assert.equal(c.ancestorCount, 1);
      assert.deepEqual(c.depends, []);
      assert.deepEqual(
        removed.map((e) => `${e.reason}:${e.txid}`).sort(),
        [
          `block:${toHex(txid(confirmed))}`,
          `conflict:${toHex(txid(loser))}`,
          `conflict:${toHex(txid(loserChild))}`,
        ].sort(),
      );
      assert.ok(mp.revision > rev);
      // What remains is still a valid block.
      const sel = mp.selectForBlock(1_000_000);
      await mineTxs(
        sel.txs.map((t) => t.tx),
        sel.fees,
      );
    });

    it('removeForBlock is synchronous, and an accept in flight across a block re-validates', async () => {
      await freshChain();
      const mp = pool();
      const a = pay(mature[0]!, alice, 1700n);
      await mp.accept(a);
      const b = await mineTxs([a], 1700n);
      void mp.removeForBlock(b);
      assert.ok(!mp.has(txid(a)), 'removed before the promise settles');

      // The accept reads the coin, then a block spending it is connected while it awaits.
      chain.getCoinDelayMs = 50;
      const pending = mp.accept(pay(mature[1]!, alice, 1700n));
      await new Promise((r) => setTimeout(r, 20));
      chain.getCoinDelayMs = 0;
      const rival = pay(mature[1]!, bob, 3400n);
      const blk = await mineTxs([rival], 3400n);
      await mp.removeForBlock(blk);
      const r = await reason(pending);
      assert.equal(r.reason, 'missing-inputs');
      assert.equal(mp.size, 0);
    });

    it('addBackFromBlock re-adds a disconnected block’s transactions and relinks pooled children', async () => {
      await freshChain();
      const mp = pool();
      const a = pay(mature[3]!, alice, 1700n, 2);
      const b = pay(mature[4]!, alice, 1700n);
      const block = await mineTxs([a, b], 3400n);
      const child = pay(outputOf(a, 0, alice), bob, 1700n);
      await mp.accept(child);
      assert.equal(mp.get(txid(child))!.ancestorCount, 1);

      const disconnected = chain.disconnectTip();
      assert.equal(toHex(disconnected.hash), toHex(block.hash));
      await mp.addBackFromBlock(disconnected);
      assert.ok(mp.has(txid(a)) && mp.has(txid(b)) && mp.has(txid(child)));
      const c = mp.get(txid(child))!;
      assert.deepEqual(c.depends, [toHex(txid(a))]);
      assert.equal(c.ancestorCount, 2);
      assert.equal(mp.get(txid(a))!.descendantCount, 2);
      const order = mp.selectForBlock(1_000_000).txs.map((t) => toHex(t.txid));
      assert.ok(order.indexOf(toHex(txid(a))) < order.indexOf(toHex(txid(child))));
      const sel = mp.selectForBlock(1_000_000);
      await mineTxs(
        sel.txs.map((t) => t.tx),
        sel.fees,
      );
    });

    it('addBackFromBlock drops transactions the disconnect made invalid', async () => {
      await freshChain();
      const mp = pool();
      // Spends the coinbase that becomes mature exactly at the next height.
      const edge = coinbaseOf(tc, tc.height + 1 - linearDevnet.coinbaseMaturity);
      const edgeSpend = pay(edge, alice, 1700n);
      await mp.accept(edgeSpend);
      const block = await mineTxs([], 0n);
      await mp.removeForBlock(block);
      assert.ok(mp.has(txid(edgeSpend)));
      const disconnected = chain.disconnectTip();
      await mp.addBackFromBlock(disconnected);
      assert.ok(mp.has(txid(edgeSpend)), 'still mature at the same next height');
      const second = chain.disconnectTip();
      await mp.addBackFromBlock(second);
      assert.ok(!mp.has(txid(edgeSpend)), 'immature again after a second disconnect');
    });

    it('addBackFromBlock quietly drops transactions that conflict with the pool', async () => {
      await freshChain();
      const mp = pool();
      const a = pay(mature[5]!, alice, 1700n);
      const block = await mineTxs([a], 1700n);
      const disconnected = chain.disconnectTip();
      assert.equal(toHex(disconnected.hash), toHex(block.hash));
      const rival = pay(mature[5]!, bob, 5000n);
      await mp.accept(rival);
      await mp.addBackFromBlock(disconnected);
      assert.ok(!mp.has(txid(a)));
      assert.ok(mp.has(txid(rival)));
    });
  });

  it('info() has Bitcoin Core’s getmempoolinfo fields', async () => {
    await freshChain();
    const mp = pool({ maxSizeBytes: 5000, minFeeRate: 3n });
    await mp.accept(pay(mature[0]!, alice, 3n * BigInt(SIZE_1_1)));
    assert.deepEqual(mp.info(), {
      size: 1,
      bytes: SIZE_1_1,
      usage: SIZE_1_1,
      maxmempool: 5000,
      mempoolminfee: 3n,
      minrelaytxfee: 3n,
      orphans: 0,
    });
    assert.equal(mp.entries().length, 1);
    assert.throws(
      () => pool({ maxSizeBytes: 0 }),
      (e: unknown) => e instanceof MempoolError && e.code === 'MEMPOOL_BAD_OPTIONS',
    );
    assert.equal(withId(pay(mature[0]!, alice, 1n)).size, SIZE_1_1);
  });
});
