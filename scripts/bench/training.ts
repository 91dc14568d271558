/**
 * Training layer throughput:
 *  - local training samples/s: qenex's float trainers (sparse inputs, Adam, batch 32), plain TS and
 *    WASM SIMD, on the digits reference workload 196-64-10 (data/digits.ts: no longer a consensus
 *    domain, kept as a fixed workload) and on the issue's reference 784-128-10, beside TF.js CPU
 *    (tfjs-core + backend-cpu) training the same architectures the same way, all on one pool of
 *    pre-drawn minibatches (each in its trainer's input format);
 *  - the language head (consensus lm head 10434-32-96, 7 active one-hot features per row) training
 *    samples/s per kernel, on pre-drawn minibatches of a shard;
 *  - LocalTrainer.train end to end (lm and math heads 3 : 1, batches drawn from the shard) per kernel;
 *  - consensus evaluation samples/s (integer kernels, JS and WASM) on the consensus batch size,
 *    beside TF.js CPU running the same model (the heads dequantized to float32, inputs densified
 *    ahead of time) on the same samples;
 *  - time to verify one block's improvement, per kernel: consensus verifyImprovement (apply the
 *    delta, draw the batch from a fresh block hash, compare() parent and child at evalSamples =
 *    16,384 and math level 0), and compare() alone on a cached batch;
 *  - accuracy per domain after N samples of local training.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  checkContributions,
  contributionSigChecks,
  devnetParams,
  evaluationSeed,
  type ModelUpdate,
  VerdictError,
  verifyImprovement,
} from '../../consensus/index.js';
import { VerifyPool } from '../../node/verify/index.js';
import type { SparseSet } from '../../training/data/sparse.js';
import { dequantizeHead } from '../../training/float/index.js';
import {
  ARCH,
  compressUpdate,
  createNetworkEvaluator,
  DEFAULT_DELTA_DENSITY,
  denseDeltaBytes,
  dequantizeModel,
  encodeDelta,
  encodeSignedDelta,
  evalBatch,
  type FloatHead,
  growNetworkModel,
  initialNetworkModel,
  jsKernel,
  jsTrainKernel,
  LocalTrainer,
  loadWasmKernel,
  loadWasmTrainKernel,
  modelGrowth,
  type NetworkModel,
  networkEvaluator,
  networkModelHash,
  ScoreHelper,
  type ScoreKernel,
  signDelta,
  type TrainKernel,
  wasmKernelPath,
  wasmTrainerPath,
} from '../../training/index.js';
import { Xoshiro128 } from '../../training/prng.js';
import { LocalShard } from '../../training/shard.js';
import { buildWasm } from '../buildWasm.js';
import { type BenchResult, measure, printTable } from './harness.js';

const BATCH = 32;
/** Math level the consensus measurements use (the genesis level). */
const LEVELS = [0];

/** Raw 28×28 MNIST digits (0..127) as a sparse set, for the 784-input reference architecture. */
function mnist784(limit: number): SparseSet {
  const require = createRequire(import.meta.url);
  const idx: number[] = [];
  const val: number[] = [];
  const labels: number[] = [];
  const offsets: number[] = [0];
  for (let d = 0; d < 10; d++) {
    const data = (
      JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }
    ).data;
    const n = Math.min(limit / 10, data.length / 784);
    for (let k = 0; k < n; k++) {
      for (let p = 0; p < 784; p++) {
        const v = Math.round(data[k * 784 + p]! * 127);
        if (v === 0) continue;
        idx.push(p);
        val.push(v);
      }
      labels.push(d);
      offsets.push(idx.length);
    }
  }
  return {
    n: labels.length,
    offsets: Uint32Array.from(offsets),
    idx: Uint16Array.from(idx),
    val: Uint8Array.from(val),
    labels: Uint8Array.from(labels),
  };
}

