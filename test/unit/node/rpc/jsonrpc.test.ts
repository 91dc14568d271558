import { strict as assert } from 'node:assert';
import { z } from 'zod';
import {
  type DispatchReply,
  defineMethod,
  JsonRpcDispatcher,
  param,
  RPC_INVALID_PARAMETER,
  type RpcContext,
  RpcRegistry,
  rpcError,
  validateParams,
} from '../../../../node/rpc/index.js';
import { silentLogger } from './helpers.js';

const ctx: RpcContext = { transport: 'http', uri: '/', peer: 'test', user: 'test' };

/** Even numbers only, checked asynchronously (zod's safeParse cannot run it). */
const asyncEven = z.number().refine(async (n) => n % 2 === 0, { message: 'not even' });

function dispatcher(): JsonRpcDispatcher {
  const registry = new RpcRegistry();
  registry.register('test', [
    defineMethod({ name: 'now', description: '', params: [], handler: () => 7 }),
    defineMethod({ name: 'later', description: '', params: [], handler: async () => 8 }),
    defineMethod({
      name: 'failsnow',
      description: '',
      params: [],
      handler: () => {
        throw rpcError(RPC_INVALID_PARAMETER, 'no');
      },
    }),
    defineMethod({
      name: 'failslater',
      description: '',
      params: [],
      handler: async () => {
        throw rpcError(RPC_INVALID_PARAMETER, 'not later either');
      },
    }),
    defineMethod({
      name: 'even',
      description: '',
      params: [param('a', z.number()), param('b', asyncEven), param('c', z.string(), { optional: true })],
      handler: ({ a, b, c }) => [a, b, c ?? null],
    }),
  ]);
  return new JsonRpcDispatcher(registry, silentLogger());
}

function request(method: string, params: unknown[] = []): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
}

describe('rpc dispatcher: replies without a promise when none is needed', () => {
  const d = dispatcher();

  it('answers synchronous methods and their errors at once, with the same reply as dispatch()', async () => {
    for (const body of [request('now'), request('failsnow'), request('nosuch'), '{', '[]', '3']) {
      const now = d.dispatchNow(body, ctx);
      assert.ok(!(now instanceof Promise), body);
      assert.deepEqual(now, await d.dispatch(body, ctx), body);
    }
    assert.deepEqual(d.dispatchNow(request('now'), ctx), {
      status: 200,
      body: '{"jsonrpc":"2.0","result":7,"error":null,"id":1}',
    });
  });

  it('waits for asynchronous handlers and schemas, and for batches', async () => {
    const cases: Array<[string, DispatchReply]> = [
      [request('later'), { status: 200, body: '{"jsonrpc":"2.0","result":8,"error":null,"id":1}' }],
      [
        request('failslater'),
        {
          status: 200,
          body: '{"jsonrpc":"2.0","result":null,"error":{"code":-8,"message":"not later either"},"id":1}',
        },
      ],
      [
        request('even', [1, 4, 'x']),
        { status: 200, body: '{"jsonrpc":"2.0","result":[1,4,"x"],"error":null,"id":1}' },
      ],
      [
        `[${request('now')},${request('later')}]`,
        {
          status: 200,
          body: '[{"jsonrpc":"2.0","result":7,"error":null,"id":1},{"jsonrpc":"2.0","result":8,"error":null,"id":1}]',
        },
      ],
    ];
    for (const [body, expected] of cases) {
      const now = d.dispatchNow(body, ctx);
      assert.ok(now instanceof Promise, body);
      assert.deepEqual(await now, expected, body);
    }
  });

  it('checks the parameters after an asynchronous schema too', async () => {
    const odd = await d.dispatch(request('even', [1, 3]), ctx);
    assert.match(odd.body ?? '', /"code":-8,"message":"Invalid parameter \\"b\\": not even"/);
    const badC = await d.dispatch(request('even', [1, 2, 5]), ctx);
    assert.match(badC.body ?? '', /"code":-3,"message":"Invalid parameter \\"c\\"/);
    const reg = new RpcRegistry();
    const m = defineMethod({ name: 'x', description: '', params: [param('b', asyncEven)], handler: () => 1 });
    reg.register('t', [m]);
    assert.deepEqual(await validateParams(m, { b: 6 }), { b: 6 });
    await assert.rejects(validateParams(m, []), /Missing required parameter "b"/);
  });
});
