import { strict as assert } from 'node:assert';
import { readFile, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import {
  RPC_DEFAULTS,
  RPC_IN_WARMUP,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMETER,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RPC_TYPE_ERROR,
  RpcServer,
  RpcServerError,
} from '../../../../node/rpc/index.js';
import {
  basic,
  PASSWORD,
  rawPost,
  recordingLogger,
  removeDir,
  rpcPost,
  SECRET_IN_ERROR,
  silentLogger,
  startPasswordServer,
  TEST_CHAIN,
  tempDir,
  testRegistry,
  touched,
  USER,
} from './helpers.js';

type Obj = Record<string, unknown>;

describe('rpc server: authentication', () => {
  let dir: string;
  let server: RpcServer;
  before(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await server?.stop();
  });
  after(async () => {
    await removeDir(dir);
  });

  it('cookie auth: writes <datadir>/.cookie 0600, accepts it, rejects others with 401, deletes it on stop', async () => {
    server = new RpcServer(
      { port: 0, datadir: dir, authFailureDelayMs: 0 },
      { registry: testRegistry(), logger: silentLogger() },
    );
    await server.start();
    const path = join(dir, '.cookie');
    assert.equal(server.cookieFile, path);
    const cookie = await readFile(path, 'utf8');
    assert.match(cookie, /^__cookie__:[0-9a-f]{64}$/);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const [user, password] = cookie.split(':') as [string, string];
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount' });

    const ok = await rawPost(server.url, body, { Authorization: basic(user, password) });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { jsonrpc: '2.0', error: null, result: TEST_CHAIN.length - 1, id: 1 });

    const none = await rawPost(server.url, body);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="jsonrpc"');
    const wrong = await rawPost(server.url, body, {
      // change the last character (to '0', or to '1' when it already is '0': 1 run in 16 hit that)
      Authorization: basic(user, `${password.slice(0, -1)}${password.endsWith('0') ? '1' : '0'}`),
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Basic realm="jsonrpc"');
    const garbage = await rawPost(server.url, body, { Authorization: 'Basic' });
    assert.equal(garbage.status, 401);

    await server.stop();
    await assert.rejects(stat(path), /ENOENT/);
  });

  it('user/password auth: accepts them, 401 otherwise, writes no cookie', async () => {
    server = new RpcServer(
      { port: 0, datadir: dir, user: USER, password: PASSWORD, authFailureDelayMs: 0 },
      { registry: testRegistry(), logger: silentLogger() },
    );
    await server.start();
    assert.equal(server.cookieFile, undefined);
    await assert.rejects(stat(join(dir, '.cookie')), /ENOENT/);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 'getblockcount' });
    assert.equal((await rawPost(server.url, body, { Authorization: basic(USER, PASSWORD) })).status, 200);
    assert.equal((await rawPost(server.url, body, { Authorization: basic(USER, 'nope') })).status, 401);
    assert.equal((await rawPost(server.url, body, { Authorization: basic('bob', PASSWORD) })).status, 401);
    assert.equal((await rawPost(server.url, body)).status, 401);
  });

  it('delays answers to wrong passwords (brute-force damping) but not to missing ones', async () => {
    server = await startPasswordServer({ authFailureDelayMs: 300 });
    const body = '{}';
    let t = Date.now();
    assert.equal((await rawPost(server.url, body, { Authorization: basic(USER, 'x') })).status, 401);
    assert.ok(Date.now() - t >= 280, `wrong password answered after ${Date.now() - t} ms`);
    t = Date.now();
    assert.equal((await rawPost(server.url, body)).status, 401);
    assert.ok(Date.now() - t < 250);
  });

  it('binds 127.0.0.1 by default and exposes the bound port', async () => {
    server = await startPasswordServer();
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
  });
});