/** 196-pixel digits from the digits training split (the reference workload). */
async function digits196(): Promise<SparseSet> {
  const { digitSplits } = await import('../../training/data/digits.js');
  const t = digitSplits().train;
  const idx: number[] = [];
  const val: number[] = [];
  const offsets: number[] = [0];
  for (let r = 0; r < t.n; r++) {
    for (let p = 0; p < 196; p++) {
      const v = t.images[r * 196 + p]!;
      if (v === 0) continue;
      idx.push(p);
      val.push(v);
    }
    offsets.push(idx.length);
  }
  return {
    n: t.n,
    offsets: Uint32Array.from(offsets),
    idx: Uint16Array.from(idx),
    val: Uint8Array.from(val),
    labels: t.labels,
  };
}

function randomHead(sizes: readonly number[]): FloatHead {
  const rng = new Xoshiro128('bench/head');
  return {
    layers: sizes.slice(1).map((out, i) => {
      const inputs = sizes[i]!;
      const bound = Math.sqrt(6 / inputs);
      const w = new Float32Array(inputs * out);
      for (let k = 0; k < w.length; k++) w[k] = (rng.nextFloat() * 2 - 1) * bound;
      return { inputs, outputs: out, shift: 7, w, b: new Float32Array(out) };
    }),
  };
}

function dense(set: SparseSet, rows: readonly number[], inputs: number): Float32Array {
  const x = new Float32Array(rows.length * inputs);
  rows.forEach((r, i) => {
    for (let k = set.offsets[r]!; k < set.offsets[r + 1]!; k++)
      x[i * inputs + set.idx[k]!] = set.val[k]! / 127;
  });
  return x;
}

/** A minibatch in each kernel's input format, drawn ahead of time so steps measure training. */
interface PooledBatch {
  readonly sparse: SparseSet;
  readonly dense: Float32Array;
  readonly labels: Int32Array;
}

function batchPool(set: SparseSet, inputs: number, count: number): PooledBatch[] {
  const rng = new Xoshiro128('bench/rows');
  return Array.from({ length: count }, () => {
    const r = Array.from({ length: BATCH }, () => rng.below(set.n));
    const offsets = new Uint32Array(BATCH + 1);
    const idx: number[] = [];
    const val: number[] = [];
    r.forEach((row, i) => {
      for (let k = set.offsets[row]!; k < set.offsets[row + 1]!; k++) {
        idx.push(set.idx[k]!);
        val.push(set.val[k]!);
      }
      offsets[i + 1] = idx.length;
    });
    const labels = Uint8Array.from(r.map((x) => set.labels[x]!));
    return {
      sparse: { n: BATCH, offsets, idx: Uint16Array.from(idx), val: Uint8Array.from(val), labels },
      dense: dense(set, r, inputs),
      labels: Int32Array.from(labels),
    };
  });
}

/**
 * The chain model in TF.js CPU: each head dequantized to float32 (ReLU clamped at 1, as the
 * integer model), the evaluation batch's samples densified ahead of time; one call scores all
 * `n` samples (matMul + bias per layer, argmax, compared with the labels).
 */
async function tfjsEvalRow(model: NetworkModel, seedInput: Uint8Array, n: number): Promise<BenchResult> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const heads = dequantizeModel(model);
  const batch = evalBatch(evaluationSeed(seedInput), n, LEVELS);
  const parts = heads.map((h, d) => {
    const set = batch.domains[d]!;
    const inputs = h.layers[0]!.inputs;
    const rows = Array.from({ length: set.n }, (_, i) => i);
    return {
      x: tf.tensor2d(dense(set, rows, inputs), [set.n, inputs]),
      labels: tf.tensor1d(Int32Array.from(set.labels), 'int32'),
      layers: h.layers.map((l) => ({
        w: tf.tensor2d(l.w, [l.inputs, l.outputs]),
        b: tf.tensor1d(l.b),
      })),
    };
  });
  const score = (): number =>
    tf.tidy(() => {
      let total = 0;
      for (const p of parts) {
        let a = p.x;
        p.layers.forEach((l, i) => {
          const z = tf.add(tf.matMul(a, l.w), l.b) as typeof a;
          a = i < p.layers.length - 1 ? (tf.clipByValue(z, 0, 1) as typeof a) : z;
        });
        total += tf.sum(tf.cast(tf.equal(tf.argMax(a, 1), p.labels), 'int32')).dataSync()[0]!;
      }
      return total;
    });
  const correct = score();
  const row = await measure('TF.js CPU float32, same model (baseline)', () => void score(), {
    opsPerCall: n,
  });
  for (const p of parts) tf.dispose([p.x, p.labels, ...p.layers.flatMap((l) => [l.w, l.b])]);
  const integer = createNetworkEvaluator({ kernel: jsKernel }).score(
    model,
    evaluationSeed(seedInput),
    n,
    LEVELS,
  );
  console.log(`  (same ${n} samples: TF.js float32 ${correct} correct, qenex integer evaluator ${integer})`);
  return row;
}

