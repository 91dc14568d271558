import { strict as assert } from 'node:assert';
import {
  blockReward,
  blockWithIds,
  contributorPool,
  devnetParams,
  encodeBlock,
  improvementBonus,
  type NetworkParams,
  toHex,
  VerdictError,
} from '../../../../consensus/index.js';
import { improvingDelta } from '../../../../training/index.js';
import { coinbaseTx, keyPair, rejectReason, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
async function matured(): Promise<TestChain> {
  const c = new TestChain();
  for (let i = 0; i < 110; i++) await c.mine();
  return c;
}

describe('block rules', () => {
  let c: TestChain;
  before(async () => {
    c = await matured();
  });

  async function rejects(
    b: Parameters<TestChain['connect']>[0],
    reason: string,
    now?: number,
  ): Promise<void> {
    const height = c.height;
    assert.equal(await rejectReason(() => c.connect(b, now)), reason);
    assert.equal(c.height, height, 'a rejected block must not change the chain');
  }

  it('accepts a valid block with a transaction', async () => {
    const from = c.coinbaseOutpoint(1);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    await c.mine({ txs: [tx], fees: 5000n });
  });

  it('high-hash: proof of work above the target', async () => {
    let b = c.buildBlock({ noMine: true });
    for (let n = 0n; ; n++) {
      b = c.buildBlock({ noMine: true, tamperHeader: (h) => ({ ...h, nonce: n }) });
      if (b.hash[0]! >= 0x80) break; // devnet target is 0x7fffff << 232: first byte ≥ 0x80 fails
    }
    await rejects(b, 'high-hash');
  });

  it('bad-diffbits: target easier than the network limit, or not the expected bits', async () => {
    await rejects(c.buildBlock({ tamperHeader: (h) => ({ ...h, bits: 0x2100ffff }) }), 'bad-diffbits');
    await rejects(c.buildBlock({ tamperHeader: (h) => ({ ...h, bits: 0x1f7fffff }) }), 'bad-diffbits');
  });

  it('bad-version: unknown block version', async () => {
    await rejects(c.buildBlock({ tamperHeader: (h) => ({ ...h, version: 2 }) }), 'bad-version');
  });

  it('bad-txnmrklroot: merkle root does not match', async () => {
    await rejects(
      c.buildBlock({ tamperHeader: (h) => ({ ...h, merkleRoot: new Uint8Array(32).fill(7) }) }),
      'bad-txnmrklroot',
    );
  });

  it('bad-txnmrklroot: a changed signature changes the block (wtxid is committed)', async () => {
    const from = c.coinbaseOutpoint(2);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    const good = c.buildBlock({ txs: [tx], fees: 5000n });
    const sig = new Uint8Array(64).fill(1);
    const mutated = blockWithIds({
      ...good.block,
      txs: [good.block.txs[0]!, { ...tx, witnesses: [{ pubkey: tx.witnesses[0]!.pubkey, sig }] }],
    });
    assert.deepEqual(mutated.txs[1]!.txid, good.txs[1]!.txid);
    await rejects(mutated, 'bad-txnmrklroot');
  });

  it('bad-blk-length: block above the size limit', async () => {
    const small: NetworkParams = { ...linearDevnet, maxBlockSize: 200 };
    const c2 = new TestChain(small);
    const from = {
      op: { txid: new Uint8Array(32), index: 0 },
      coin: { value: 1n, pubKeyHash: c2.miner.pkh, height: 0, coinbase: false },
    };
    const tx = c2.spend(from, [{ value: 5000n, pubKeyHash: c2.miner.pkh }]);
    const b = c2.buildBlock({ txs: [tx] });
    assert.ok(encodeBlock(b.block).length > 200);
    assert.equal(await rejectReason(() => c2.connect(b)), 'bad-blk-length');
  });

  it('bad-blk-empty: no transactions', async () => {
    await rejects(c.buildBlock({ tamper: (p) => p.txs.splice(0) }), 'bad-blk-empty');
  });

  it('bad-cb-missing: first transaction is not a coinbase', async () => {
    const from = c.coinbaseOutpoint(3);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    await rejects(c.buildBlock({ tamper: (p) => p.txs.splice(0, 1, tx) }), 'bad-cb-missing');
  });

  it('bad-cb-multiple: a second coinbase', async () => {
    const extra = coinbaseTx(c.height + 1, 1000n, c.miner.pkh, linearDevnet);
    await rejects(
      c.buildBlock({ tamper: (p) => p.txs.push({ ...extra, lockTime: 999 }) }),
      'bad-cb-multiple',
    );
  });

  it('bad-txns-duplicate: the same transaction twice', async () => {
    const from = c.coinbaseOutpoint(4);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    await rejects(c.buildBlock({ txs: [tx, tx], fees: 10_000n }), 'bad-txns-duplicate');
  });

  it('bad-txns-spend-in-block: two transactions spending one coin', async () => {
    const from = c.coinbaseOutpoint(4);
    const a = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    const b = c.spend(from, [{ value: from.coin.value - 6000n, pubKeyHash: keyPair('y').pkh }]);
    await rejects(c.buildBlock({ txs: [a, b], fees: 11_000n }), 'bad-txns-spend-in-block');
  });

  it('bad-txns-inputs-missingorspent: spending a coin that was already spent on chain', async () => {
    const from = c.coinbaseOutpoint(1); // spent by the first test
    const tx = c.spend(from, [{ value: from.coin.value - 7000n, pubKeyHash: keyPair('z').pkh }]);
    await rejects(c.buildBlock({ txs: [tx], fees: 7000n }), 'bad-txns-inputs-missingorspent');
    // the verdict names the transaction and the outpoint
    await assert.rejects(
      c.connect(c.buildBlock({ txs: [tx], fees: 7000n })),
      (e: unknown) =>
        e instanceof VerdictError && e.message.includes(`tx 1 input ${toHex(from.op.txid)}:${from.op.index}`),
    );
  });

  it('bad-txns-premature-spend-of-coinbase: inside a block', async () => {
    const from = c.coinbaseOutpoint(c.height - 50);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    await rejects(c.buildBlock({ txs: [tx], fees: 5000n }), 'bad-txns-premature-spend-of-coinbase');
  });

  it('bad-txns-sig: a forged signature', async () => {
    const from = c.coinbaseOutpoint(5);
    const tx = c.spend(from, [{ value: from.coin.value - 5000n, pubKeyHash: keyPair('x').pkh }]);
    const forged = {
      ...tx,
      witnesses: [{ pubkey: tx.witnesses[0]!.pubkey, sig: new Uint8Array(64).fill(3) }],
    };
    await rejects(c.buildBlock({ txs: [forged], fees: 5000n }), 'bad-txns-sig');
  });

  it('bad-cb-height: coinbase lock time is not the height', async () => {
    await rejects(
      c.buildBlock({ tamper: (p) => (p.txs[0] = { ...p.txs[0]!, lockTime: 7 }) }),
      'bad-cb-height',
    );
  });

  it('bad-cb-amount: coinbase pays more than reward + fees', async () => {
    const reward = blockReward(
      { height: c.height + 1, improvementPpm: 0, issuedBefore: c.tip.issued },
      linearDevnet,
    );
    await rejects(c.buildBlock({ coinbaseTotal: reward + 1n }), 'bad-cb-amount');
    // claiming the fees of a transaction that is not in the block
    await rejects(c.buildBlock({ fees: 5000n }), 'bad-cb-amount');
  });

  it('bad-cb-amount: claiming an improvement bonus without a model update', async () => {
    const withBonus = blockReward(
      { height: c.height + 1, improvementPpm: 10_000, issuedBefore: c.tip.issued },
      linearDevnet,
    );
    await rejects(c.buildBlock({ coinbaseTotal: withBonus }), 'bad-cb-amount');
  });

  it('bad-cb-split: the genesis address does not get its 20%', async () => {
    await rejects(
      c.buildBlock({
        tamper: (p) => {
          const cb = p.txs[0]!;
          const total = cb.outputs.reduce((s, o) => s + o.value, 0n);
          p.txs[0] = { ...cb, outputs: [{ value: total, pubKeyHash: c.miner.pkh }] };
        },
      }),
      'bad-cb-split',
    );
    await rejects(
      c.buildBlock({
        tamper: (p) => {
          const cb = p.txs[0]!;
          const [g, m] = cb.outputs;
          p.txs[0] = {
            ...cb,
            outputs: [
              { ...g!, value: g!.value - 1n },
              { ...m!, value: m!.value + 1n },
            ],
          };
        },
      }),
      'bad-cb-split',
    );
  });

  it('time-too-old: time not above the median of the last 11 blocks', async () => {
    const times = c.entries
      .slice(-11)
      .map((e) => e.time)
      .sort((a, b) => a - b);
    const mtp = times[5]!;
    await rejects(c.buildBlock({ time: mtp }), 'time-too-old');
  });

  it('time-too-new: more than maxFutureDrift ahead of the node clock, as a context verdict', async () => {
    const now = c.tip.time;
    const b = c.buildBlock({ time: now + linearDevnet.maxFutureDrift + 1 });
    try {
      await c.connect(b, now);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof VerdictError);
      assert.equal(e.reason, 'time-too-new');
      assert.equal(e.level, 'context');
    }
    await c.connect(c.buildBlock({ time: now + linearDevnet.maxFutureDrift }), now);
  });

  it('bad-model-hash: a block without an update cannot change the model hash', async () => {
    await rejects(
      c.buildBlock({ tamperHeader: (h) => ({ ...h, modelHash: new Uint8Array(32).fill(9) }) }),
      'bad-model-hash',
    );
  });
});

