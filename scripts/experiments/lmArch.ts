/**
 * Sizing the language ("lm") head: trains one float head per candidate configuration with the
 * node's own trainer (trainKernel('default'): WASM SIMD when built, else TS; Adam, softmax
 * cross-entropy), from a He-uniform init like initialNetworkModel's, on minibatches of random
 * shard-0-of-1 public positions, and reports at each checkpoint the top-1 accuracy on fixed
 * held-out positions AFTER QUANTIZATION (quantizeHead + scoreHeadJs: what consensus measures),
 * split into English and code, beside the float accuracy, a public-sample accuracy (overfitting
 * gap), the training rate and the JS scoring rate of 12,288 rows.
 *
 *   npx tsx scripts/experiments/lmArch.ts [--configs H:bits:lr[:shift0],…] [--checkpoints 0.25,1,4,16]
 *       [--batch 64] [--eval 8192] [--score-reps 5] [--out file.jsonl]
 *
 * e.g. --configs 64:11:0.002,32:10:0.005 (hidden 64, 2^11 buckets, lr 0.002; …).
 */
import { appendFileSync } from 'node:fs';
import {
  lmBatchIn,
  lmCorpus,
  lmFeatureLayout,
  lmHeldOutPositions,
  lmPublicPosition,
  lmShardPosition,
} from '../../training/data/lm.js';
import { DEFAULT_ADAM, type FloatHead, quantizeHead, trainKernel } from '../../training/float/index.js';
import { scoreHeadJs } from '../../training/kernel/js.js';
import { heUniformBound } from '../../training/model.js';
import { Xoshiro128 } from '../../training/prng.js';