describe('rpc server: configuration and lifecycle', () => {
  it('rejects missing or half credentials and bad numbers', () => {
    const deps = { registry: testRegistry(), logger: silentLogger() };
    const isConfig = (e: unknown) => e instanceof RpcServerError && e.code === 'RPC_SERVER_CONFIG';
    assert.throws(() => new RpcServer({ port: 0 }, deps), isConfig);
    assert.throws(() => new RpcServer({ port: 0, user: 'u' }, deps), isConfig);
    assert.throws(() => new RpcServer({ port: 0, user: 'a:b', password: 'p' }, deps), isConfig);
    assert.throws(() => new RpcServer({ port: 70000, user: 'u', password: 'p' }, deps), isConfig);
    assert.throws(
      () => new RpcServer({ port: 0, user: 'u', password: 'p', maxBodyBytes: 0 }, deps),
      isConfig,
    );
    assert.equal(RPC_DEFAULTS.maxBodyBytes, 16 * 1024 * 1024);
  });

  it('fails to start on a taken port with RPC_SERVER_LISTEN and leaves no cookie', async () => {
    const dir = await tempDir();
    const first = await startPasswordServer();
    try {
      const second = new RpcServer(
        { port: first.port, datadir: dir },
        { registry: testRegistry(), logger: silentLogger() },
      );
      await assert.rejects(
        second.start(),
        (e: unknown) => e instanceof RpcServerError && e.code === 'RPC_SERVER_LISTEN',
      );
      await assert.rejects(stat(join(dir, '.cookie')), /ENOENT/);
    } finally {
      await first.stop();
      await removeDir(dir);
    }
  });

  it('stop() during start() waits for it and then stops; a second start() is refused', async () => {
    const dir = await tempDir();
    try {
      const server = new RpcServer(
        { port: 0, datadir: dir },
        { registry: testRegistry(), logger: silentLogger() },
      );
      const started = server.start();
      await assert.rejects(
        server.start(),
        (e: unknown) => e instanceof RpcServerError && e.code === 'RPC_SERVER_STATE',
      );
      await server.stop();
      await started;
      assert.equal(server.isRunning, false);
      await assert.rejects(stat(join(dir, '.cookie')), /ENOENT/);
    } finally {
      await removeDir(dir);
    }
  });

  it('stop() closes idle keep-alive connections instead of waiting for them, and can restart', async () => {
    const server = await startPasswordServer();
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          server.url,
          { method: 'POST', agent, headers: { Authorization: basic(USER, PASSWORD) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount' }));
      });
      assert.equal(status, 200);
      const t = Date.now();
      await server.stop();
      assert.ok(Date.now() - t < 1000, `stop took ${Date.now() - t} ms`);
      assert.equal(server.isRunning, false);
      assert.throws(() => server.port, RpcServerError);
      await server.start();
      assert.equal((await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'getblockcount' })).status, 200);
    } finally {
      agent.destroy();
      await server.stop();
    }
  });
});

