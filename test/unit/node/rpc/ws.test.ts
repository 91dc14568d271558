import { strict as assert } from 'node:assert';
import { setImmediate as tick } from 'node:timers/promises';
import { WebSocket } from 'ws';
import {
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  type RpcServer,
  RpcServerError,
} from '../../../../node/rpc/index.js';
import {
  basic,
  PASSWORD,
  recordingLogger,
  rpcPost,
  startPasswordServer,
  TEST_CHAIN,
  USER,
} from './helpers.js';

type Obj = Record<string, unknown>;

/** A connected client that queues every message it receives. */
class TestSocket {
  readonly messages: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(server: RpcServer, headers: Record<string, string> = { Authorization: basic(USER, PASSWORD) }) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
    return new Promise<TestSocket>((resolve, reject) => {
      ws.once('open', () => resolve(new TestSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** Wait until at least `n` messages have arrived. */
  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      if (this.closed) throw new Error(`socket closed with ${this.messages.length}/${n} messages`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.messages.length}/${n} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Send a request (a string is sent as is) and wait for the next message. */
  async request(body: unknown): Promise<unknown> {
    const n = this.messages.length + 1;
    this.ws.send(typeof body === 'string' ? body : JSON.stringify(body));
    await this.waitFor(n);
    return this.messages[n - 1];
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Resolve with the HTTP status of a refused upgrade. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    ws.once('error', () => undefined);
  });
}

describe('rpc server: WebSocket', () => {
  let server: RpcServer;
  const sockets: TestSocket[] = [];
  const logger = recordingLogger();
  before(async () => {
    server = await startPasswordServer({ wsMaxBufferedBytes: 256 * 1024 }, logger);
    server.registerTopic('blocks');
    server.registerTopic('transactions');
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  after(async () => {
    await server.stop();
  });

  async function open(): Promise<TestSocket> {
    const s = await TestSocket.open(server);
    sockets.push(s);
    return s;
  }

  it('rejects unauthenticated or wrongly authenticated upgrades with 401, other paths with 404', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws`;
    assert.equal(await upgradeStatus(url), 401);
    assert.equal(await upgradeStatus(url, { Authorization: basic(USER, 'wrong') }), 401);
    assert.equal(
      await upgradeStatus(`ws://127.0.0.1:${server.port}/other`, { Authorization: basic(USER, PASSWORD) }),
      404,
    );
  });

  it('answers JSON-RPC calls and batches over the socket', async () => {
    const s = await open();
    assert.deepEqual(await s.request({ jsonrpc: '2.0', id: 1, method: 'getblockhash', params: [5] }), {
      jsonrpc: '2.0',
      error: null,
      result: TEST_CHAIN[5],
      id: 1,
    });
    assert.deepEqual(await s.request({ jsonrpc: '2.0', id: 2, method: 'context' }), {
      jsonrpc: '2.0',
      error: null,
      result: { transport: 'ws', uri: '/ws', user: USER },
      id: 2,
    });
    const batch = (await s.request([
      { jsonrpc: '2.0', id: 3, method: 'getblockcount' },
      { jsonrpc: '2.0', id: 4, method: 'nosuch' },
    ])) as Obj[];
    assert.equal(batch[0]?.result, TEST_CHAIN.length - 1);
    assert.equal((batch[1]?.error as Obj | undefined)?.code, RPC_METHOD_NOT_FOUND);
    const parse = (await s.request('{oops')) as Obj;
    assert.equal((parse.error as Obj).code, -32700);
  });

  it('subscribe / publish / unsubscribe', async () => {
    const a = await open();
    const b = await open();
    assert.deepEqual(await a.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] }), {
      jsonrpc: '2.0',
      error: null,
      result: true,
      id: 1,
    });
    assert.deepEqual(
      (await b.request({
        jsonrpc: '2.0',
        id: 1,
        method: 'subscribe',
        params: { topic: 'transactions' },
      })) as Obj,
      {
        jsonrpc: '2.0',
        error: null,
        result: true,
        id: 1,
      },
    );
    const unknown = (await a.request({
      jsonrpc: '2.0',
      id: 2,
      method: 'subscribe',
      params: ['nope'],
    })) as Obj;
    assert.equal((unknown.error as Obj).code, RPC_INVALID_PARAMETER);

    assert.equal(server.publish('blocks', { height: 11, hash: 'ab' }), 1);
    await a.waitFor(3);
    assert.deepEqual(a.messages[2], {
      jsonrpc: '2.0',
      method: 'subscription',
      params: { topic: 'blocks', result: { height: 11, hash: 'ab' } },
    });
    assert.equal(server.publish('transactions', 'txid1'), 1);
    await b.waitFor(2);
    assert.deepEqual(b.messages[1], {
      jsonrpc: '2.0',
      method: 'subscription',
      params: { topic: 'transactions', result: 'txid1' },
    });
    assert.equal(a.messages.length, 3, 'a is not subscribed to transactions');

    assert.deepEqual(await a.request({ jsonrpc: '2.0', id: 3, method: 'unsubscribe', params: ['blocks'] }), {
      jsonrpc: '2.0',
      error: null,
      result: true,
      id: 3,
    });
    assert.deepEqual(await a.request({ jsonrpc: '2.0', id: 4, method: 'unsubscribe', params: ['blocks'] }), {
      jsonrpc: '2.0',
      error: null,
      result: false,
      id: 4,
    });
    assert.equal(server.publish('blocks', { height: 12 }), 0);
    // a round trip after the publish proves nothing was queued before it
    await a.request({ jsonrpc: '2.0', id: 5, method: 'getblockcount' });
    assert.equal((a.messages.at(-1) as Obj).id, 5);
    assert.equal(a.messages.length, 6);
  });

  it('closed sockets are unsubscribed; unknown and duplicate topics are refused server-side', async () => {
    const a = await open();
    await a.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.publish('blocks', 1), 0);
    assert.throws(
      () => server.publish('nope', 1),
      (e: unknown) => e instanceof RpcServerError && e.code === 'RPC_UNKNOWN_TOPIC',
    );
    assert.throws(() => server.registerTopic('blocks'), RpcServerError);
  });

