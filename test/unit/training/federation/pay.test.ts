/**
 * Pay by measured contribution, attacked (issue 11's "done when"): an in-process network of 10
 * honest trainers (different shards, different amounts of training per round), 3 copiers (an
 * honest delta re-signed with noise: 1% of its signs flipped; 10% of its entries moved; half of
 * it) and 2 free riders (a zero delta; a random delta at the entry bound). Every round each one
 * signs a delta against the chain model and pools it (the copiers after the delta they copy, as
 * on a real network: they must receive it first); the node's UpdateProposer builds the update; a
 * block hash is drawn until consensus accepts it; the contributors' pool of that block is paid by
 * consensus's credit rule. Over ≥ 20 update blocks, copiers and free riders must take < 5% of all
 * contributor pay.
 */
import { strict as assert } from 'node:assert';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  contributorPool,
  creditPayouts,
  devnetParams,
  improvementBonus,
  toHex,
  VerdictError,
  verifyImprovement,
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import type { NextBlockContext } from '../../../../node/miner/index.js';
import { DeltaPool } from '../../../../training/federation/pool.js';
import { UpdateProposer } from '../../../../training/federation/proposer.js';
import {
  DEFAULT_DELTA_DENSITY,
  encodeDelta,
  encodeSignedDelta,
  initialNetworkModel,
  LocalTrainer,
  type ModelDelta,
  maxContributionEntries,
  type NetworkModel,
  networkEvaluator,
  networkModelHash,
  signDelta,
} from '../../../../training/index.js';
import { Xoshiro128 } from '../../../../training/prng.js';

const params = devnetParams;
const HONEST = 10;
const key = (label: string) => sha256(new TextEncoder().encode(`federation pay ${label}`));

/** `d` with weight entries changed by `f` (a copy, so the original stays intact). */
function mapWeights(d: ModelDelta, f: (w: Int8Array, t: number) => void): ModelDelta {
  const out = {
    growth: d.growth,
    w: d.w.map((x) => Int8Array.from(x)),
    b: d.b.map((x) => Int16Array.from(x)),
  };
  out.w.forEach(f);
  return out;
}

function nonZero(w: Int8Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) idx.push(i);
  return idx;
}

