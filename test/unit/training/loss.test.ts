/**
 * The consensus log-loss (training/kernel/loss.ts): its literal tables are what they claim to be,
 * and the integer loss tracks the real cross-entropy within the tables' resolution.
 */
import { strict as assert } from 'node:assert';
import { EXP2_Q16, LOG2_Q8, LOSS_CAP, LOSS_ONE_BIT, sampleLoss } from '../../../training/kernel/loss.js';
import { Xoshiro128 } from '../../../training/prng.js';

/** A last-layer logit stands for logit / (127·64) nats. */
const LOGIT_SCALE = 127 * 64;

function crossEntropyBits(logits: Int32Array, label: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp((v - max) / LOGIT_SCALE);
  return (Math.log(sum) - (logits[label]! - max) / LOGIT_SCALE) / Math.LN2;
}

describe('training/kernel/loss: the integer log-loss', () => {
  it('its tables are round(2^16 · 2^(−i/256)) and round(256 · log2(1 + i/256))', () => {
    assert.equal(EXP2_Q16.length, 256);
    assert.equal(LOG2_Q8.length, 256);
    for (let i = 0; i < 256; i++) {
      assert.equal(EXP2_Q16[i], Math.round(65536 * 2 ** (-i / 256)), `exp2 ${i}`);
      assert.equal(LOG2_Q8[i], Math.round(256 * Math.log2(1 + i / 256)), `log2 ${i}`);
    }
  });

  it('is within 0.05 bit of the cross-entropy of random logits, and clipped to 16 bits', () => {
    const rng = new Xoshiro128('loss/random');
    let worst = 0;
    for (let t = 0; t < 2000; t++) {
      const n = t % 2 === 0 ? 96 : 10;
      // logits spread over ±8 nats
      const logits = Int32Array.from(
        { length: n },
        () => (rng.nextU32() % (16 * LOGIT_SCALE)) - 8 * LOGIT_SCALE,
      );
      const label = rng.nextU32() % n;
      const exact = crossEntropyBits(logits, label);
      const got = sampleLoss(logits, 0, n, label) / LOSS_ONE_BIT;
      worst = Math.max(worst, Math.abs(got - Math.min(exact, LOSS_CAP / LOSS_ONE_BIT)));
    }
    assert.ok(worst < 0.05, `worst error ${worst} bit`);
    // the label's logit far below the rest: the loss is capped, not larger
    const far = Int32Array.of(0, 1 << 26, 0);
    assert.equal(sampleLoss(far, 0, 3, 0), LOSS_CAP);
    // a sure prediction costs 0; a uniform one log2(n)
    assert.equal(sampleLoss(Int32Array.of(0, 1 << 26), 0, 2, 1), 0);
    assert.equal(sampleLoss(new Int32Array(4), 0, 4, 2), 2 * LOSS_ONE_BIT);
    // an offset into a longer buffer reads only its row
    const rows = Int32Array.of(5, 5, 0, 1 << 26);
    assert.equal(sampleLoss(rows, 2, 2, 1), 0);
  });
});