/** Per architecture: TF.js CPU, the plain-TS trainer and the WASM SIMD trainer on the same batches. */
/** A trainer `warm` samples from `start`, re-based on its model (`base`), then `round` more. */
function trainedRound(
  start: NetworkModel,
  shard: { index: number; count: number },
  seed: string,
  warm: number,
  round: number,
): { base: NetworkModel; trainer: LocalTrainer } {
  const trainer = new LocalTrainer({ shard, seed });
  trainer.setBase(start, LEVELS);
  trainer.train(warm);
  const base = trainer.currentModel();
  trainer.setBase(base, LEVELS);
  trainer.train(round);
  return { base, trainer };
}

async function trainingTables(wasmTrain: TrainKernel): Promise<Array<[string, BenchResult[]]>> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const tables: Array<[string, BenchResult[]]> = [];
  const sets: Array<[string, number[], SparseSet]> = [
    ['196-64-10', [196, 64, 10], await digits196()],
    ['784-128-10', [784, 128, 10], mnist784(2000)],
  ];
  for (const [name, sizes, set] of sets) {
    const rows: BenchResult[] = [];
    const pool = batchPool(set, sizes[0]!, 256);
    let next = 0;
    const draw = (): PooledBatch => pool[next++ % pool.length]!;
    // TF.js: the same MLP (ReLU), softmax cross-entropy, Adam, batch 32, inputs dense. The
    // backward pass is written out with TF.js ops (tfjs-core alone registers no gradients).
    type T2 = import('@tensorflow/tfjs-core').Tensor2D;
    const ws = sizes
      .slice(1)
      .map((out, i) => tf.variable(tf.randomUniform([sizes[i]!, out], -0.1, 0.1), true, `${name}/w${i}`));
    const bs = sizes.slice(1).map((out, i) => tf.variable(tf.zeros([out]), true, `${name}/b${i}`));
    const opt = tf.train.adam(0.002);
    const tfStep = (): void => {
      const b = draw();
      const grads = tf.tidy(() => {
        const x = tf.tensor2d(b.dense, [BATCH, sizes[0]!]);
        const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), sizes[sizes.length - 1]!);
        const acts: T2[] = [x];
        const zs: T2[] = [];
        ws.forEach((w, i) => {
          const z = tf.add(tf.matMul(acts[i]!, w as unknown as T2), bs[i]!) as T2;
          zs.push(z);
          if (i < ws.length - 1) acts.push(tf.relu(z));
        });
        let g = tf.div(tf.sub(tf.softmax(zs[zs.length - 1]!), y), BATCH) as T2;
        const named: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
        for (let i = ws.length - 1; i >= 0; i--) {
          named[ws[i]!.name] = tf.matMul(acts[i]!, g, true, false);
          named[bs[i]!.name] = tf.sum(g, 0);
          if (i > 0) g = tf.mul(tf.matMul(g, ws[i] as unknown as T2, false, true), tf.step(zs[i - 1]!)) as T2;
        }
        return named;
      });
      opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
      tf.dispose(Object.values(grads));
    };
    rows.push(await measure(`TF.js CPU ${name} (baseline)`, tfStep, { minMs: 3000, opsPerCall: BATCH }));
    for (const v of [...ws, ...bs]) v.dispose();
    const seq = Array.from({ length: BATCH }, (_, i) => i);
    for (const [label, kernel] of [
      ['plain TS', jsTrainKernel],
      ['WASM SIMD', wasmTrain],
    ] as const) {
      const trainer = kernel.createHeadTrainer(randomHead(sizes));
      rows.push(
        await measure(`qenex ${label} trainer ${name}`, () => void trainer.step(draw().sparse, seq), {
          minMs: 3000,
          opsPerCall: BATCH,
        }),
      );
    }
    tables.push([name, rows]);
  }
  return tables;
}

