/**
 * Federated rounds vs central training, without a network, through training's public API only.
 *
 * Federated: 3 shards (public corpus chunks ≡ i mod 3 for language, each node's own math task
 * stream, seeded as a node seeds its shard). Each round every shard trains S samples from the
 * current chain model; its delta takes the gossip path (encodeDelta, signDelta, encode/decode of
 * the SignedDelta, verifySignedDelta against the model hash), the verified deltas are aggregated
 * as the miner's proposer does ('fedavg' and 'median'), encoded and applied through the network
 * evaluator. Central: one trainer on the union of the shards (every public chunk), from the same
 * initial model, for the same total samples (ROUNDS × 3 × S). Both are scored on data nobody
 * trains on (the evaluator's heldOut: 8,192 held-out corpus positions, 4,096 math tasks of a
 * fixed seed), the domains weighed 3 : 1 as in a block's evaluation sample.
 *
 * Measured (WASM trainer with row-lazy Adam, S = 20,000, 3 rounds, 180,000 samples; lm / math
 * held-out accuracy): initial 0.5% / 11.5%; federated fedavg 43.5% / 74.1%, median 43.5% / 73.5%;
 * central 45.8% / 78.4%; weighted 51.2% and 51.0% vs 54.0% (2.8 and 3.0 points behind). One trainer
 * on ROUNDS × S = 60,000 samples (the same wall time as a federated node): 38.2% weighted.
 * Averaging 3 IID deltas gives about the progress of one node's delta (less noise, not more
 * steps), so at equal total samples federated trails central; at equal per-node samples it beats
 * one trainer. Compressed deltas: see their case below.
 */
import { strict as assert } from 'node:assert';
import { devnetParams } from '../../../consensus/index.js';
import { DEFAULT_DELTA_DENSITY } from '../../../training/compress.js';
import {
  type AggregationRule,
  aggregateDeltas,
  decodeSignedDelta,
  denseDeltaBytes,
  encodeDelta,
  encodeSignedDelta,
  initialNetworkModel,
  LocalTrainer,
  modelGrowth,
  type NetworkModel,
  networkEvaluator,
  networkModelHash,
  type ShardSpec,
  signDelta,
  verifySignedDelta,
} from '../../../training/index.js';
import { trainCentrally } from '../../utils/centralTraining.js';
import { keyPair } from '../../utils/chainBuilder.js';

const SHARDS: readonly ShardSpec[] = [0, 1, 2].map((index) => ({ index, count: 3 }));
const ALL_ROWS: ShardSpec = { index: 0, count: 1 };
/** Samples each shard trains per round, and rounds. */
const S = 20_000;
const ROUNDS = 3;
const TOTAL = ROUNDS * SHARDS.length * S;
const LEVELS = [0];
/** Weights of the domains (lm, math) in a block's evaluation sample. */
const WEIGHTS = [0.75, 0.25];
/** Largest gap (points of weighted held-out accuracy) federated may trail central by: 2.8–3.0 measured. */
const MAX_GAP = 0.08;
/** Largest loss of compressed against uncompressed deltas (issue 11: at most 1 point). */
const MAX_COMPRESSION_LOSS = 0.01;
/** Rounds of the compressed comparison (same total samples). */
const C_ROUNDS = 12;

function byDomain(model: NetworkModel): number[] {
  return networkEvaluator.heldOut(model, LEVELS).map((d) => d.correct / d.total);
}