interface Config {
  readonly hidden: number;
  readonly bits: number;
  readonly lr: number;
  readonly shift0: number;
  readonly shift1: number;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

const configs: Config[] = arg('configs', '64:11:0.002')
  .split(',')
  .map((s) => {
    const [h, b, lr, s0, s1] = s.split(':');
    return {
      hidden: Number(h),
      bits: Number(b),
      lr: Number(lr),
      shift0: Number(s0 ?? 8),
      shift1: Number(s1 ?? 6),
    };
  });
const checkpoints = arg('checkpoints', '0.25,1,4,16')
  .split(',')
  .map((m) => Math.round(Number(m) * 1e6));
const batch = Number(arg('batch', '64'));
const evalCount = Number(arg('eval', '8192'));
const out = arg('out', '');
const scoreReps = Number(arg('score-reps', '5'));

function initHead(c: Config, inputs: number, seed: string): FloatHead {
  const rng = new Xoshiro128(seed);
  const specs = [
    { inputs, outputs: c.hidden, shift: c.shift0 },
    { inputs: c.hidden, outputs: 96, shift: c.shift1 },
  ];
  return {
    layers: specs.map((l) => {
      const r = heUniformBound(l.inputs, l.shift);
      const w = new Float32Array(l.inputs * l.outputs);
      for (let i = 0; i < w.length; i++) w[i] = (rng.below(2 * r + 1) - r) / 2 ** l.shift;
      return { ...l, w, b: new Float32Array(l.outputs) };
    }),
  };
}

const corpus = lmCorpus();
console.log(
  `corpus: ${corpus.n} positions (${corpus.englishBytes} B English, ${corpus.codeBytes} B code, ` +
    `${corpus.documents} documents), public ${corpus.publicPositions}, held out ${corpus.heldOutPositions}, sha256 ${corpus.sha256}`,
);
const kernel = trainKernel('default');
console.log(`kernel ${kernel.name}, batch ${batch}, checkpoints ${checkpoints.join(' ')}`);

const held = lmHeldOutPositions(evalCount);
const heldCode = Uint8Array.from(held, (p) => (p >= corpus.codeStart ? 1 : 0));
const pubRng = new Xoshiro128('lmArch/public-sample');
const pubSample = Uint32Array.from({ length: evalCount }, () =>
  lmShardPosition({ index: 0, count: 1 }, pubRng.nextU32()),
);
const scoreRng = new Xoshiro128('lmArch/score-sample');
const scorePositions = Uint32Array.from({ length: 12_288 }, () => lmPublicPosition(scoreRng.nextU32()));

// Majority-class baseline on the held-out positions.
{
  const freq = new Uint32Array(96);
  for (const p of held) freq[corpus.classes[p]!]!++;
  console.log(`held-out majority-class baseline: ${(Math.max(...freq) / held.length).toFixed(4)}`);
}

for (const c of configs) {
  const layout = lmFeatureLayout(c.bits);
  const heldSet = lmBatchIn(layout, corpus.classes, held);
  const pubSet = lmBatchIn(layout, corpus.classes, pubSample);
  const scoreSet = lmBatchIn(layout, corpus.classes, scorePositions);
  const name = `H${c.hidden} B${1 << c.bits} lr${c.lr} s${c.shift0}/${c.shift1}`;
  console.log(`\n== ${name}: inputs ${layout.inputs}, active ${layout.active}`);
  const trainer = kernel.createHeadTrainer(initHead(c, layout.inputs, 'lmArch/init'), {
    ...DEFAULT_ADAM,
    lr: c.lr,
  });
  const rng = new Xoshiro128(`lmArch/train/${name}`);
  const positions = new Uint32Array(batch);
  const rows = Uint32Array.from({ length: batch }, (_, i) => i);
  let seen = 0;
  let trainMs = 0;
  let lossSum = 0;
  let lossN = 0;
  for (const target of checkpoints) {
    const t0 = performance.now();
    while (seen < target) {
      for (let i = 0; i < batch; i++) positions[i] = lmShardPosition({ index: 0, count: 1 }, rng.nextU32());
      lossSum += trainer.step(lmBatchIn(layout, corpus.classes, positions), rows);
      lossN++;
      seen += batch;
    }
    trainMs += performance.now() - t0;
    const q = quantizeHead(trainer.readHead(), 'lm');
    const preds = new Uint8Array(heldSet.n);
    const correct = scoreHeadJs(q, heldSet, preds);
    let codeN = 0;
    let codeOk = 0;
    for (let r = 0; r < heldSet.n; r++) {
      if (heldCode[r] === 0) continue;
      codeN++;
      if (preds[r] === heldSet.labels[r]) codeOk++;
    }
    let floatOk = 0;
    for (let r = 0; r < heldSet.n; r++) if (trainer.predict(heldSet, r) === heldSet.labels[r]) floatOk++;
    const pubOk = scoreHeadJs(q, pubSet);
    const times: number[] = [];
    for (let k = 0; k < scoreReps; k++) {
      const t = performance.now();
      scoreHeadJs(q, scoreSet);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1]!;
    let sat = 0;
    for (const x of q.layers[0]!.w) if (x === 127 || x === -127) sat++;
    let sat1 = 0;
    for (const x of q.layers[1]!.w) if (x === 127 || x === -127) sat1++;
    const rec = {
      config: name,
      samples: seen,
      heldQuant: correct / heldSet.n,
      heldFloat: floatOk / heldSet.n,
      english: (correct - codeOk) / (heldSet.n - codeN),
      code: codeN ? codeOk / codeN : 0,
      publicQuant: pubOk / pubSet.n,
      loss: lossSum / lossN,
      trainPerSec: Math.round(seen / (trainMs / 1000)),
      score12kMs: Number(median.toFixed(1)),
      score12kMinMs: Number(times[0]!.toFixed(1)),
      scorePerSec: Math.round(12_288 / (median / 1000)),
      saturated0: sat / q.layers[0]!.w.length,
      saturated1: sat1 / q.layers[1]!.w.length,
    };
    lossSum = 0;
    lossN = 0;
    console.log(
      `${name} ${(seen / 1e6).toFixed(2)}M: held q ${rec.heldQuant.toFixed(4)} (f ${rec.heldFloat.toFixed(4)}; ` +
        `en ${rec.english.toFixed(4)} code ${rec.code.toFixed(4)}) public q ${rec.publicQuant.toFixed(4)} ` +
        `loss ${rec.loss.toFixed(3)} | train ${rec.trainPerSec}/s | score 12,288 in ${rec.score12kMs} ms ` +
        `(min ${rec.score12kMinMs}) | sat ${(rec.saturated0 * 100).toFixed(2)}% / ${(rec.saturated1 * 100).toFixed(2)}%`,
    );
    if (out) appendFileSync(out, `${JSON.stringify(rec)}\n`);
  }
}
