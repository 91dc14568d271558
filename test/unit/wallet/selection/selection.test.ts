import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { devnetParams, TX_VERSION, txSize } from '../../../../consensus/index.js';
import { WalletError } from '../../../../wallet/errors.js';
import {
  branchAndBound,
  costOfChangeScaled,
  feeFor,
  INPUT_SIZE,
  selectCoins,
  txSizeFor,
} from '../../../../wallet/selection/index.js';

const DUST = devnetParams.dustThreshold; // 1000
const RATE = 1000n; // units per 1000 bytes = 1 unit/byte
const coins = (...v: bigint[]) => v.map((value, i) => ({ value, id: i }));
const base = { feeRate: RATE, longTermFeeRate: RATE, dustThreshold: DUST };

function err(fn: () => unknown): WalletError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e;
    throw e;
  }
  assert.fail('expected a WalletError');
}

describe('wallet/selection', () => {
  it('txSizeFor equals the consensus txSize of a transaction of that shape', () => {
    for (const [nIn, nOut] of [
      [1, 1],
      [2, 3],
      [252, 1],
      [253, 2],
      [1, 300],
    ] as const) {
      const tx = {
        version: TX_VERSION,
        inputs: Array.from({ length: nIn }, (_, i) => ({ prevout: { txid: new Uint8Array(32), index: i } })),
        outputs: Array.from({ length: nOut }, () => ({ value: 5000n, pubKeyHash: new Uint8Array(20) })),
        lockTime: 0,
        witnesses: Array.from({ length: nIn }, () => ({
          pubkey: new Uint8Array(32),
          sig: new Uint8Array(64),
        })),
      };
      assert.equal(txSizeFor(nIn, nOut), txSize(tx), `${nIn}x${nOut}`);
    }
    assert.equal(INPUT_SIZE, 132);
  });

  it('fee is the rate per 1000 bytes rounded up', () => {
    assert.equal(feeFor(302, 1000n), 302n);
    assert.equal(feeFor(302, 1500n), 453n);
    assert.equal(feeFor(301, 1n), 1n);
    assert.equal(feeFor(1000, 1n), 1n);
    assert.equal(feeFor(1001, 1n), 2n);
    assert.equal(feeFor(250, 0n), 0n);
  });

  it('branch-and-bound finds the exact changeless match', () => {
    const fee2 = feeFor(txSizeFor(2, 1), RATE); // 302
    const amount = 2n * 100_000_000n + 300_000_000n - fee2;
    const pool = coins(100_000_000n, 200_000_000n, 300_000_000n, 500_000_000n + 7n, 800_000_000n);
    const r = selectCoins({ ...base, coins: pool, amounts: [amount] });
    assert.equal(r.algorithm, 'bnb');
    assert.equal(r.change, 0n);
    assert.equal(r.fee, fee2);
    assert.deepEqual(r.inputs.map((c) => c.value).sort(), [200_000_000n, 300_000_000n]);
    assert.equal(r.size, txSizeFor(2, 1));
  });

  it('branch-and-bound accepts an excess up to the cost of change, which goes to the fee', () => {
    const costOfChange = costOfChangeScaled(RATE, RATE, DUST) / 1000n; // 28 + max(132, 1000)
    assert.equal(costOfChange, 1028n);
    const fee1 = feeFor(txSizeFor(1, 1), RATE);
    const r = selectCoins({ ...base, coins: coins(1_000_000n), amounts: [1_000_000n - fee1 - 700n] });
    assert.equal(r.algorithm, 'bnb');
    assert.equal(r.change, 0n);
    assert.equal(r.fee, fee1 + 700n);
    // Just past the window, a change output is made instead.
    const r2 = selectCoins({ ...base, coins: coins(1_000_000n), amounts: [1_000_000n - fee1 - 1029n] });
    assert.equal(r2.algorithm, 'largest-first');
    const fee1c = feeFor(txSizeFor(1, 2), RATE);
    assert.equal(r2.fee, fee1c);
    assert.equal(r2.change, 1029n + fee1 - fee1c);
    assert.ok(r2.change >= DUST);
  });

  it('largest-first makes change when no exact match exists', () => {
    const pool = coins(50_000n, 3_000_000n, 20_000n);
    const r = selectCoins({ ...base, coins: pool, amounts: [1_000_000n] });
    assert.equal(r.algorithm, 'largest-first');
    assert.deepEqual(
      r.inputs.map((c) => c.value),
      [3_000_000n],
    );
    assert.equal(r.fee, feeFor(txSizeFor(1, 2), RATE));
    assert.equal(r.change, 3_000_000n - 1_000_000n - r.fee);
    assert.equal(r.size, txSizeFor(1, 2));
  });

  it('folds change below the dust threshold into the fee', () => {
    const fee1 = feeFor(txSizeFor(1, 1), RATE);
    const amount = 1_000_000n;
    // 500 left over: a change output would be 500 - 28 = 472 < dust.
    const pool = coins(amount + fee1 + 500n);
    const lf = selectCoins({ ...base, coins: pool, amounts: [amount], strategy: 'largest-first' });
    assert.equal(lf.change, 0n);
    assert.equal(lf.fee, fee1 + 500n);
    assert.equal(lf.size, txSizeFor(1, 1));
    const auto = selectCoins({ ...base, coins: pool, amounts: [amount] });
    assert.equal(auto.algorithm, 'bnb');
    assert.equal(auto.fee, fee1 + 500n);
  });

  it('INSUFFICIENT_FUNDS says what is available and what is needed including the fee', () => {
    const e = err(() => selectCoins({ ...base, coins: coins(600_000n, 400_000n), amounts: [2_000_000n] }));
    assert.equal(e.code, 'INSUFFICIENT_FUNDS');
    const t = e.type as Extract<WalletError['type'], { code: 'INSUFFICIENT_FUNDS' }>;
    const fee = feeFor(txSizeFor(2, 1), RATE);
    assert.equal(t.available, 1_000_000n);
    assert.equal(t.fee, fee);
    assert.equal(t.needed, 2_000_000n + fee);
    assert.match(
      e.message,
      /available 0\.01000000 QXC, needed 0\.02000302 QXC \(amount 0\.02000000 \+ fee 0\.00000302\)/,
    );
    // Enough for the amount but not for the fee.
    const e2 = err(() => selectCoins({ ...base, coins: coins(1_000_000n), amounts: [1_000_000n] }));
    assert.equal(e2.code, 'INSUFFICIENT_FUNDS');
    // Nothing at all.
    assert.equal(
      err(() => selectCoins({ ...base, coins: [], amounts: [5_000n] })).code,
      'INSUFFICIENT_FUNDS',
    );
  });

  it('never spends a coin worth less than the fee to spend it', () => {
    const tiny = 100n; // input fee is 132 at 1 unit/byte
    const pool = coins(tiny, tiny, tiny, 10_000n);
    const r = selectCoins({ ...base, coins: pool, amounts: [5_000n] });
    assert.ok(r.inputs.every((c) => c.value > tiny));
    assert.equal(
      err(() => selectCoins({ ...base, coins: coins(tiny, tiny, tiny), amounts: [1_000n] })).code,
      'INSUFFICIENT_FUNDS',
    );
  });

  it('branch-and-bound respects its try bound', () => {
    const pool = coins(...Array.from({ length: 40 }, (_, i) => 1_000_000n + BigInt(i) * 7919n));
    const req = { ...base, coins: pool, amounts: [123_456_789n], maxTries: 0 };
    assert.equal(branchAndBound(req), null);
    const r = branchAndBound({ ...req, amounts: [5_000_000n], maxTries: 1000 });
    if (r) assert.ok(r.tries <= 1000);
  });

  it('property: branch-and-bound finds a changeless solution iff one exists, with minimal waste', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 200_000n }), { minLength: 1, maxLength: 9 }),
        fc.bigInt({ min: 1_000n, max: 600_000n }),
        fc.constantFrom(1000n, 3000n),
        (values, amount, feeRate) => {
          const pool = coins(...values);
          const lt = 1000n;
          const inputFee = feeRate * BigInt(INPUT_SIZE);
          const target = amount * 1000n + feeRate * BigInt(txSizeFor(0, 1));
          const window = costOfChangeScaled(feeRate, lt, DUST);
          const useful = pool.filter((c) => c.value * 1000n > inputFee);
          let bestWaste: bigint | null = null;
          for (let mask = 1; mask < 1 << useful.length; mask++) {
            let eff = 0n;
            let n = 0n;
            useful.forEach((c, i) => {
              if (mask & (1 << i)) {
                eff += c.value * 1000n - inputFee;
                n++;
              }
            });
            if (eff < target || eff > target + window) continue;
            const waste = n * (inputFee - lt * BigInt(INPUT_SIZE)) + (eff - target);
            if (bestWaste === null || waste < bestWaste) bestWaste = waste;
          }
          const r = branchAndBound({
            coins: pool,
            amounts: [amount],
            feeRate,
            longTermFeeRate: lt,
            dustThreshold: DUST,
            maxTries: 1_000_000,
          });
          assert.equal(r === null, bestWaste === null);
          if (r) {
            assert.equal(r.waste, bestWaste);
            const total = r.inputs.reduce((s, c) => s + c.value, 0n);
            const fee = total - amount;
            assert.ok(fee >= feeFor(txSizeFor(r.inputs.length, 1), feeRate));
            assert.ok(fee <= feeFor(txSizeFor(r.inputs.length, 1), feeRate) + window / 1000n + 1n);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: every selection pays exactly inputs - amount - change, at least the fee rate, change >= dust', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 5_000_000n }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.bigInt({ min: DUST, max: 3_000_000n }), { minLength: 1, maxLength: 3 }),
        fc.bigInt({ min: 1000n, max: 20_000n }),
        (values, amounts, feeRate) => {
          const pool = coins(...values);
          let r: ReturnType<typeof selectCoins<(typeof pool)[number]>>;
          try {
            r = selectCoins({ coins: pool, amounts, feeRate, longTermFeeRate: 1000n, dustThreshold: DUST });
          } catch (e) {
            assert.ok(e instanceof WalletError && e.code === 'INSUFFICIENT_FUNDS');
            return;
          }
          const amount = amounts.reduce((s, a) => s + a, 0n);
          const total = r.inputs.reduce((s, c) => s + c.value, 0n);
          assert.equal(total, amount + r.fee + r.change);
          assert.equal(r.size, txSizeFor(r.inputs.length, amounts.length + (r.change > 0n ? 1 : 0)));
          assert.ok(r.fee >= feeFor(r.size, feeRate));
          assert.ok(r.change === 0n || r.change >= DUST);
          assert.equal(new Set(r.inputs).size, r.inputs.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