describe('proof of improvement in blocks', () => {
  let c: TestChain;
  beforeEach(() => {
    c = new TestChain();
  });
  async function rejects(b: Parameters<TestChain['connect']>[0], reason: string): Promise<void> {
    const height = c.height;
    assert.equal(await rejectReason(() => c.connect(b)), reason);
    assert.equal(c.height, height, 'a rejected block must not change the chain');
  }

  it('accepts a real improvement (claiming the minimum bonus by default)', async () => {
    const delta = improvingDelta(c.tip.model);
    const probe = c.buildBlock({ update: { delta } });
    // measure what this exact block earns: connect it on a copy through the real pipeline
    await c.connect(probe);
    const e = c.tip;
    assert.notDeepEqual(e.block.block.header.modelHash, c.entries[0]!.block.block.header.modelHash);
  });

  it('bad-model-claim: a claim above the verified improvement, or outside the allowed range', async () => {
    const delta = improvingDelta(c.tip.model);
    const { verifyImprovement } = await helpers(c, delta);
    // claim more than this candidate measures
    let over: ReturnType<TestChain['buildBlock']> | null = null;
    for (let i = 0; i < 200 && !over; i++) {
      const cand = c.buildBlock({
        update: { delta, claimedPpm: 1_000_000 },
        time: c.tip.time + c.params.targetSpacing + i,
      });
      const v = verifyImprovement(cand, true);
      if (v >= c.params.minImprovementPpm && v < 1_000_000) over = cand;
    }
    assert.ok(over, 'a candidate that improves but less than it claims');
    await rejects(over, 'bad-model-claim');
    // below the threshold (an update must claim at least the minimum it has to reach anyway) and above the cap
    await rejects(c.buildBlock({ update: { delta, claimedPpm: 999 } }), 'bad-model-claim');
    await rejects(c.buildBlock({ update: { delta, claimedPpm: 1_000_001 } }), 'bad-model-claim');
  });

  it('bad-cb-amount: a coinbase taking more bonus than the update claims', async () => {
    const delta = improvingDelta(c.tip.model);
    const height = c.height + 1;
    const input = { height, improvementPpm: 1_000, issuedBefore: c.tip.issued };
    // the most it may create: the reward less the contributors' pool (contributions.test.ts)
    const allowed =
      blockReward(input, linearDevnet) - contributorPool(improvementBonus(input, linearDevnet), linearDevnet);
    const b = c.buildBlock({ update: { delta, claimedPpm: 1_000 }, coinbaseTotal: allowed + 1n });
    await rejects(b, 'bad-cb-amount');
  });

  it('bad-model-improvement: an update that does not improve', async () => {
    const worse = new Uint8Array(new Int8Array(24).fill(-100).buffer);
    assert.equal(
      await rejectReason(() => c.connect(c.buildBlock({ update: { delta: worse } }))),
      'bad-model-improvement',
    );
  });

  it('bad-model-level: an update scored at other levels than the chain is at', async () => {
    const delta = improvingDelta(c.tip.model);
    await rejects(c.buildBlock({ update: { delta, levels: [1] } }), 'bad-model-level');
  });

  it('bad-model-growth: a capacity-growth update before the model stalled (or on a model that cannot grow)', async () => {
    const growth = { grow: 0, claimedPpm: 0, contributions: [] };
    await rejects(c.buildBlock({ update: growth }), 'bad-model-growth');
  });

  it('bad-model-base: update against another model', async () => {
    const b = c.buildBlock({
      update: { delta: improvingDelta(c.tip.model) },
      tamper: (p) => {
        p.update = { ...p.update!, baseModelHash: new Uint8Array(32).fill(2) };
      },
    });
    assert.equal(await rejectReason(() => c.connect(b)), 'bad-model-base');
  });
});

async function helpers(c: TestChain, _delta: Uint8Array) {
  const { verifyImprovement: vi } = await import('../../../../consensus/index.js');
  const { linearEvaluator } = await import('../../../../training/index.js');
  return {
    linearEvaluatorModelHash: linearEvaluator.modelHash(c.tip.model),
    /** Verified improvement of `b`, or 0 if invalid; `ignoreClaim` measures past an over-claim. */
    verifyImprovement(b: ReturnType<TestChain['buildBlock']>, ignoreClaim = false): number {
      try {
        return vi(
          linearEvaluator,
          c.tip.model,
          linearEvaluator.modelHash(c.tip.model),
          ignoreClaim ? { ...b.block.update!, claimedPpm: 0 } : b.block.update!,
          b.block.header.modelHash,
          b.hash,
          [],
          linearDevnet,
        ).improvementPpm;
      } catch {
        return 0;
      }
    },
  };
}