describe('rpc server: JSON-RPC over HTTP', () => {
  let server: RpcServer;
  const logger = recordingLogger();
  before(async () => {
    server = await startPasswordServer({ maxBodyBytes: 1024 }, logger);
  });
  after(async () => {
    await server.stop();
  });

  it('JSON-RPC 2.0 success has result and "error": null (Bitcoin Core up to 27; python-bitcoinrpc batch_ reads it)', async () => {
    const r = await rpcPost(server, { jsonrpc: '2.0', id: 7, method: 'getblockhash', params: [2] });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, { jsonrpc: '2.0', error: null, result: TEST_CHAIN[2], id: 7 });
  });

  it('1.0 / no-version requests get {result, error, id} with both keys', async () => {
    const r = await rpcPost(server, { jsonrpc: '1.0', id: 'x', method: 'getblockcount', params: [] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { result: TEST_CHAIN.length - 1, error: null, id: 'x' });
    const noVersion = await rpcPost(server, { id: 3, method: 'getblockcount' });
    assert.deepEqual(noVersion.json, { result: TEST_CHAIN.length - 1, error: null, id: 3 });
    const noId = await rpcPost(server, { method: 'getblockcount' });
    assert.deepEqual(noId.json, { result: TEST_CHAIN.length - 1, error: null, id: null });
  });

  it('parse error → -32700 with HTTP 500 (also for invalid UTF-8)', async () => {
    const r = await rpcPost(server, '{"jsonrpc":"2.0",');
    assert.equal(r.status, 500);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, {
      jsonrpc: '2.0',
      result: null,
      error: { code: RPC_PARSE_ERROR, message: 'Parse error' },
      id: null,
    });
    const bytes = Uint8Array.from([0x22, 0xff, 0xfe, 0x22]);
    const utf = await rawPost(server.url, bytes, { Authorization: basic(USER, PASSWORD) });
    assert.equal((utf.json as { error: { code: number } }).error.code, RPC_PARSE_ERROR);
  });

  it('invalid request → -32600 with HTTP 400', async () => {
    const cases: [unknown, unknown][] = [
      [{ jsonrpc: '2.0', id: 1, method: 5 }, 1],
      [{ jsonrpc: '2.0', id: 2 }, 2],
      [{ jsonrpc: '3.0', id: 3, method: 'getblockcount' }, 3],
      [{ jsonrpc: 2, id: 4, method: 'getblockcount' }, 4],
      [{ jsonrpc: '2.0', id: 5, method: 'getblockcount', params: 'x' }, 5],
      [{ jsonrpc: '2.0', id: { a: 1 }, method: 'getblockcount' }, null],
      [[], null],
      [5, null],
      ['"str"', null],
    ];
    for (const [body, id] of cases) {
      const r = await rpcPost(server, typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(r.status, 400, JSON.stringify(body));
      const j = r.json as Obj;
      assert.equal((j.error as Obj).code, RPC_INVALID_REQUEST, JSON.stringify(body));
      assert.deepEqual(j.id, id, JSON.stringify(body));
    }
  });

  it('unknown method → -32601: HTTP 404 for 1.0, HTTP 200 for 2.0', async () => {
    const legacy = await rpcPost(server, { jsonrpc: '1.0', id: 1, method: 'nosuch', params: [] });
    assert.equal(legacy.status, 404);
    assert.deepEqual(legacy.json, {
      result: null,
      error: { code: RPC_METHOD_NOT_FOUND, message: 'Method not found' },
      id: 1,
    });
    const v2 = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'nosuch' });
    assert.equal(v2.status, 200);
    assert.deepEqual(v2.json, {
      jsonrpc: '2.0',
      result: null,
      error: { code: RPC_METHOD_NOT_FOUND, message: 'Method not found' },
      id: 1,
    });
  });

  it('other errors: HTTP 500 for 1.0, HTTP 200 for 2.0; param errors name the parameter', async () => {
    const legacy = await rpcPost(server, { id: 1, method: 'getblockhash', params: [-1] });
    assert.equal(legacy.status, 500);
    const le = legacy.json as Obj;
    assert.equal(le.result, null);
    assert.equal((le.error as Obj).code, RPC_INVALID_PARAMETER);
    assert.match((le.error as Obj).message as string, /height/);
    const v2 = await rpcPost(server, {
      jsonrpc: '2.0',
      id: 1,
      method: 'getblockhash',
      params: { height: 'x' },
    });
    assert.equal(v2.status, 200);
    const ve = v2.json as Obj;
    assert.equal(ve.result, null);
    assert.equal((ve.error as Obj).code, RPC_TYPE_ERROR);
  });

  it('named params and /wallet/<name> paths reach the handler', async () => {
    const r = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'named', params: { a: 'q', b: 4 } });
    assert.deepEqual((r.json as Obj).result, { a: 'q', b: 4, c: true });
    const w = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'context' }, '/wallet/w1');
    assert.deepEqual((w.json as Obj).result, { transport: 'http', uri: '/wallet/w1', user: USER });
  });

  it('amounts over HTTP: number and string in, exact units and 8-decimal numbers out', async () => {
    const r = await rpcPost(server, [
      { jsonrpc: '2.0', id: 1, method: 'echoamount', params: [0.00000001] },
      { jsonrpc: '2.0', id: 2, method: 'echoamount', params: ['21000000'] },
      { jsonrpc: '2.0', id: 3, method: 'echoamount', params: ['0.000000001'] },
      { jsonrpc: '2.0', id: 4, method: 'echoamount', params: [-1] },
    ]);
    assert.ok(r.text.includes('"amount":0.00000001}'), r.text);
    assert.ok(r.text.includes('"amount":21000000.00000000}'), r.text);
    const [a, b, c, d] = r.json as Obj[];
    assert.deepEqual(a?.result, { units: '1', amount: 1e-8 });
    assert.deepEqual(b?.result, { units: '2100000000000000', amount: 21000000 });
    assert.equal((c?.error as Obj | undefined)?.code, RPC_TYPE_ERROR);
    assert.equal((d?.error as Obj | undefined)?.code, RPC_TYPE_ERROR);
  });

  it('2.0 notifications are executed and get no response (HTTP 204)', async () => {
    const before = touched.length;
    const r = await rpcPost(server, { jsonrpc: '2.0', method: 'touch', params: ['n1'] });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(touched.length, before + 1);
    assert.equal(touched.at(-1), 'n1');
    // an explicit null id is not a notification
    const withNull = await rpcPost(server, { jsonrpc: '2.0', method: 'touch', params: ['n2'], id: null });
    assert.equal(withNull.status, 200);
    assert.equal((withNull.json as Obj).id, null);
  });

  it('batch: mixed valid/invalid elements in order, notifications omitted, always HTTP 200', async () => {
    const before = touched.length;
    const r = await rpcPost(server, [
      { jsonrpc: '2.0', id: 1, method: 'getblockcount' },
      5,
      { jsonrpc: '2.0', method: 'touch', params: ['batch'] },
      { jsonrpc: '1.0', id: 'l', method: 'nosuch', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'getblockhash', params: ['x'] },
      { id: 3, method: 'getblockhash', params: [1] },
    ]);
    assert.equal(r.status, 200);
    assert.equal(touched.length, before + 1);
    assert.deepEqual(r.json, [
      { jsonrpc: '2.0', error: null, result: TEST_CHAIN.length - 1, id: 1 },
      {
        jsonrpc: '2.0',
        result: null,
        error: { code: RPC_INVALID_REQUEST, message: 'Invalid Request object' },
        id: null,
      },
      { result: null, error: { code: RPC_METHOD_NOT_FOUND, message: 'Method not found' }, id: 'l' },
      {
        jsonrpc: '2.0',
        result: null,
        error: { code: RPC_TYPE_ERROR, message: (((r.json as Obj[])[3] as Obj).error as Obj).message },
        id: 2,
      },
      { result: TEST_CHAIN[1], error: null, id: 3 },
    ]);
    const allNotifications = await rpcPost(server, [
      { jsonrpc: '2.0', method: 'touch', params: ['a'] },
      { jsonrpc: '2.0', method: 'touch', params: ['b'] },
    ]);
    assert.equal(allNotifications.status, 204);
    assert.deepEqual(touched.slice(-2), ['a', 'b']);
  });

  it('a crashing handler gives -32603 "Internal error" without leaking, and is logged', async () => {
    const r = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'crash' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      jsonrpc: '2.0',
      result: null,
      error: { code: RPC_INTERNAL_ERROR, message: 'Internal error' },
      id: 1,
    });
    assert.equal(r.text.includes(SECRET_IN_ERROR), false);
    const logged = logger.entries.find(
      (e) => e.level === 'error' && String((e.obj as Obj).err).includes(SECRET_IN_ERROR),
    );
    assert.ok(logged, 'the error was logged');
    const legacy = await rpcPost(server, { id: 1, method: 'crash' });
    assert.equal(legacy.status, 500);
  });

  it('a non-JSON result (bigint) is an internal error; undefined is null', async () => {
    const r = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'badresult' });
    assert.deepEqual(r.json, {
      jsonrpc: '2.0',
      result: null,
      error: { code: RPC_INTERNAL_ERROR, message: 'Internal error' },
      id: 1,
    });
    const n = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'nothing' });
    assert.deepEqual(n.json, { jsonrpc: '2.0', error: null, result: null, id: 1 });
  });

  it('warmup: methods fail with -28 and the status, except allowInWarmup ones', async () => {
    server.setWarmup('Loading block index…');
    try {
      const r = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'getblockcount' });
      assert.deepEqual((r.json as Obj).error, { code: RPC_IN_WARMUP, message: 'Loading block index…' });
      const help = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'help' });
      assert.equal(typeof (help.json as Obj).result, 'string');
    } finally {
      server.setWarmup(null);
    }
    const after = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'getblockcount' });
    assert.equal((after.json as Obj).result, TEST_CHAIN.length - 1);
  });

  it('body size limit: 413 above maxBodyBytes (declared or chunked), accepted at the limit', async () => {
    const auth = { Authorization: basic(USER, PASSWORD) };
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount' });
    const atLimit = call + ' '.repeat(1024 - call.length);
    assert.equal(Buffer.byteLength(atLimit), 1024);
    assert.equal((await rawPost(server.url, atLimit, auth)).status, 200);
    const over = `${atLimit} `;
    const declared = await rawPost(server.url, over, { ...auth, 'Content-Length': String(over.length) });
    assert.equal(declared.status, 413);
    const chunked = await rawPost(server.url, over, { ...auth, 'Transfer-Encoding': 'chunked' });
    assert.equal(chunked.status, 413);
  });

  it('only POST to / or /wallet/…', async () => {
    const auth = { Authorization: basic(USER, PASSWORD) };
    assert.equal((await rawPost(server.url, '', auth, 'GET')).status, 405);
    assert.equal((await rawPost(new URL('/other', server.url).toString(), '{}', auth)).status, 404);
  });
});
