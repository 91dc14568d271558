/** RpcServer.mount (an application under a path prefix, with its own auth) and deriveKey. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { describe, it } from 'mocha';
import { type RpcHttpMount, RpcRegistry, RpcServer, RpcServerError } from '../../../../node/rpc/index.js';
import { silentLogger } from './helpers.js';

/** Status of the answer to an upgrade request. */
function upgradeStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket' },
    });
    r.on('response', (res) => resolve(res.statusCode ?? 0));
    r.on('error', reject);
    r.end();
  });
}

function recordingMount(prefix: string) {
  const seen: string[] = [];
  let closed = 0;
  const mount: RpcHttpMount = {
    prefix,
    async handleRequest(req: IncomingMessage, res: ServerResponse) {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('mounted');
    },
    handleUpgrade(req: IncomingMessage, socket: Duplex) {
      seen.push(`upgrade ${req.url}`);
      socket.end('HTTP/1.1 418 Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    },
    closeConnections() {
      closed++;
    },
  };
  return { mount, seen, closed: () => closed };
}

describe('node/rpc mounts and derived keys', () => {
  it('hands every request and upgrade under the prefix to the mount, without RPC credentials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qenex-mount-'));
    const server = new RpcServer(
      { port: 0, datadir: dir },
      { registry: new RpcRegistry(), logger: silentLogger() },
    );
    const m = recordingMount('/app');
    server.mount(m.mount);
    await server.start();
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal(await (await fetch(`${base}/app/x?y=1`)).text(), 'mounted');
      assert.equal((await fetch(`${base}/app`)).status, 200);
      assert.equal((await fetch(`${base}/apple`)).status, 404, 'a prefix is a whole path segment');
      assert.equal(
        (await fetch(base, { method: 'POST', body: '{}' })).status,
        401,
        'the RPC still wants credentials',
      );
      assert.equal(await upgradeStatus(server.port, '/app/ws'), 418);
      assert.deepEqual(m.seen.slice(0, 2), ['GET /app/x?y=1', 'GET /app']);
      assert.ok(m.seen.includes('upgrade /app/ws'));
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(m.closed(), 1, 'its sockets are closed with the server');
  });

  it('refuses a prefix that is taken or not a plain path', () => {
    const server = new RpcServer(
      { port: 0, user: 'u', password: 'p' },
      { registry: new RpcRegistry(), logger: silentLogger() },
    );
    server.mount(recordingMount('/app').mount);
    for (const prefix of ['/app', '/ws', '/wallet', 'app', '/app/', '/a/b', '/'])
      assert.throws(() => server.mount(recordingMount(prefix).mount), RpcServerError, prefix);
  });

  it('derives keys from the live credentials: per label, and new with every cookie', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qenex-derive-'));
    const server = new RpcServer(
      { port: 0, datadir: dir },
      { registry: new RpcRegistry(), logger: silentLogger() },
    );
    assert.throws(() => server.deriveKey('x'), RpcServerError, 'not before start');
    try {
      await server.start();
      const a = server.deriveKey('a');
      assert.equal(a.length, 32);
      assert.deepEqual(server.deriveKey('a'), a);
      assert.notDeepEqual(server.deriveKey('b'), a);
      await server.stop();
      await server.start();
      assert.notDeepEqual(server.deriveKey('a'), a, 'a restart writes a new cookie');
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    const fixed = new RpcServer(
      { port: 0, user: 'u', password: 'p' },
      { registry: new RpcRegistry(), logger: silentLogger() },
    );
    await fixed.start();
    const k = fixed.deriveKey('a');
    await fixed.stop();
    await fixed.start();
    assert.deepEqual(fixed.deriveKey('a'), k, 'fixed credentials: the same key across restarts');
    await fixed.stop();
  });
});
