import { strict as assert } from 'node:assert';
import { z } from 'zod';
import {
  amountSchema,
  hashHexSchema,
  hexBytesSchema,
  MAX_MONEY,
  makeAmountSchema,
  parseAmount,
  parseAmountText,
  RPC_INVALID_PARAMETER,
  RPC_TYPE_ERROR,
  RpcError,
  rpcErrorFromZod,
} from '../../../../node/rpc/index.js';

function rpcCodeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected RpcError, got ${String(e)}`);
    return e.rpcCode;
  }
  assert.fail('expected an error');
}

describe('rpc validators: amounts', () => {
  it('parses decimal strings exactly', () => {
    assert.equal(parseAmount('1'), 100_000_000n);
    assert.equal(parseAmount('0.1'), 10_000_000n);
    assert.equal(parseAmount('0.00000001'), 1n);
    assert.equal(parseAmount('1.23456789'), 123_456_789n);
    assert.equal(parseAmount('21000000'), MAX_MONEY);
    assert.equal(parseAmount('21000000.00000000'), MAX_MONEY);
    assert.equal(parseAmount('0'), 0n);
    assert.equal(parseAmount('00012.5'), 1_250_000_000n);
    assert.equal(parseAmount(' 3 '), 300_000_000n);
  });

  it('parses JSON numbers through their decimal text, not float arithmetic', () => {
    assert.equal(parseAmount(1e-8), 1n);
    assert.equal(parseAmount(0.1), 10_000_000n);
    assert.equal(parseAmount(0.3), 30_000_000n); // 0.1 + 0.2 style float error must not appear
    assert.equal(parseAmount(21000000), MAX_MONEY);
    assert.equal(parseAmount(20999999.99999999), MAX_MONEY - 1n);
    assert.equal(parseAmount(1.1), 110_000_000n);
    assert.equal(parseAmount(-0), 0n);
  });

  it('accepts exponent notation and trailing zeros past 8 decimals', () => {
    assert.equal(parseAmount('1e-8'), 1n);
    assert.equal(parseAmount('1E+2'), 10_000_000_000n);
    assert.equal(parseAmount('1.5e-7'), 15n);
    assert.equal(parseAmount('0.000000010'), 1n);
    assert.equal(parseAmountText('0e99999'), 0n);
  });

  it('rejects too many decimals, negatives, out of range and non-numeric input with RPC_TYPE_ERROR', () => {
    const bad: unknown[] = [
      '0.000000001',
      1e-9,
      '1.5e-9',
      '-1',
      -0.00000001,
      '21000000.00000001',
      21000000.01,
      'abc',
      '',
      '1.',
      '.5',
      '0x10',
      '1e',
      '1,5',
      'NaN',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '1e400',
      true,
      null,
      [1],
      { amount: 1 },
      '9'.repeat(100),
    ];
    for (const v of bad) {
      assert.equal(
        rpcCodeOf(() => parseAmount(v)),
        RPC_TYPE_ERROR,
        `input ${JSON.stringify(v)}`,
      );
    }
    assert.throws(() => parseAmount('-1'), /Amount out of range/);
    assert.throws(() => parseAmount('0.000000001'), /Invalid amount/);
    assert.throws(() => parseAmount(true), /Amount is not a number or string/);
  });

  it('honours a custom range', () => {
    const signed = makeAmountSchema({ min: -MAX_MONEY });
    assert.equal(signed.parse('-1.5'), -150_000_000n);
    const positive = makeAmountSchema({ min: 1n });
    assert.equal(positive.safeParse('0').success, false);
    assert.equal(positive.parse('0.00000001'), 1n);
  });

  it('amountSchema yields bigint and tags failures with RPC_TYPE_ERROR', () => {
    assert.equal(amountSchema.parse('2.5'), 250_000_000n);
    const r = amountSchema.safeParse('0.123456789');
    assert.equal(r.success, false);
    if (!r.success) {
      const err = rpcErrorFromZod('amount', r.error);
      assert.equal(err.rpcCode, RPC_TYPE_ERROR);
      assert.match(err.message, /"amount": Invalid amount/);
    }
  });
});

describe('rpc validators: hex and error mapping', () => {
  it('hexBytesSchema decodes even-length hex and rejects the rest with -8', () => {
    assert.deepEqual(hexBytesSchema.parse('00ff10'), Uint8Array.from([0, 255, 16]));
    assert.deepEqual(hexBytesSchema.parse(''), new Uint8Array(0));
    for (const bad of ['0', 'zz', '0g']) {
      const r = hexBytesSchema.safeParse(bad);
      assert.equal(r.success, false);
      if (!r.success) assert.equal(rpcErrorFromZod('hex', r.error).rpcCode, RPC_INVALID_PARAMETER);
    }
    const r = hexBytesSchema.safeParse(12);
    assert.equal(r.success, false);
    if (!r.success) assert.equal(rpcErrorFromZod('hex', r.error).rpcCode, RPC_TYPE_ERROR);
  });

  it('hashHexSchema wants 64 hex characters and lowercases them', () => {
    const h = 'AB'.repeat(32);
    assert.equal(hashHexSchema.parse(h), 'ab'.repeat(32));
    const short = hashHexSchema.safeParse('ab');
    assert.equal(short.success, false);
    if (!short.success) {
      const e = rpcErrorFromZod('blockhash', short.error);
      assert.equal(e.rpcCode, RPC_INVALID_PARAMETER);
      assert.match(e.message, /blockhash.*length 64/);
    }
    assert.equal(hashHexSchema.safeParse('zz'.repeat(32)).success, false);
  });

  it('maps zod issues: wrong type → -3, bad value → -8, nested path named', () => {
    const t = z.number().safeParse('x');
    assert.ok(!t.success);
    assert.equal(rpcErrorFromZod('n', t.error).rpcCode, RPC_TYPE_ERROR);
    const v = z.number().min(5).safeParse(1);
    assert.ok(!v.success);
    assert.equal(rpcErrorFromZod('n', v.error).rpcCode, RPC_INVALID_PARAMETER);
    const nested = z
      .object({ outs: z.array(z.object({ value: z.number() })) })
      .safeParse({ outs: [{ value: 'x' }] });
    assert.ok(!nested.success);
    assert.match(rpcErrorFromZod('tx', nested.error).message, /"tx\.outs\.0\.value"/);
  });
});
