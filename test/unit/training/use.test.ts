/** Reading the math head's answer (training/use.ts predictMath) at the chain level's precision. */
import { strict as assert } from 'node:assert';
import { MATH_LEVELS } from '../../../training/data/math.js';
import { predictMath } from '../../../training/use.js';
import { partlyTrainedModel } from './helpers.js';

describe('training predictMath', () => {
  const model = partlyTrainedModel();

  it('reads the task at the easiest fitting level of the chain level\u2019s precision', () => {
    const coarse = predictMath(model, '987+654', 0);
    assert.equal(coarse.level, 0);
    assert.equal(coarse.precision, 1);
    assert.equal(coarse.bin, 8);
    assert.equal(coarse.value, 1641);
    const fine = predictMath(model, '987+654', 12);
    assert.equal(MATH_LEVELS[12]!.precision, 2);
    assert.equal(fine.level, 10, 'the easiest precision-2 level with 3 digits, 2 terms, +');
    assert.equal(fine.precision, 2);
    assert.equal(fine.bin, 2);
    assert.equal(fine.correct, fine.predictedBin === fine.bin);
    // the predicted range lies in the true coarse bin (bins 80..89 of 100 over [0, 1998])
    const [lo, hi] = fine.predictedRange;
    assert.ok(lo >= Math.ceil((80 * 1999) / 100) && hi <= Math.ceil((90 * 1999) / 100) - 1, `${lo}..${hi}`);
    assert.ok(hi - lo + 1 >= 19 && hi - lo + 1 <= 20, 'a hundredth of the range');
  });

  it('a shape no level of that precision has falls back to any precision', () => {
    // 6-digit operands with × exist only at precision 1
    assert.equal(predictMath(model, '123456*2+7', 20).precision, 1);
    assert.throws(() => predictMath(model, '1234567+1'), /no math level has this shape/);
  });
});