/** The consensus language head alone, per kernel, on pre-drawn minibatches of a shard. */
async function lmHeadRows(wasmTrain: TrainKernel): Promise<BenchResult[]> {
  const shard = new LocalShard({ index: 0, count: 1 }, 'bench/lm');
  const pool = Array.from({ length: 256 }, () => shard.batch(0, BATCH));
  const head = dequantizeHead(initialNetworkModel().heads[0]!);
  const seq = Array.from({ length: BATCH }, (_, i) => i);
  const rows: BenchResult[] = [];
  for (const [label, kernel] of [
    ['plain TS', jsTrainKernel],
    ['WASM SIMD', wasmTrain],
  ] as const) {
    const trainer = kernel.createHeadTrainer(head);
    let next = 0;
    rows.push(
      await measure(`lm head training, ${label}`, () => void trainer.step(pool[next++ % pool.length]!, seq), {
        minMs: 3000,
        opsPerCall: BATCH,
      }),
    );
  }
  return rows;
}

/** LocalTrainer.train end to end (lm and math heads 3 : 1, minibatches drawn from the shard). */
async function localTrainerRows(wasmTrain: TrainKernel): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const kernel of [jsTrainKernel, wasmTrain]) {
    const t = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'bench/local', kernel });
    t.setBase(initialNetworkModel(), LEVELS);
    rows.push(
      await measure(`LocalTrainer.train, ${kernel.name} kernel`, () => void t.train(BATCH * 4), {
        minMs: 3000,
        opsPerCall: BATCH * 4,
      }),
    );
  }
  return rows;
}

/** The genesis model and the largest shape growth allows. */
function benchShapes(): Array<[string, NetworkModel]> {
  let grown = initialNetworkModel();
  ARCH.forEach((h, hi) => {
    for (let g = 0; g < h.maxGrowth; g++) grown = growNetworkModel(grown, hi);
  });
  return [
    ['genesis size', initialNetworkModel()],
    ['largest size', grown],
  ];
}

/**
 * Block verification at the genesis shape and at the largest shape growth allows (the budget
 * bound); `npm run bench -- verify` runs only this part.
 */