  it('subscribe is only a WebSocket method', async () => {
    const r = await rpcPost(server, { jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
    assert.equal(((r.json as Obj).error as Obj).code, RPC_METHOD_NOT_FOUND);
  });

  it('drops a subscriber that stops reading once its send buffer passes the limit; others keep up', async () => {
    const slow = await open();
    const fast = await open();
    await slow.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
    await fast.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
    // Stop reading on the slow client: the server's unsent data can only grow.
    const raw = (slow.ws as unknown as { _socket: { pause(): void } })._socket;
    raw.pause();
    const payload = 'x'.repeat(64 * 1024);
    let published = 0;
    for (let i = 0; i < 400; i++) {
      server.publish('blocks', payload);
      published++;
      await tick();
      if (!fast.closed) await fast.waitFor(1 + published);
    }
    assert.equal(fast.closed, false, 'the reading client stayed connected');
    assert.equal(fast.messages.length, 1 + published);
    const dropped = logger.entries.some((e) => e.level === 'warn' && String(e.msg).includes('too slow'));
    assert.ok(dropped, 'the slow client was dropped');
    // after the drop, only the fast client receives
    assert.equal(server.publish('blocks', 'after'), 1);
  });

  it('stop() terminates open sockets; after a restart the endpoint and topics work again', async () => {
    const extra = await startPasswordServer();
    extra.registerTopic('blocks');
    const s = await TestSocket.open(extra);
    await s.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
    await extra.stop();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.closed, true);
    assert.equal(extra.publish('blocks', 1), 0);
    await extra.start();
    try {
      const again = await TestSocket.open(extra);
      await again.request({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] });
      assert.equal(extra.publish('blocks', 2), 1);
      await again.waitFor(2);
      again.close();
    } finally {
      await extra.stop();
    }
  });
});