describe('contributor pay against copiers and free riders (in-process network)', function () {
  this.timeout(600_000);

  it('over ≥ 20 update blocks, copiers and free riders take < 5% of the contributor pay', () => {
    const rng = new Xoshiro128(sha256(new TextEncoder().encode('federation pay rng')));
    // a base past the first easy minutes of learning, as a running chain's
    const warm = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'federation pay warm' });
    warm.setBase(initialNetworkModel(), [0]);
    warm.train(20_000);
    let model: NetworkModel = warm.currentModel();
    let modelHash = networkModelHash(model);
    const honest = Array.from(
      { length: HONEST },
      (_, i) =>
        new LocalTrainer({
          shard: { index: i, count: HONEST },
          seed: `federation pay honest ${i}`,
          deltaDensity: DEFAULT_DELTA_DENSITY,
        }),
    );
    // trainer i trains 3,000 + 600·i samples a round: what it adds should differ
    const perRound = honest.map((_, i) => 3_000 + 600 * i);
    const pool = new DeltaPool({}, { params, currentModelHash: () => modelHash });
    const proposer = new UpdateProposer(
      {
        minContributors: 1,
        // local seeds from a fixed stream: the run is the same every time
        randomBytes: (n) => Uint8Array.from({ length: n }, () => rng.below(256)),
      },
      {
        pool,
        params,
        evaluator: networkEvaluator as never,
        getTipModel: () => model,
        getTipLevels: () => [0],
        getGrowthWindow: () => ({ sinceGrowth: 0, gainPpm: [0, 0] }),
        logger: silentLogger,
      },
    );
    const paid = new Map<string, bigint>();
    const who = new Map<string, string>();
    const pay = (label: string, pkh: Uint8Array) => who.set(toHex(pkh), label);
    const submit = (label: string, delta: ModelDelta, samples: number) => {
      const m = signDelta({ baseModelHash: modelHash, samples, delta: encodeDelta(delta) }, key(label));
      pay(label, m.contributor);
      try {
        pool.add(encodeSignedDelta(m));
      } catch {
        // refused at the pool (e.g. a zero delta): it earns nothing
      }
    };
    let updates = 0;
    const included = { copier: 0, freeRider: 0, honest: 0 };
    let proposals = 0;
    for (let round = 0; round < 40 && updates < 20; round++) {
      const deltas = honest.map((t, i) => {
        t.setBase(model, [0]);
        t.train(perRound[i]!);
        return t.delta();
      });
      deltas.forEach((d, i) => {
        submit(`honest ${i}`, d, perRound[i]!);
      });
      // copiers: 1% of the signs flipped; 10% of the entries moved elsewhere; half of the entries
      submit(
        'copier flip',
        mapWeights(deltas[9]!, (w) => {
          for (const i of nonZero(w)) if (rng.nextFloat() < 0.01) w[i] = -w[i]!;
        }),
        100_000_000,
      );
      submit(
        'copier move',
        mapWeights(deltas[8]!, (w) => {
          for (const i of nonZero(w)) {
            if (rng.nextFloat() >= 0.1) continue;
            const j = Math.floor(rng.nextFloat() * w.length);
            if (w[j] === 0) {
              w[j] = w[i]!;
              w[i] = 0;
            }
          }
        }),
        100_000_000,
      );
      submit(
        'copier half',
        mapWeights(deltas[7]!, (w) => {
          for (const i of nonZero(w)) if (rng.nextFloat() < 0.5) w[i] = 0;
        }),
        100_000_000,
      );
      // free riders: nothing (refused by the pool), and noise at the bound
      const zeroBiases = (d: ModelDelta) => ({ ...d, b: d.b.map((x) => new Int16Array(x.length)) });
      submit('free rider zero', zeroBiases(mapWeights(deltas[0]!, (w) => w.fill(0))), 100_000_000);
      submit(
        'free rider random',
        zeroBiases(
          mapWeights(deltas[0]!, (w) => {
            w.fill(0);
            const k = maxContributionEntries(w.length);
            for (let n = 0; n < k; n++)
              w[Math.floor(rng.nextFloat() * w.length)] = rng.nextFloat() < 0.5 ? -8 : 8;
          }),
        ),
        100_000_000,
      );
      const ctx: NextBlockContext = {
        height: round + 1,
        prevHash: new Uint8Array(32),
        bits: params.powLimitBits,
        medianTimePast: 0,
        issued: 0n,
        modelHash,
        now: 0,
        owed: [],
      };
      const p = proposer.proposal(ctx, { immediate: true });
      if (!p) continue;
      proposals++;
      for (const c of p.update.contributions) {
        const label = who.get(toHex(c.payout))!;
        if (label.startsWith('copier')) included.copier++;
        else if (label.startsWith('free')) included.freeRider++;
        else included.honest++;
      }
      // "mining": block hashes until one passes consensus (as the miner's accepts() does)
      for (let tries = 0; tries < 8; tries++) {
        const blockHash = sha256(new TextEncoder().encode(`federation pay block ${round}/${tries}`));
        let r: ReturnType<typeof verifyImprovement<NetworkModel>>;
        try {
          r = verifyImprovement(
            networkEvaluator,
            model,
            modelHash,
            p.update,
            p.modelHash,
            blockHash,
            [0],
            params,
          );
        } catch (e) {
          if (e instanceof VerdictError) continue;
          throw e;
        }
        const input = { height: 1_000 + round, improvementPpm: p.update.claimedPpm, issuedBefore: 0n };
        const owed = creditPayouts(
          contributorPool(improvementBonus(input, params), params),
          p.update.contributions.map((c, i) => ({ pubKeyHash: c.payout, credit: r.credit[i]! })),
        );
        for (const o of owed) {
          const label = who.get(toHex(o.pubKeyHash))!;
          paid.set(label, (paid.get(label) ?? 0n) + o.value);
        }
        model = r.model;
        modelHash = r.modelHash;
        updates++;
        break;
      }
    }
    const total = [...paid.values()].reduce((t, v) => t + v, 0n);
    const share = (f: (label: string) => boolean) =>
      Number(([...paid].filter(([l]) => f(l)).reduce((t, [, v]) => t + v, 0n) * 100_000n) / total) / 1000;
    const lines = [...who.values()]
      .filter((l, i, a) => a.indexOf(l) === i)
      .map((l) => `${l}: ${share((x) => x === l).toFixed(2)}%`);
    console.log(
      `      ${updates} update blocks of ${proposals} proposals; contributions included: ${JSON.stringify(included)}`,
    );
    console.log(`      pay shares: ${lines.join(', ')}`);
    assert.ok(updates >= 20, `${updates} update blocks`);
    const bad = share((l) => !l.startsWith('honest'));
    assert.ok(bad < 5, `copiers and free riders took ${bad}% of the contributor pay`);
    // every honest trainer earned something, and more training earned more: Spearman's rank
    // correlation of the samples trained a round with the pay
    const honestPay = perRound.map((_, i) => Number(paid.get(`honest ${i}`) ?? 0n));
    for (let i = 0; i < HONEST; i++) assert.ok(honestPay[i]! > 0, `honest ${i} was paid`);
    const rank = (xs: readonly number[]) => xs.map((x) => xs.filter((y) => y < x).length + 1);
    const rp = rank(honestPay);
    const d2 = rank(perRound).reduce((t, r, i) => t + (r - rp[i]!) ** 2, 0);
    const rho = 1 - (6 * d2) / (HONEST * (HONEST * HONEST - 1));
    console.log(
      `      Spearman correlation of samples trained and pay over the honest trainers: ${rho.toFixed(2)}`,
    );
    assert.ok(rho > 0, `pay follows training: rho ${rho}`);
  });
});