export async function verificationRows(wasm: ScoreKernel): Promise<void> {
  const N = devnetParams.evalSamples;
  // Block verification at the genesis shape and at the largest shape growth allows (the budget
  // bound), on models trained as a running chain's are: a 60,000-sample base, then contributions of
  // 20,000 samples each from trainers on different shards, compressed as nodes send them. One
  // contribution, and the most a block may carry (maxContributors): every signature, combine,
  // compare() parent and child, and each contribution's leave-one-out credit (consensus poi/credit.ts).
  const verify: BenchResult[] = [];
  const shapes = benchShapes();
  const maxN = devnetParams.maxContributors;
  // signatures as a node checks them: the verify pool (native, worker threads), batched
  const sigPool = new VerifyPool({});
  await sigPool.start();
  // the node's scoring helper: a second thread takes half of each block's scorings
  const scoreHelper = await ScoreHelper.start();
  let nonce = 0;
  for (const [label, start] of shapes) {
    const warm = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: `bench/verify/${label}` });
    warm.setBase(start, LEVELS);
    warm.train(60_000);
    const vBase = warm.currentModel();
    const vBaseHash = networkModelHash(vBase);
    const contributions = Array.from({ length: maxN }, (_, i) => {
      const t = new LocalTrainer({
        shard: { index: i, count: maxN },
        seed: `bench/verify/${label}/${i}`,
        deltaDensity: DEFAULT_DELTA_DENSITY,
      });
      t.setBase(vBase, LEVELS);
      t.train(20_000);
      const sk = sha256(new TextEncoder().encode(`bench contributor ${i}`));
      const m = signDelta({ baseModelHash: vBaseHash, samples: 20_000, delta: encodeDelta(t.delta()) }, sk);
      return { payout: m.contributor, pubkey: m.pubkey, samples: m.samples, delta: m.delta, sig: m.sig };
    });
    for (const n of [1, maxN]) {
      const vUpdate: ModelUpdate = {
        baseModelHash: vBaseHash,
        claimedPpm: 0,
        levels: LEVELS,
        grow: null,
        rule: 0,
        contributions: contributions.slice(0, n),
      };
      const vHash = networkModelHash(
        networkEvaluator.combine(
          vBase,
          vUpdate.contributions.map((c) => c.delta),
          0,
        ).model,
      );
      const variants: Array<readonly [string, ScoreKernel, ScoreHelper | undefined]> = [
        ...(n === 1 || label === 'genesis size' ? [['js', jsKernel, undefined] as const] : []),
        ['wasm', wasm, undefined],
        ['wasm, 2 threads', wasm, scoreHelper],
      ];
      for (const [name, k, helper] of variants) {
        const ev = createNetworkEvaluator({ kernel: k, ...(helper ? { helper } : {}) });
        verify.push(
          await measure(`verify block, ${label}, ${n} contribution${n > 1 ? 's' : ''}, ${name}`, async () => {
            checkContributions(vUpdate, devnetParams);
            const bad = await sigPool.verifyBatch(contributionSigChecks(vUpdate));
            if (bad >= 0) throw new Error('bench contribution signature');
            const blockHash = sha256(Uint8Array.of(nonce & 0xff, (nonce++ >> 8) & 0xff, 7));
            try {
              verifyImprovement(ev, vBase, vBaseHash, vUpdate, vHash, blockHash, LEVELS, devnetParams);
            } catch (e) {
              // a sample on which the update is not significant is rejected after the same work
              if (!(e instanceof VerdictError)) throw e;
            }
          }),
        );
      }
    }
  }
  await sigPool.stop();
  await scoreHelper.close();
  printTable(
    `block verification (signatures on the node's verify pool, combine, draw ${N} samples at levels [${LEVELS}], compare() parent and child, leave-one-out credit on ≤ ${devnetParams.creditSamples} samples per contribution), blocks/s`,
    verify,
    'verify block, genesis size, 1 contribution, js',
  );
  const ms = (name: string): string => {
    const r = verify.find((x) => x.name === name);
    return r ? `${r.msPerCall.toFixed(1)} ms` : '—';
  };
  for (const [label] of shapes) {
    console.log(
      `  verify one block, ${label}: 1 contribution JS ${ms(`verify block, ${label}, 1 contribution, js`)}, WASM ${ms(`verify block, ${label}, 1 contribution, wasm`)} (2 threads ${ms(`verify block, ${label}, 1 contribution, wasm, 2 threads`)}); ${maxN} contributions WASM ${ms(`verify block, ${label}, ${maxN} contributions, wasm`)} (2 threads ${ms(`verify block, ${label}, ${maxN} contributions, wasm, 2 threads`)})`,
    );
  }
}

