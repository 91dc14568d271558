import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, formatRpcResult, main, parseRpcParams } from '../../../../node/cli/index.js';

const COOKIE = `__cookie__:${'ab12'.repeat(16)}`;

interface Seen {
  authorization: string | undefined;
  body: { jsonrpc?: string; method?: string; params?: unknown[] };
}

function bufferIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

describe('node/cli rpc', () => {
  let server: Server;
  let port: number;
  let datadir: string;
  let home: string;
  const seen: Seen[] = [];

  before(async () => {
    datadir = mkdtempSync(join(tmpdir(), 'qenex-rpc-dd-'));
    home = mkdtempSync(join(tmpdir(), 'qenex-rpc-home-'));
    writeFileSync(join(datadir, '.cookie'), `${COOKIE}\n`);
    server = createServer(async (req, res) => {
      const body = JSON.parse(await readBody(req)) as Seen['body'];
      seen.push({ authorization: req.headers.authorization, body });
      const expected = `Basic ${Buffer.from(COOKIE).toString('base64')}`;
      const fixed = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
      if (req.headers.authorization !== expected && req.headers.authorization !== fixed) {
        res.writeHead(401).end();
        return;
      }
      const reply = (payload: object, status = 200) => {
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: 1, ...payload }));
      };
      switch (body.method) {
        case 'getblockcount':
          return reply({ result: 42, error: null });
        case 'getbestblockhash':
          return reply({ result: '00ff', error: null });
        case 'echo':
          return reply({ result: body.params, error: null });
        case 'getblockchaininfo':
          return reply({ result: { chain: 'devnet', blocks: 42 }, error: null });
        case 'getmininginfo':
          return reply({ result: { blocks: 42, mining: true }, error: null });
        case 'ping':
          return reply({ result: null, error: null });
        default:
          return reply({ result: null, error: { code: -32601, message: 'Method not found' } }, 404);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(datadir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  async function qenex(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const io = bufferIo();
    const code = await main(['node', 'qenex', ...args], { io, env: { homedir: home, cwd: home } });
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  const target = () => ['--network', 'devnet', '--datadir', datadir, '--rpc-port', String(port)];

  it('authenticates with the datadir cookie and prints a number result', async () => {
    seen.length = 0;
    const r = await qenex('rpc', ...target(), 'getblockcount');
    assert.deepEqual(r, { code: 0, stdout: '42\n', stderr: '' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.authorization, `Basic ${Buffer.from(COOKIE).toString('base64')}`);
    assert.equal(seen[0]!.body.method, 'getblockcount');
    assert.deepEqual(seen[0]!.body.params, []);
  });

  it('prints strings plain, objects as indented JSON, null as nothing', async () => {
    assert.equal((await qenex('rpc', ...target(), 'getbestblockhash')).stdout, '00ff\n');
    assert.equal((await qenex('rpc', ...target(), 'ping')).stdout, '');
    const r = await qenex('rpc', ...target(), 'echo', '1', 'true', 'abc', '{"a":[1,2]}', '-5', '"7"');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), [1, true, 'abc', { a: [1, 2] }, -5, '7']);
    assert.equal(r.stdout, `${JSON.stringify([1, true, 'abc', { a: [1, 2] }, -5, '7'], null, 2)}\n`);
  });

  it('uses --rpc-user/--rpc-password instead of the cookie', async () => {
    seen.length = 0;
    const r = await qenex(
      'rpc',
      ...target(),
      '--rpc-user',
      'alice',
      '--rpc-password',
      's3cret',
      'getblockcount',
    );
    assert.equal(r.code, 0);
    assert.equal(seen[0]!.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('exits 1 with the message on an RPC error, a bad password, or no credentials', async () => {
    const err = await qenex('rpc', ...target(), 'nosuchmethod');
    assert.deepEqual(err, { code: 1, stdout: '', stderr: 'error: Method not found (RPC error -32601)\n' });
    const auth = await qenex(
      'rpc',
      ...target(),
      '--rpc-user',
      'alice',
      '--rpc-password',
      'wrong',
      'getblockcount',
    );
    assert.equal(auth.code, 1);
    assert.match(auth.stderr, /RPC authentication failed/);
    const empty = mkdtempSync(join(tmpdir(), 'qenex-rpc-empty-'));
    try {
      const none = await qenex('rpc', '--datadir', empty, '--rpc-port', String(port), 'getblockcount');
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no RPC credentials: .*\.cookie does not exist/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reports a node that is not listening', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await qenex('rpc', '--datadir', datadir, '--rpc-port', String(deadPort), 'getblockcount');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`cannot connect to the qenex node at http://127\\.0\\.0\\.1:${deadPort}/.*ECONNREFUSED`),
    );
  });

  it('status and mine status summarise getblockchaininfo and getmininginfo', async () => {
    const s = await qenex('status', ...target());
    assert.equal(s.code, 0);
    assert.deepEqual(JSON.parse(s.stdout), {
      chain: { chain: 'devnet', blocks: 42 },
      mining: { blocks: 42, mining: true },
    });
    const m = await qenex('mine', 'status', ...target());
    assert.deepEqual(JSON.parse(m.stdout), { blocks: 42, mining: true });
  });

  it('parses params as JSON when they parse, else strings', () => {
    assert.deepEqual(parseRpcParams('nosuchmethod', ['0', 'null', '[1]', 'x y', '', '00ab', '1e3']), [
      0,
      null,
      [1],
      'x y',
      '',
      '00ab',
      1000,
    ]);
    // the server's schemas decide: a string parameter gets the text as typed, others JSON
    assert.deepEqual(parseRpcParams('walletpassphrase', ['123456', '60']), ['123456', 60]);
    assert.deepEqual(parseRpcParams('getblockhash', ['5']), [5]);
    assert.deepEqual(parseRpcParams('getblock', ['00ab', 'true']), ['00ab', true]);
    assert.deepEqual(parseRpcParams('sendtoaddress', ['123', '0.1']), ['123', 0.1]);
    assert.deepEqual(parseRpcParams('logging', ['["mempool"]', 'x']), [['mempool'], 'x']);
    assert.equal(formatRpcResult('s'), 's');
    assert.equal(formatRpcResult(null), undefined);
    assert.equal(formatRpcResult({ a: 1 }), '{\n  "a": 1\n}');
  });
});
