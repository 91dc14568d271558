import { strict as assert } from 'node:assert';
import { z } from 'zod';
import {
  amountSchema,
  defineMethod,
  param,
  paramWithDefault,
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  RPC_TYPE_ERROR,
  type RpcContext,
  RpcError,
  RpcRegistry,
  RpcServerError,
} from '../../../../node/rpc/index.js';
import { TEST_CHAIN, testRegistry } from './helpers.js';

const ctx: RpcContext = { transport: 'http', uri: '/', peer: 'test', user: 'test' };

async function rpcFailure(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected RpcError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('rpc registry', () => {
  const registry = testRegistry();

  it('calls with positional and named params', async () => {
    assert.equal(await registry.call('getblockhash', [3], ctx), TEST_CHAIN[3]);
    assert.equal(await registry.call('getblockhash', { height: 4 }, ctx), TEST_CHAIN[4]);
    assert.equal(await registry.call('getblockcount', undefined, ctx), TEST_CHAIN.length - 1);
    assert.equal(await registry.call('getblockcount', [], ctx), TEST_CHAIN.length - 1);
  });

  it('applies optional and default params; null means omitted', async () => {
    assert.deepEqual(await registry.call('named', ['x'], ctx), { a: 'x', b: null, c: true });
    assert.deepEqual(await registry.call('named', ['x', 2, false], ctx), { a: 'x', b: 2, c: false });
    assert.deepEqual(await registry.call('named', ['x', null, null], ctx), { a: 'x', b: null, c: true });
    assert.deepEqual(await registry.call('named', { c: false, a: 'y' }, ctx), { a: 'y', b: null, c: false });
  });

  it('rejects missing, extra and unknown params with RPC_INVALID_PARAMETER naming the param', async () => {
    const missing = await rpcFailure(registry.call('getblockhash', [], ctx));
    assert.equal(missing.rpcCode, RPC_INVALID_PARAMETER);
    assert.match(missing.message, /height/);
    const tooMany = await rpcFailure(registry.call('getblockhash', [1, 2], ctx));
    assert.equal(tooMany.rpcCode, RPC_INVALID_PARAMETER);
    const unknown = await rpcFailure(registry.call('named', { a: 'x', zz: 1 }, ctx));
    assert.equal(unknown.rpcCode, RPC_INVALID_PARAMETER);
    assert.match(unknown.message, /Unknown named parameter zz/);
    const missingNamed = await rpcFailure(registry.call('named', { b: 1 }, ctx));
    assert.match(missingNamed.message, /"a"/);
  });

  it('maps wrong types to RPC_TYPE_ERROR and bad values to RPC_INVALID_PARAMETER', async () => {
    const wrongType = await rpcFailure(registry.call('getblockhash', ['3'], ctx));
    assert.equal(wrongType.rpcCode, RPC_TYPE_ERROR);
    assert.match(wrongType.message, /"height"/);
    const fraction = await rpcFailure(registry.call('getblockhash', [1.5], ctx));
    assert.equal(fraction.rpcCode, RPC_TYPE_ERROR);
    const negative = await rpcFailure(registry.call('getblockhash', [-1], ctx));
    assert.equal(negative.rpcCode, RPC_INVALID_PARAMETER);
    assert.match(negative.message, /"height"/);
    const outOfRange = await rpcFailure(registry.call('getblockhash', [TEST_CHAIN.length], ctx));
    assert.equal(outOfRange.rpcCode, RPC_INVALID_PARAMETER);
    assert.equal(outOfRange.message, 'Block height out of range');
    const amount = await rpcFailure(registry.call('echoamount', ['1.000000001'], ctx));
    assert.equal(amount.rpcCode, RPC_TYPE_ERROR);
    assert.match(amount.message, /"amount": Invalid amount/);
  });

  it('unknown method → RPC_METHOD_NOT_FOUND', async () => {
    const e = await rpcFailure(registry.call('nosuchmethod', [], ctx));
    assert.equal(e.rpcCode, RPC_METHOD_NOT_FOUND);
    assert.equal(e.message, 'Method not found');
    assert.equal(e.code, 'RPC_METHOD_NOT_FOUND');
  });

  it('help lists methods by category and describes one method', async () => {
    const all = (await registry.call('help', [], ctx)) as string;
    assert.match(all, /== Control ==\nhelp \( command \)/);
    assert.match(all, /== Test ==/);
    assert.match(all, /\ngetblockhash height\n/);
    assert.match(all, /\nnamed a \( b \) \( c \)\n/);
    const one = (await registry.call('help', ['getblockhash'], ctx)) as string;
    assert.match(one, /^getblockhash height\n\nReturns hash of block/);
    assert.match(one, /1\. height {4}\(required\) The height index/);
    const named = (await registry.call('help', ['named'], ctx)) as string;
    assert.match(named, /3\. c +\(optional, default=true\)/);
    assert.equal(await registry.call('help', ['nope'], ctx), 'help: unknown command: nope');
  });

  it('refuses duplicate, reserved and malformed method names', () => {
    const r = new RpcRegistry();
    const m = defineMethod({ name: 'x', description: '', params: [], handler: () => 1 });
    r.register('a', [m]);
    assert.throws(
      () => r.register('b', [m]),
      (e: unknown) => e instanceof RpcServerError && e.code === 'RPC_DUPLICATE_METHOD',
    );
    for (const name of ['subscribe', 'unsubscribe', 'Upper', '', '1abc', 'a-b', 'help']) {
      assert.throws(
        () => r.register('c', [defineMethod({ name, description: '', params: [], handler: () => 1 })]),
        RpcServerError,
        name,
      );
    }
    // a failed register adds nothing
    const ok = defineMethod({ name: 'fine', description: '', params: [], handler: () => 1 });
    assert.throws(() => r.register('d', [ok, m]), RpcServerError);
    assert.equal(r.has('fine'), false);
  });

  it('types handler params from the declaration (compile-time checks)', async () => {
    const r = new RpcRegistry();
    r.register('typed', [
      defineMethod({
        name: 'typed',
        description: '',
        params: [
          param('n', z.number()),
          param('s', z.string(), { optional: true }),
          paramWithDefault('amount', amountSchema, 5n),
          { name: 'flag', schema: z.boolean(), optional: true },
        ],
        handler: ({ n, s, amount, flag }) => {
          const num: number = n;
          const str: string | undefined = s;
          const units: bigint = amount;
          const f: boolean | undefined = flag;
          // @ts-expect-error s may be undefined
          const strict: string = s;
          // @ts-expect-error flag may be undefined
          const strictFlag: boolean = flag;
          return [num, str ?? null, units.toString(), f ?? null, strict ?? null, strictFlag ?? null];
        },
      }),
    ]);
    assert.deepEqual(await r.call('typed', [1], ctx), [1, null, '5', null, null, null]);
    assert.deepEqual(await r.call('typed', [1, 's', '0.5', true], ctx), [
      1,
      's',
      '50000000',
      true,
      's',
      true,
    ]);
  });
});
