/** Amounts in replies: 8-decimal JSON numbers written by the server's serializer (amount.ts, json.ts). */
import { strict as assert } from 'node:assert';
import {
  formatAmount,
  formatAmountString,
  MAX_MONEY,
  parseAmount,
  RpcAmount,
  stringifyJson,
} from '../../../../node/rpc/index.js';

describe('rpc amounts', () => {
  it('formats units as exact decimal text with 8 decimals', () => {
    assert.equal(formatAmountString(1n), '0.00000001');
    assert.equal(formatAmountString(150_000_000n), '1.50000000');
    assert.equal(formatAmountString(-1n), '-0.00000001');
    assert.equal(formatAmountString(0n), '0.00000000');
    assert.equal(formatAmountString(MAX_MONEY), '21000000.00000000');
  });

  it('the serializer writes an amount as a JSON number with exactly 8 decimals', () => {
    assert.equal(stringifyJson(formatAmount(40n * 100_000_000n)), '40.00000000');
    assert.equal(stringifyJson(formatAmount(1n)), '0.00000001');
    assert.equal(stringifyJson({ fee: formatAmount(-2_500n) }), '{"fee":-0.00002500}');
    assert.equal(stringifyJson([formatAmount(MAX_MONEY - 1n)]), '[20999999.99999999]');
    // it is a JSON number: parsing gives the amount, exactly
    assert.equal(JSON.parse(stringifyJson({ a: formatAmount(123_456_789n) })).a, 1.23456789);
  });

  it('every amount written parses back to the same units (sampled up to the supply cap)', () => {
    for (let i = 0n; i < 2000n; i++) {
      const units = (MAX_MONEY * i) / 1999n - (i % 7n);
      if (units < 0n) continue;
      const text = stringifyJson(formatAmount(units));
      assert.match(text, /^\d+\.\d{8}$/);
      assert.equal(parseAmount(JSON.parse(text)), units);
      assert.equal(parseAmount(text), units);
    }
  });

  it('plain JSON.stringify (outside the server) gets the nearest number', () => {
    assert.equal(JSON.stringify({ a: formatAmount(40n * 100_000_000n) }), '{"a":40}');
    assert.equal(JSON.stringify(formatAmount(1n)), '1e-8');
    assert.ok(formatAmount(1n) instanceof RpcAmount);
  });
});

describe('rpc JSON serializer', () => {
  it('matches JSON.stringify on values without amounts', () => {
    const values: unknown[] = [
      null,
      0,
      -0,
      1.5,
      1e21,
      'x"\\\n\u2028',
      true,
      [],
      {},
      [1, undefined, () => 1, null],
      { a: undefined, b: 1, c: [{ d: 'e' }], f: Number.NaN, g: Number.POSITIVE_INFINITY },
      { date: new Date(0) },
      { nested: { toJSON: () => ({ x: 1 }) } },
    ];
    for (const v of values) assert.equal(stringifyJson(v), JSON.stringify(v), JSON.stringify(v));
  });

  it('refuses what JSON cannot carry: bigint and cycles', () => {
    assert.throws(() => stringifyJson({ a: 5n }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => stringifyJson(cyclic), TypeError);
    // the same object twice (not a cycle) is fine
    const shared = { x: 1 };
    assert.equal(stringifyJson([shared, shared]), '[{"x":1},{"x":1}]');
  });
});
