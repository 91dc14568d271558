/**
 * Blocks whose update carries signed contributions (consensus poi/credit.ts, money.ts): every
 * rule a contribution-carrying block can break, each with a block that breaks it, and the
 * deferred payout of the contributors' pool by measured credit.
 */
import { strict as assert } from 'node:assert';
import {
  blockReward,
  contributorPool,
  creditPayouts,
  devnetParams,
  improvementBonus,
  MAX_REPORTED_SAMPLES,
  type NetworkParams,
  verifyImprovement,
} from '../../../../consensus/index.js';
import { improvingDelta, linearEvaluator } from '../../../../training/index.js';
import { coinbaseTx, contribution, keyPair, rejectReason, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';

const linearDevnet = linearParams(devnetParams);

/** `d` with the weights outside [from, to) zeroed (disjoint halves are far from duplicates). */
function part(d: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(d.length);
  out.set(d.subarray(from, to), from);
  return out;
}

describe('block rules: contributions', () => {
  let c: TestChain;
  const a = keyPair('contributor a');
  const b = keyPair('contributor b');
  before(async () => {
    c = new TestChain();
    for (let i = 0; i < 3; i++) await c.mine();
  });

  async function rejects(blk: Parameters<TestChain['connect']>[0], reason: string): Promise<void> {
    const height = c.height;
    assert.equal(await rejectReason(() => c.connect(blk)), reason);
    assert.equal(c.height, height, 'a rejected block must not change the chain');
  }

  const base = () => linearEvaluator.modelHash(c.tip.model);
  const halves = () => {
    const d = improvingDelta(c.tip.model);
    return [contribution(base(), part(d, 0, 12), a, 500), contribution(base(), part(d, 12, 24), b, 100)];
  };

  /** Consensus's proof-of-improvement result for a candidate on the tip (throws VerdictError). */
  const verified = (blk: ReturnType<TestChain['buildBlock']>) =>
    verifyImprovement(
      linearEvaluator,
      c.tip.model,
      base(),
      blk.block.update!,
      blk.block.header.modelHash,
      blk.hash,
      [],
      linearDevnet,
    );

  /** Verified improvement of a candidate, or 0 if consensus rejects it. */
  function measured(blk: ReturnType<TestChain['buildBlock']>): number {
    try {
      return verified(blk).improvementPpm;
    } catch {
      return 0;
    }
  }

  /** The first candidate (varying the time, hence the evaluation sample) that passes the rules. */
  function passing(opts: Parameters<TestChain['buildBlock']>[0]): ReturnType<TestChain['buildBlock']> {
    for (let i = 0; i < 200; i++) {
      const cand = c.buildBlock({ ...opts, time: c.tip.time + c.params.targetSpacing + i });
      if (measured(cand) >= (opts?.update?.claimedPpm ?? c.params.minImprovementPpm)) return cand;
    }
    throw new Error('no passing candidate');
  }

  it('leaves the pool out of the block and pays it by credit in the next block', async () => {
    const contributions = halves();
    const claim = 2_000;
    const blk = passing({ update: { contributions, claimedPpm: claim } });
    const height = c.height + 1;
    const input = { height, improvementPpm: claim, issuedBefore: c.tip.issued };
    const reward = blockReward(input, linearDevnet);
    const pool = contributorPool(improvementBonus(input, linearDevnet), linearDevnet);
    assert.ok(pool > 0n);
    const outs = blk.txs[0]!.tx.outputs;
    assert.equal(outs.length, 2, 'genesis and miner only: the contributors are paid by the next block');
    assert.equal(outs[0]!.value, reward / 5n, 'genesis share of the whole reward, pool included');
    assert.equal(outs[0]!.value + outs[1]!.value, reward - pool);
    const credit = verified(blk).credit;
    assert.equal(credit.length, 2);
    assert.ok(
      credit.some((x) => x > 0),
      `credits [${credit.join(', ')}]`,
    );
    await c.connect(blk);
    const owed = creditPayouts(pool, [
      { pubKeyHash: a.pkh, credit: credit[0]! },
      { pubKeyHash: b.pkh, credit: credit[1]! },
    ]);
    assert.deepEqual(c.tip.owed, owed);
    // issued counts the pool with the block that earned it
    assert.equal(c.tip.issued, c.entries[height - 1]!.issued + reward);
    const next = await c.mine();
    const nextOuts = next.txs[0]!.tx.outputs;
    owed.forEach((p, i) => {
      assert.deepEqual(nextOuts[1 + i], { value: p.value, pubKeyHash: p.pubKeyHash });
    });
    // self-reported samples (500 vs 100) played no part: the shares follow the credits
    const paid = owed.reduce((t, p) => t + p.value, 0n);
    assert.ok(paid <= pool && pool - paid < 2n + BigInt(owed.length));
  });

  it('bad-cb-amount: a coinbase that keeps its contributors’ pool', async () => {
    const contributions = halves();
    const height = c.height + 1;
    const input = { height, improvementPpm: 1_000, issuedBefore: c.tip.issued };
    const reward = blockReward(input, linearDevnet);
    const pool = contributorPool(improvementBonus(input, linearDevnet), linearDevnet);
    const blk = c.buildBlock({ update: { contributions }, coinbaseTotal: reward - pool + 1n });
    await rejects(blk, 'bad-cb-amount');
  });

  it('bad-cb-contributors: a block that does not pay its parent’s contributors what the rule owes', async () => {
    const blk = passing({ update: { contributions: halves() } });
    await c.connect(blk);
    const owed = c.tip.owed;
    assert.ok(owed.length > 0);
    const height = c.height + 1;
    const reward = blockReward({ height, improvementPpm: 0, issuedBefore: c.tip.issued }, linearDevnet);
    // the miner keeps the contributors' pay (the genesis share is right, the payouts are missing)
    const owedTotal = owed.reduce((t, p) => t + p.value, 0n);
    const genesisShare = reward / 5n;
    const missing = c.buildBlock({
      tamper: (p) => {
        p.txs[0] = {
          ...coinbaseTx(height, reward, c.miner.pkh, linearDevnet),
          outputs: [
            { value: genesisShare, pubKeyHash: linearDevnet.genesisPubKeyHash },
            { value: reward - genesisShare + owedTotal, pubKeyHash: c.miner.pkh },
          ],
        };
      },
    });
    await rejects(missing, 'bad-cb-contributors');
    const edit = (f: (outs: { value: bigint; pubKeyHash: Uint8Array }[]) => void) =>
      c.buildBlock({
        tamper: (p) => {
          const outs = p.txs[0]!.outputs.map((o) => ({ ...o }));
          f(outs);
          p.txs[0] = { ...p.txs[0]!, outputs: outs };
        },
      });
    // one unit less (moved to the miner), or paid to another address
    await rejects(
      edit((outs) => {
        outs[1]!.value -= 1n;
        outs[outs.length - 1]!.value += 1n;
      }),
      'bad-cb-contributors',
    );
    await rejects(
      edit((outs) => {
        outs[1]!.pubKeyHash = keyPair('thief').pkh;
      }),
      'bad-cb-contributors',
    );
    await c.mine(); // pays them: the chain goes on
    assert.deepEqual(c.tip.owed, []);
  });

  it('bad-model-contributors: none, a signer twice, a sample count out of bounds, or a signature that does not sign this delta on this base', async () => {
    const d = improvingDelta(c.tip.model);
    const one = contribution(base(), d, a);
    const cases = [
      [],
      [one, contribution(base(), part(d, 0, 12), a)],
      [contribution(base(), d, a, 0)],
      [contribution(base(), d, a, MAX_REPORTED_SAMPLES + 1)],
      // listed with b's key and payout, but the signature is a's
      [{ ...contribution(base(), d, b), sig: one.sig }],
      // signed for another base model
      [contribution(new Uint8Array(32).fill(9), d, a)],
      // the miner edits a signed delta
      [{ ...one, delta: part(d, 0, 12) }],
    ];
    for (const contributions of cases) {
      await rejects(c.buildBlock({ update: { contributions } }), 'bad-model-contributors');
    }
  });

  it('bad-model-contributors: more contributions than maxContributors', async () => {
    const few: NetworkParams = { ...linearDevnet, maxContributors: 1 };
    const c2 = new TestChain(few);
    const blk = c2.buildBlock({ update: { contributions: halvesOn(c2) } });
    assert.equal(await rejectReason(() => c2.connect(blk)), 'bad-model-contributors');
  });

  function halvesOn(t: TestChain) {
    const h = linearEvaluator.modelHash(t.tip.model);
    const d = improvingDelta(t.tip.model);
    return [contribution(h, part(d, 0, 12), a), contribution(h, part(d, 12, 24), b)];
  }

  it('bad-model-aggregate: the header commits to a model other than the signed deltas combined', async () => {
    const d = improvingDelta(c.tip.model);
    const contributions = [contribution(base(), part(d, 0, 12), a)];
    // the miner applies the whole delta but can only show a's half, signed
    const whole = linearEvaluator.modelHash(linearEvaluator.applyDelta(c.tip.model, d));
    const blk = c.buildBlock({
      update: { contributions },
      tamperHeader: (h) => ({ ...h, modelHash: whole }),
    });
    await rejects(blk, 'bad-model-aggregate');
  });

  it('bad-model-contribution: a malformed or zero delta', async () => {
    await rejects(
      c.buildBlock({ update: { contributions: [contribution(base(), new Uint8Array(5), a)] } }),
      'bad-model-contribution',
    );
    await rejects(
      c.buildBlock({ update: { contributions: [contribution(base(), new Uint8Array(24), a)] } }),
      'bad-model-contribution',
    );
  });

  it('bad-model-duplicate: the same delta signed by a second key, or a near-copy of it', async () => {
    const d = improvingDelta(c.tip.model);
    await rejects(
      c.buildBlock({ update: { contributions: [contribution(base(), d, a), contribution(base(), d, b)] } }),
      'bad-model-duplicate',
    );
    const near = Uint8Array.from(d);
    near[0] = (near[0]! + 1) & 0xff;
    await rejects(
      c.buildBlock({
        update: { contributions: [contribution(base(), d, a), contribution(base(), near, b)] },
      }),
      'bad-model-duplicate',
    );
  });

  it('bad-model-rule: an aggregation rule consensus does not know', async () => {
    await rejects(c.buildBlock({ update: { contributions: halves(), rule: 9 } }), 'bad-model-rule');
  });

  it('bad-model-update: an update above the size limit', async () => {
    const small: NetworkParams = { ...linearDevnet, maxModelUpdateSize: 50 };
    const c2 = new TestChain(small);
    const blk = c2.buildBlock({ update: { contributions: halvesOn(c2) } });
    assert.equal(await rejectReason(() => c2.connect(blk)), 'bad-model-update');
  });
});
