/**
 * RPC throughput: requests per second for getblockcount over HTTP with cookie auth (a full devnet
 * node from createNode), beside a bare node:http server answering a fixed JSON-RPC reply on the
 * same loopback (transport baseline), measured in turns. Part of the `node` bench; runs alone as
 * `npm run bench -- rpc`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../node/config/index.js';
import { createNode } from '../../node/createNode.js';
import { silentLogger } from '../../node/logger.js';
import { readCookieFile } from '../../node/rpc/index.js';
import { measureInterleaved, printTable } from './harness.js';

function post(port: number, body: string, auth: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: keepAlive,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          data += d;
        });
        res.on('end', () => resolve(data));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

export async function rpcThroughput(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'qenex-bench-rpc-'));
  const bare = createServer((_req, res) => {
    _req.resume();
    _req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"result":0,"error":null,"id":1}');
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  const barePort = (bare.address() as { port: number }).port;
  const node = createNode(
    parseArgs({ network: 'devnet', datadir: dir, rpcPort: 0, p2pPort: 0 }, { homedir: dir }),
    {
      logger: silentLogger,
    },
  );
  await node.start();
  try {
    const cookie = await readCookieFile(node.rpc.cookieFile!);
    if (!cookie) throw new Error('no RPC cookie');
    const auth = `Basic ${Buffer.from(`${cookie.user}:${cookie.password}`).toString('base64')}`;
    const body = '{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}';
    const CONCURRENCY = 8;
    const burst = (port: number, a: string | undefined) => async () => {
      await Promise.all(Array.from({ length: CONCURRENCY }, () => post(port, body, a)));
    };
    const check = JSON.parse(await post(node.rpc.port, body, auth)) as { result: number };
    if (check.result !== 0) throw new Error('unexpected getblockcount reply');
    const rows = await measureInterleaved(
      [
        {
          name: 'bare node:http fixed reply (baseline)',
          fn: burst(barePort, undefined),
          opsPerCall: CONCURRENCY,
        },
        {
          name: 'qenex RPC getblockcount (cookie auth)',
          fn: burst(node.rpc.port, auth),
          opsPerCall: CONCURRENCY,
        },
      ],
      { rounds: 7, msPerTurn: 1000 },
    );
    printTable(`RPC requests per second (${CONCURRENCY} in flight, keep-alive)`, rows, rows[0]!.name);
  } finally {
    keepAlive.destroy();
    await node.stop();
    await new Promise((r) => bare.close(r));
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await rpcThroughput();
}
