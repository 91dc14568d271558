import { strict as assert } from 'node:assert';
import {
  blockReward,
  contributorPool,
  devnetParams,
  type Hash,
  improvementBonus,
  mainParams,
  modelUpdateId,
  testParams,
  verifyImprovementJob,
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { buildTemplate, type NextBlockContext, templateBlock } from '../../../../node/miner/index.js';
import { buildProposal, type ProposalOutcome } from '../../../../training/federation/buildProposal.js';
import { DeltaPool } from '../../../../training/federation/pool.js';
import {
  type ProposalScorer,
  UpdateProposer,
  type UpdateProposerOptions,
} from '../../../../training/federation/proposer.js';
import {
  DEFAULT_DELTA_DENSITY,
  encodeDelta,
  encodeSignedDelta,
  initialNetworkModel,
  LocalTrainer,
  networkEvaluator,
  networkModelHash,
  signDelta,
} from '../../../../training/index.js';

const base = initialNetworkModel();
const baseHash = networkModelHash(base);

/** A compressed delta trained on shard `shard` of 4 (as a node's trainer sends it). */
function trainedDelta(seed: string, shard = 0): Uint8Array {
  const t = new LocalTrainer({
    shard: { index: shard, count: 4 },
    seed,
    deltaDensity: DEFAULT_DELTA_DENSITY,
  });
  t.setBase(base);
  t.train(600);
  return encodeDelta(t.delta());
}

function ctx(modelHash: Hash): NextBlockContext {
  return {
    height: 1,
    prevHash: new Uint8Array(32),
    bits: devnetParams.powLimitBits,
    medianTimePast: devnetParams.genesis.time,
    issued: 0n,
    modelHash,
    now: devnetParams.genesis.time + 2,
    owed: [],
  };
}

const emptyMempool = { selectForBlock: () => ({ txs: [], fees: 0n }), revision: 0 };

describe('UpdateProposer', () => {
  let pool: DeltaPool;
  let proposer: UpdateProposer;
  const proposerWith = (
    opts: UpdateProposerOptions = {},
    params = devnetParams,
    scorer?: ProposalScorer,
  ): UpdateProposer =>
    new UpdateProposer(opts, {
      pool,
      params,
      evaluator: networkEvaluator as never,
      getTipModel: () => base,
      getTipLevels: () => [0],
      getGrowthWindow: () => ({ sinceGrowth: 0, gainPpm: [0, 0] }),
      logger: silentLogger,
      ...(scorer ? { scorer } : {}),
    });
  const addDelta = (i: number, seed: string): void => {
    const sk = new Uint8Array(32);
    sk[31] = i;
    pool.add(
      encodeSignedDelta(
        signDelta({ baseModelHash: baseHash, samples: 600, delta: trainedDelta(seed, i % 4) }, sk),
      ),
    );
  };
  /** The same local seeds for every proposer built with it. */
  const counterBytes = () => {
    let k = 0;
    return (n: number) => new Uint8Array(n).fill(++k % 251);
  };
  beforeEach(() => {
    pool = new DeltaPool({}, { params: devnetParams, currentModelHash: () => baseHash });
    proposer = proposerWith();
  });

  it('needs the update to pass on every local sample where proof of work costs, on half on devnet', () => {
    assert.equal(proposerWith().minPassingSeeds, 3, 'devnet: 3 of 6');
    assert.equal(proposerWith({}, testParams).minPassingSeeds, 6, 'test: 6 of 6');
    assert.equal(proposerWith({}, mainParams).minPassingSeeds, 6, 'main: 6 of 6');
    assert.equal(proposerWith({ claimSeeds: 8 }).minPassingSeeds, 4);
    assert.equal(proposerWith({ minPassingSeeds: 9 }).minPassingSeeds, 6, 'at most every seed');
    assert.equal(proposerWith({ minPassingSeeds: 0 }).minPassingSeeds, 1, 'at least one');
  });

  it('proposes nothing without pooled deltas', () => {
    assert.equal(proposer.proposal(ctx(baseHash)), null);
  });

  it('aggregates pooled deltas into an improving update that a template carries', async function () {
    this.timeout(20_000);
    for (const [i, seed] of ['a', 'b', 'c'].entries()) {
      const sk = new Uint8Array(32);
      sk[31] = i + 1;
      pool.add(
        encodeSignedDelta(
          signDelta({ baseModelHash: baseHash, samples: 600, delta: trainedDelta(seed, i) }, sk),
        ),
      );
    }
    const p = proposer.proposal(ctx(baseHash));
    assert.ok(p, 'a proposal');
    assert.equal(p.update.contributions.length, 3);
    assert.deepEqual(p.update.baseModelHash, baseHash);
    assert.equal(networkEvaluator.rules[p.update.rule], 'sparse-mean');
    const deltas = p.update.contributions.map((c) => c.delta);
    assert.deepEqual(
      p.modelHash,
      networkModelHash(networkEvaluator.combine(base, deltas, p.update.rule).model),
    );
    assert.ok(proposer.lastPrecheckPpm >= devnetParams.minImprovementPpm);
    // the claim: at least the threshold, at most the mean measured locally
    assert.equal(p.update.claimedPpm, proposer.lastClaimPpm);
    assert.ok(p.update.claimedPpm >= devnetParams.minImprovementPpm);
    assert.ok(p.update.claimedPpm <= Math.max(devnetParams.minImprovementPpm, proposer.lastPrecheckPpm));
    assert.equal(proposer.proposal(ctx(baseHash)), p, 'cached while the pool is unchanged');

    const tpl = buildTemplate(ctx(baseHash), emptyMempool, new Uint8Array(20), devnetParams, {}, p);
    assert.deepEqual(tpl.header.modelHash, p.modelHash);
    assert.equal(tpl.update, p.update);
    const block = templateBlock(tpl, 0n);
    assert.equal(block.update, p.update);
    const noUpdate = buildTemplate(ctx(baseHash), emptyMempool, new Uint8Array(20), devnetParams);
    assert.notDeepEqual(tpl.header.merkleRoot, noUpdate.header.merkleRoot);
    assert.ok(modelUpdateId(p.update).length === 32);
    assert.ok(tpl.size > noUpdate.size);
    const verified = await proposer.verifyFound(block, new Uint8Array(32).fill(3));
    assert.ok(verified && verified.improvementPpm >= devnetParams.minImprovementPpm);
    assert.deepEqual(verified.modelHash, p.modelHash);
    const lying = { ...block, header: { ...block.header, modelHash: baseHash } };
    assert.equal(await proposer.verifyFound(lying, new Uint8Array(32).fill(3)), null);
    const greedy = { ...block, update: { ...p.update, claimedPpm: devnetParams.maxImprovementPpm } };
    assert.equal(
      await proposer.verifyFound(greedy, new Uint8Array(32).fill(3)),
      null,
      'a claim above the measured gain',
    );

    // the coinbase leaves the contributors' pool out (the next block pays it by credit)
    const outs = tpl.txs[0]!.outputs;
    const input = { height: 1, improvementPpm: p.update.claimedPpm, issuedBefore: 0n };
    const reserved = contributorPool(improvementBonus(input, devnetParams), devnetParams);
    assert.equal(outs.length, 2);
    assert.equal(
      outs.reduce((t, o) => t + o.value, 0n),
      blockReward(input, devnetParams) - reserved,
    );
    // a template on a tip that owes its contributors pays them right after the genesis output
    const owed = [{ pubKeyHash: new Uint8Array(20).fill(7), value: 12_345n }];
    const paying = buildTemplate({ ...ctx(baseHash), owed }, emptyMempool, new Uint8Array(20), devnetParams);
    assert.deepEqual(paying.txs[0]!.outputs[1], owed[0]);
  });

  it('waits for minContributors signers or the collection window before proposing', function () {
    this.timeout(20_000);
    let now = 0;
    const waiting = proposerWith({ minContributors: 2, collectMs: 1_000, now: () => now });
    const before = waiting.revision();
    addDelta(1, 'a');
    assert.notEqual(waiting.revision(), before, 'a pooled delta changes the revision (the miner rebuilds)');
    assert.equal(waiting.proposal(ctx(baseHash)), null, 'one signer, window open: wait');
    assert.ok(waiting.proposal(ctx(baseHash), { immediate: true }), 'generatetoaddress takes what is pooled');
    now = 999;
    const open = waiting.revision();
    assert.equal(waiting.proposal(ctx(baseHash)), null);
    now = 1_000;
    assert.notEqual(waiting.revision(), open, 'so does the window closing');
    assert.equal(waiting.proposal(ctx(baseHash))?.update.contributions.length, 1, 'window over');
    // a second signer reaches minContributors at once
    now = 0;
    const fresh = proposerWith({ minContributors: 2, collectMs: 60_000, now: () => now });
    assert.equal(fresh.proposal(ctx(baseHash)), null);
    addDelta(2, 'b');
    assert.equal(fresh.proposal(ctx(baseHash))?.update.contributions.length, 2);
  });

  it('with a scorer: never waits, scores one build at a time, offers the last proposal on the same base meanwhile', async function () {
    this.timeout(30_000);
    for (const [i, seed] of ['a', 'b', 'c'].entries()) addDelta(i + 1, seed);
    const inline = proposerWith({ randomBytes: counterBytes() }).proposal(ctx(baseHash));
    assert.ok(inline, 'proposed on the calling thread');
    const builds: Array<() => void> = [];
    let fail = false;
    const scorer: ProposalScorer = {
      propose: (input) =>
        new Promise<ProposalOutcome>((resolve, reject) =>
          builds.push(() =>
            fail
              ? reject(new Error('worker gone'))
              : resolve(buildProposal(networkEvaluator as never, devnetParams, input)),
          ),
        ),
      verify: async (job) => verifyImprovementJob(networkEvaluator as never, job, devnetParams),
    };
    const off = proposerWith({ randomBytes: counterBytes() }, devnetParams, scorer);
    const rev = off.revision();
    assert.equal(off.proposal(ctx(baseHash)), null, 'nothing while the pool is scored');
    assert.equal(off.proposal(ctx(baseHash)), null);
    assert.equal(builds.length, 1, 'one build');
    builds.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.notEqual(off.revision(), rev, 'a landed build changes the revision (the miner rebuilds)');
    const p = off.proposal(ctx(baseHash));
    assert.deepEqual(p, inline, 'what the calling thread proposes from the same seeds');
    assert.equal(builds.length, 0, 'cached');
    // a new delta: the last proposal stays on offer while the pool is scored again
    addDelta(4, 'd');
    assert.equal(off.proposal(ctx(baseHash)), p);
    assert.equal(builds.length, 1);
    // generatetoaddress waits for that build
    const now = off.proposalNow(ctx(baseHash), { immediate: true });
    assert.equal(builds.length, 1, 'waits for the build in flight, starts no other');
    builds.shift()!();
    const q = await now;
    assert.ok(q && q.update.contributions.length >= 1);
    // the found block's check on the scorer
    const tpl = buildTemplate(ctx(baseHash), emptyMempool, new Uint8Array(20), devnetParams, {}, q);
    const found = await off.verifyFound(templateBlock(tpl, 0n), new Uint8Array(32).fill(3));
    assert.ok(found && found.improvementPpm >= devnetParams.minImprovementPpm);
    // a failed build proposes nothing and lets the miner go on
    fail = true;
    addDelta(5, 'e');
    off.proposal(ctx(baseHash));
    const rev2 = off.revision();
    builds.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.notEqual(off.revision(), rev2);
    assert.equal(off.proposal(ctx(baseHash)), null, 'nothing proposed after a failed build');
  });
});
