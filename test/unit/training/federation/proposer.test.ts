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
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { buildTemplate, type NextBlockContext, templateBlock } from '../../../../node/miner/index.js';
import { DeltaPool } from '../../../../training/federation/pool.js';
import { UpdateProposer, type UpdateProposerOptions } from '../../../../training/federation/proposer.js';
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
  const proposerWith = (opts: UpdateProposerOptions = {}, params = devnetParams): UpdateProposer =>
    new UpdateProposer(opts, {
      pool,
      params,
      evaluator: networkEvaluator as never,
      getTipModel: () => base,
      getTipLevels: () => [0],
      getGrowthWindow: () => ({ sinceGrowth: 0, gainPpm: [0, 0] }),
      logger: silentLogger,
    });
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

  it('aggregates pooled deltas into an improving update that a template carries', function () {
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
    assert.equal(proposer.accepts(block, new Uint8Array(32).fill(3)), true);
    const lying = { ...block, header: { ...block.header, modelHash: baseHash } };
    assert.equal(proposer.accepts(lying, new Uint8Array(32).fill(3)), false);
    const greedy = { ...block, update: { ...p.update, claimedPpm: devnetParams.maxImprovementPpm } };
    assert.equal(
      proposer.accepts(greedy, new Uint8Array(32).fill(3)),
      false,
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
    const add = (i: number, seed: string) => {
      const sk = new Uint8Array(32);
      sk[31] = i;
      pool.add(
        encodeSignedDelta(
          signDelta({ baseModelHash: baseHash, samples: 600, delta: trainedDelta(seed, i) }, sk),
        ),
      );
    };
    const before = waiting.revision();
    add(1, 'a');
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
    add(2, 'b');
    assert.equal(fresh.proposal(ctx(baseHash))?.update.contributions.length, 2);
  });
});