function accuracy(model: NetworkModel): number {
  return byDomain(model).reduce((s, a, i) => s + WEIGHTS[i]! * a, 0);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const detail = (m: NetworkModel): string =>
  `${pct(accuracy(m))} (lm ${byDomain(m).map(pct).join(', math ')})`;

/**
 * ROUNDS federated rounds from `initial` with deltas compressed at `density` (null: the whole
 * quantized difference); returns the chain model and the samples it reports.
 */
function federate(
  initial: NetworkModel,
  rule: AggregationRule,
  density: number | null,
  rounds = ROUNDS,
  perRound = S,
): { model: NetworkModel; samples: number; bytes: number } {
  const nodes = SHARDS.map((shard, i) => ({
    key: keyPair(`federated-${i}`).sk,
    trainer: new LocalTrainer({
      shard,
      seed: `qenex/shard/${shard.index}/${shard.count}`,
      deltaDensity: density,
    }),
  }));
  let bytes = 0;
  let model = initial;
  let samples = 0;
  for (let r = 0; r < rounds; r++) {
    const base = networkModelHash(model);
    const deltas = nodes.map(({ trainer }) => {
      trainer.setBase(model, LEVELS);
      trainer.train(perRound);
      samples += trainer.samples;
      return trainer.delta();
    });
    if (density === null) {
      // the uncompressed baseline: whole deltas (over the bound a block carries), aggregated
      bytes += deltas.reduce((t, d) => t + encodeDelta(d).length, 0);
      const aggregate = aggregateDeltas(
        deltas.map((delta) => ({ delta, samples: perRound })),
        { rule },
      );
      model = networkEvaluator.applyDelta(model, encodeDelta(aggregate));
      continue;
    }
    // compressed: the path a block's contributions take (signed, verified, combined by consensus)
    const verified = deltas.map((d, i) => {
      const delta = encodeDelta(d);
      bytes += delta.length;
      const signed = signDelta({ baseModelHash: base, samples: perRound, delta }, nodes[i]!.key);
      return verifySignedDelta(decodeSignedDelta(encodeSignedDelta(signed)), base, devnetParams);
    });
    const ruleId = networkEvaluator.rules.indexOf(rule);
    model = networkEvaluator.combine(
      model,
      verified.map((v) => v.message.delta),
      ruleId,
    ).model;
  }
  return { model, samples, bytes };
}

describe('training: federated rounds vs central training on the same shards', function () {
  // ~18 s with the WASM trainer on a 2-core machine; the plain-TS fallback is ~5× slower.
  this.timeout(180_000);
  const initial = initialNetworkModel();
  const initialAcc = accuracy(initial);
  const runs = new Map<string, ReturnType<typeof federate>>();
  const federated = (rule: AggregationRule, density: number | null = null): ReturnType<typeof federate> => {
    const key = `${rule}/${density}`;
    const hit = runs.get(key) ?? federate(initial, rule, density);
    runs.set(key, hit);
    return hit;
  };
  let centralModel: NetworkModel | undefined;
  const central = (): NetworkModel => {
    centralModel ??= trainCentrally(initial, [ALL_ROWS], TOTAL);
    return centralModel;
  };

  for (const rule of ['fedavg', 'median'] as const) {
    it(`${rule}: ${ROUNDS} rounds of 3 × ${S} samples end within ${100 * MAX_GAP} points of central training on ${TOTAL} samples`, () => {
      const fed = federated(rule);
      assert.equal(fed.samples, TOTAL, 'contributors report every sample trained');
      const fedAcc = accuracy(fed.model);
      const centralA = accuracy(central());
      console.log(
        `      ${rule}: initial ${detail(initial)}, federated ${detail(fed.model)}, central ${detail(central())} (${TOTAL} samples each)`,
      );
      assert.ok(fedAcc > initialAcc + 0.4, `federated improves: ${initialAcc} -> ${fedAcc}`);
      assert.ok(centralA > initialAcc + 0.4, `central improves: ${initialAcc} -> ${centralA}`);
      // and on each domain
      const [i0, i1] = byDomain(initial);
      const [f0, f1] = byDomain(fed.model);
      assert.ok(f0! > i0! + 0.3 && f1! > i1! + 0.3, `per domain: ${[i0, i1]} -> ${[f0, f1]}`);
      assert.ok(
        centralA - fedAcc <= MAX_GAP,
        `federated ${fedAcc} within ${100 * MAX_GAP} points of central ${centralA}`,
      );
    });
  }

  it(`compressed deltas (top 1/128, two levels, error feedback; 'sparse-mean') over ${C_ROUNDS} rounds lose ≤ ${100 * MAX_COMPRESSION_LOSS} point against uncompressed fedavg at equal samples, each ≥ 50× smaller than dense int8`, () => {
    // Compression trades bytes per round for rounds: what a delta leaves out waits on its trainer
    // (error feedback) for a later round. Measured at 3 rounds of 20,000 (the runs above): 46.1%
    // vs 51.2%, the remainder has no rounds left to go out in; at 12 rounds of 5,000 (the same
    // 180,000 samples): 51.3% vs 51.2%.
    const per = TOTAL / SHARDS.length / C_ROUNDS;
    const plain = federate(initial, 'fedavg', null, C_ROUNDS, per);
    const packed = federate(initial, 'sparse-mean', DEFAULT_DELTA_DENSITY, C_ROUNDS, per);
    const dense = C_ROUNDS * SHARDS.length * denseDeltaBytes(modelGrowth(initial));
    console.log(
      `      compressed ${detail(packed.model)}, ${packed.bytes} delta bytes; fedavg ${detail(plain.model)}, ${plain.bytes} bytes; dense int8 ${dense} bytes (${(dense / packed.bytes).toFixed(0)}×)`,
    );
    assert.equal(packed.samples, plain.samples, 'equal samples (whole minibatches of 32: 5,024 a round)');
    assert.ok(dense >= 50 * packed.bytes, `${dense} dense vs ${packed.bytes} compressed bytes`);
    assert.ok(
      accuracy(plain.model) - accuracy(packed.model) <= MAX_COMPRESSION_LOSS,
      `compressed ${accuracy(packed.model)} vs fedavg ${accuracy(plain.model)}`,
    );
  });

  it('federated beats one trainer given the same per-node samples (the same wall time)', () => {
    const fed = federated('fedavg').model;
    const lone = trainCentrally(initial, [ALL_ROWS], ROUNDS * S);
    console.log(`      fedavg ${detail(fed)} vs one trainer on ${ROUNDS * S} samples ${detail(lone)}`);
    // measured: 51.2% vs 38.2%
    assert.ok(accuracy(fed) > accuracy(lone), `federated ${accuracy(fed)} vs lone ${accuracy(lone)}`);
  });

  it("the e2e's pooled-shards baseline (shards visited in turn) matches one trainer on all rows", () => {
    const pooled = accuracy(trainCentrally(initial, SHARDS, TOTAL));
    const c = accuracy(central());
    console.log(`      shards in turn ${pct(pooled)} vs one trainer on all rows ${pct(c)}`);
    assert.ok(Math.abs(pooled - c) <= 0.015, `pooled ${pooled} vs central ${c}`);
  });
});
