/**
 * Is the chain model at one height really better than at another? Reads both from a node's chain
 * database (stopped node) and compares them on the language held-out positions (the ones
 * getmodelinfo reports; no block sample and no trainer uses them), paired: top-1 accuracy with the
 * sign test on the positions where exactly one is right, and the consensus integer log-loss in
 * bits per character with the paired t statistic.
 *
 *   npx tsx scripts/experiments/heldOutPair.ts --datadir D --from H1 --to H2
 */
import { join } from 'node:path';
import { ChainDb } from '../../node/db/index.js';
import { lmBatchFromPositions, lmCorpus, lmHeldOutPositions } from '../../training/data/lm.js';
import { HELD_OUT_LM, LOSS_ONE_BIT, lossZ, networkEvaluator } from '../../training/index.js';
import { defaultKernel } from '../../training/kernel/index.js';
import { arg } from './common.js';

const db = new ChainDb({ backend: 'level', path: join(arg('datadir', ''), 'chain') });
await db.open();
async function modelAt(height: number) {
  const hash = await db.getHashByHeight(height);
  const entry = hash && (await db.getEntry(hash));
  const bytes = entry && (await db.getModel(entry.modelHash));
  if (!bytes) throw new Error(`no model at height ${height}`);
  return networkEvaluator.decodeModel(bytes);
}
const from = Number(arg('from', '0'));
const to = Number(arg('to', '0'));
const [a, b] = [await modelAt(from), await modelAt(to)];
await db.close();

const set = lmBatchFromPositions(lmCorpus().classes, lmHeldOutPositions(HELD_OUT_LM));
const k = defaultKernel();
const pa = new Uint8Array(set.n);
const pb = new Uint8Array(set.n);
const la = new Int32Array(set.n);
const lb = new Int32Array(set.n);
const ca = k.scoreHead(a.heads[0]!, set, pa, la);
const cb = k.scoreHead(b.heads[0]!, set, pb, lb);
let onlyA = 0;
let onlyB = 0;
let sum = 0;
let sumSq = 0;
let bitsA = 0;
let bitsB = 0;
for (let r = 0; r < set.n; r++) {
  const ra = pa[r] === set.labels[r];
  const rb = pb[r] === set.labels[r];
  if (ra && !rb) onlyA++;
  if (rb && !ra) onlyB++;
  const d = la[r]! - lb[r]!;
  sum += d;
  sumSq += d * d;
  bitsA += la[r]!;
  bitsB += lb[r]!;
}
const pct = (c: number) => ((100 * c) / set.n).toFixed(2);
const bpc = (s: number) => (s / LOSS_ONE_BIT / set.n).toFixed(3);
console.log(`language held-out, ${set.n} positions: height ${from} vs ${to}`);
console.log(
  `  top-1 ${pct(ca)}% → ${pct(cb)}%; right only at ${from}: ${onlyA}, only at ${to}: ${onlyB}, sign z ${((onlyB - onlyA) / Math.sqrt(onlyA + onlyB)).toFixed(2)}`,
);
console.log(
  `  log-loss ${bpc(bitsA)} → ${bpc(bitsB)} bits/char, paired t ${lossZ({ sum, sumSq }, set.n).toFixed(2)}`,
);
