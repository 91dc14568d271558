import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import {
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  RpcClient,
  RpcError,
  RpcServer,
} from '../../../../node/rpc/index.js';
import {
  PASSWORD,
  removeDir,
  silentLogger,
  startPasswordServer,
  TEST_CHAIN,
  tempDir,
  testRegistry,
  USER,
} from './helpers.js';

async function failure(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected RpcError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('rpc client', () => {
  let server: RpcServer;
  let dir: string;
  before(async () => {
    server = await startPasswordServer();
    dir = await tempDir();
  });
  after(async () => {
    await server.stop();
    await removeDir(dir);
  });

  it('calls with user/password, positional and named params', async () => {
    const c = new RpcClient({ url: server.url, user: USER, password: PASSWORD });
    assert.equal(await c.call('getblockcount'), TEST_CHAIN.length - 1);
    assert.equal(await c.call<string>('getblockhash', [1]), TEST_CHAIN[1]);
    assert.deepEqual(await c.call('named', { a: 'z' }), { a: 'z', b: null, c: true });
  });

  it('turns server errors into RpcError with the Bitcoin code', async () => {
    const c = new RpcClient({ url: server.url, user: USER, password: PASSWORD });
    const e = await failure(c.call('getblockhash', [1000]));
    assert.equal(e.rpcCode, RPC_INVALID_PARAMETER);
    assert.equal(e.code, 'RPC_INVALID_PARAMETER');
    assert.equal(e.message, 'Block height out of range');
    const m = await failure(c.call('nosuch'));
    assert.equal(m.rpcCode, RPC_METHOD_NOT_FOUND);
  });

  it('batches', async () => {
    const c = new RpcClient({ url: server.url, user: USER, password: PASSWORD });
    const r = await c.batch([
      { method: 'getblockhash', params: [0] },
      { method: 'getblockhash', params: [-1] },
      { method: 'getblockcount' },
    ]);
    assert.deepEqual(r[0], { ok: true, result: TEST_CHAIN[0] });
    assert.equal(r[1]?.ok, false);
    if (r[1] && !r[1].ok) assert.equal(r[1].error.rpcCode, RPC_INVALID_PARAMETER);
    assert.deepEqual(r[2], { ok: true, result: TEST_CHAIN.length - 1 });
    assert.deepEqual(await c.batch([]), []);
  });

  it('reports transport failures as RPC_TRANSPORT_ERROR (401, refused, bad cookie file)', async () => {
    const wrong = await failure(
      new RpcClient({ url: server.url, user: USER, password: 'no' }).call('getblockcount'),
    );
    assert.equal(wrong.code, 'RPC_TRANSPORT_ERROR');
    assert.equal(wrong.rpcCode, 401);
    const closed = await startPasswordServer();
    const url = closed.url;
    await closed.stop();
    const refused = await failure(
      new RpcClient({ url, user: USER, password: PASSWORD }).call('getblockcount'),
    );
    assert.equal(refused.code, 'RPC_TRANSPORT_ERROR');
    assert.equal(refused.rpcCode, 0);
    const noCookie = await failure(
      new RpcClient({ url: server.url, cookieFile: join(dir, 'missing') }).call('x'),
    );
    assert.equal(noCookie.code, 'RPC_TRANSPORT_ERROR');
    assert.match(noCookie.message, /cookie file/);
  });

  it('authenticates with the cookie file and re-reads it after a node restart', async () => {
    const cookieServer = new RpcServer(
      { port: 0, datadir: dir },
      { registry: testRegistry(), logger: silentLogger() },
    );
    await cookieServer.start();
    try {
      const c = new RpcClient({ url: cookieServer.url, cookieFile: join(dir, '.cookie') });
      assert.equal(await c.call('getblockcount'), TEST_CHAIN.length - 1);
      const port = cookieServer.port;
      await cookieServer.stop();
      // restart on the same port: a new cookie is written
      const again = new RpcServer(
        { port, datadir: dir },
        { registry: testRegistry(), logger: silentLogger() },
      );
      await again.start();
      try {
        assert.equal(await c.call('getblockcount'), TEST_CHAIN.length - 1);
      } finally {
        await again.stop();
      }
    } finally {
      await cookieServer.stop();
    }
  });
});