export async function run(): Promise<void> {
  if (wasmKernelPath() === undefined) buildWasm();
  const wasm = loadWasmKernel();
  if (!wasm) throw new Error('WASM kernel unavailable');

  if (wasmTrainerPath() === undefined) buildWasm();
  const wasmTrain = loadWasmTrainKernel();
  if (!wasmTrain) throw new Error('WASM training kernel unavailable');

  console.log('\nlocal training (samples/s; one core; the same pre-drawn minibatches for every trainer)…');
  for (const [name, rows] of await trainingTables(wasmTrain)) {
    printTable(`local training ${name}, samples/s (batch 32, Adam)`, rows, `TF.js CPU ${name} (baseline)`);
  }
  const lm = await lmHeadRows(wasmTrain);
  printTable(
    'lm head training 10434-32-96 (7 one-hot features per row; batch 32, Adam; pre-drawn shard minibatches), samples/s',
    lm,
    'lm head training, plain TS',
  );
  printTable(
    'LocalTrainer.train (lm 10434-32-96 and math 186-128-10, 3 : 1; batches drawn from the shard), samples/s',
    await localTrainerRows(wasmTrain),
    'LocalTrainer.train, js kernel',
  );

  // a realistic chain step: base trained a little, child trained more
  const t = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'bench' });
  t.setBase(initialNetworkModel(), LEVELS);
  t.train(3000);
  const base = t.currentModel();
  t.setBase(base, LEVELS);
  t.train(6000);
  const child = t.currentModel();
  const N = devnetParams.evalSamples;
  const evals = [await tfjsEvalRow(child, sha256(Uint8Array.of(1)), N)];
  for (const k of [jsKernel, wasm]) {
    const ev = createNetworkEvaluator({ kernel: k });
    const seed = sha256(Uint8Array.of(1));
    ev.score(child, seed, N, LEVELS);
    evals.push(
      await measure(`consensus eval, ${k.name} kernel`, () => void ev.score(child, seed, N, LEVELS), {
        opsPerCall: N,
      }),
    );
  }
  printTable(
    `consensus evaluation, samples/s (batches of ${N}, batch cached)`,
    evals,
    'TF.js CPU float32, same model (baseline)',
  );

  await verificationRows(wasm);

  const lmRate = (label: string): string =>
    Math.round(lm.find((r) => r.name === `lm head training, ${label}`)!.opsPerSec).toLocaleString('en-US');
  console.log(
    `  lm head training: plain TS ${lmRate('plain TS')} samples/s, WASM SIMD ${lmRate('WASM SIMD')} samples/s`,
  );

  // Delta sizes: dense int8, the whole quantized difference, and compressed (compress.ts), on a
  // trained round at the genesis and the largest shape; and what one trainer gossips per minute
  // at the default delta interval (one signed delta per 5 s, as encoded for gossip).
  const shapes = benchShapes();
  console.log('\ndelta bytes per trainer (a 40,000-sample round after 100,000):');
  for (const [label, start] of shapes) {
    const dense = denseDeltaBytes(modelGrowth(start));
    const { base, trainer: t0 } = trainedRound(
      start,
      { index: 0, count: 3 },
      `bench/delta/${label}`,
      100_000,
      40_000,
    );
    const wholeD = encodeDelta(t0.delta());
    const packedD = encodeDelta(compressUpdate(base, dequantizeModel(t0.currentModel())));
    const [whole, packed] = [wholeD.length, packedD.length];
    const signedBytes = (delta: Uint8Array): number =>
      encodeSignedDelta(
        signDelta(
          { baseModelHash: networkModelHash(base), samples: 40_000, delta },
          new Uint8Array(32).fill(7),
        ),
      ).length;
    const perMin = (delta: Uint8Array): string => `${((signedBytes(delta) * 12) / 1024).toFixed(0)} KiB/min`;
    console.log(
      `  ${label}: dense int8 ${dense} B; whole difference ${whole} B (gossip ${perMin(wholeD)}); compressed 1/128 ${packed} B, ${(dense / packed).toFixed(0)}× smaller than dense (gossip ${perMin(packedD)})`,
    );
  }

  console.log('\naccuracy per domain after local training (one node, every public chunk; math level 0):');
  const ev = createNetworkEvaluator({ kernel: wasm });
  const acc = new LocalTrainer({ shard: { index: 0, count: 1 }, seed: 'bench/accuracy' });
  acc.setBase(initialNetworkModel(), LEVELS);
  const seed = evaluationSeed(sha256(Uint8Array.of(9)));
  let trained = 0;
  for (const target of [0, 3_000, 15_000, 30_000, 60_000, 120_000]) {
    trained += acc.train(target - trained);
    const m = acc.currentModel();
    const pct = (d: { correct: number; total: number }): string =>
      `${((100 * d.correct) / d.total).toFixed(1)}%`;
    const by = ev.scoreByDomain(m, seed, 30_000, LEVELS);
    const held = ev.heldOut(m, LEVELS);
    console.log(
      `  ${String(target).padStart(7)} samples: ${by.map((d, i) => `${d.domain} ${pct(d)} (held out ${pct(held[i]!)})`).join(', ')}`,
    );
  }
}
