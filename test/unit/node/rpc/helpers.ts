/**
 * Shared fixtures for the RPC tests: a small "test" namespace over an in-memory list of block
 * hashes, loggers, temp dirs and raw HTTP helpers.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import {
  amountSchema,
  defineMethod,
  formatAmount,
  heightSchema,
  RPC_INVALID_PARAMETER,
  type RpcLogger,
  RpcRegistry,
  RpcServer,
  type RpcServerOptions,
  rpcError,
} from '../../../../node/rpc/index.js';

/** A pino logger that prints nothing (also checks pino satisfies RpcLogger at compile time). */
export function silentLogger(): RpcLogger {
  return pino({ level: 'silent' });
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error' | 'debug';
  obj: unknown;
  msg: string | undefined;
}

/** A logger that records every call. */
export function recordingLogger(): RpcLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const rec = (level: LogEntry['level']) => (obj: unknown, msg?: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, info: rec('info'), warn: rec('warn'), error: rec('error'), debug: rec('debug') };
}

/** Block hashes of a 11-block chain: sha256d of the height, hex. Deterministic, no I/O. */
export const TEST_CHAIN: readonly string[] = Array.from({ length: 11 }, (_v, h) => {
  const once = createHash('sha256').update(`block-${h}`).digest();
  return createHash('sha256').update(once).digest('hex');
});

/** A secret the internal-error test checks never reaches the client. */
export const SECRET_IN_ERROR = 'secret-stack-detail-7f3a';

/** Names passed to the `touch` method, in call order (to observe notifications being executed). */
export const touched: string[] = [];

/** The "test" namespace used by the server, client and bitcoin-core tests. */
export function testMethods() {
  return [
    defineMethod({
      name: 'touch',
      description: 'Records its argument in `touched` and returns how many were recorded.',
      params: [{ name: 'tag', schema: z.string() }],
      handler: ({ tag }) => touched.push(tag),
    }),
    defineMethod({
      name: 'context',
      description: 'Returns the call context.',
      params: [],
      allowInWarmup: true,
      handler: (_p, ctx) => ({ transport: ctx.transport, uri: ctx.uri, user: ctx.user }),
    }),
    defineMethod({
      name: 'getblockcount',
      description: 'Returns the height of the most-work fully-validated chain.',
      params: [],
      result: 'n (numeric) The current block count',
      handler: () => TEST_CHAIN.length - 1,
    }),
    defineMethod({
      name: 'getblockhash',
      description: 'Returns hash of block in best-block-chain at height provided.',
      params: [{ name: 'height', schema: heightSchema, description: 'The height index' }],
      handler: async ({ height }) => {
        await Promise.resolve();
        const hash = TEST_CHAIN[height];
        if (hash === undefined) throw rpcError(RPC_INVALID_PARAMETER, 'Block height out of range');
        return hash;
      },
    }),
    defineMethod({
      name: 'echoamount',
      description: 'Parses an amount and returns it as units (string) and as a Bitcoin-style number.',
      params: [{ name: 'amount', schema: amountSchema }],
      handler: ({ amount }) => ({ units: amount.toString(), amount: formatAmount(amount) }),
    }),
    defineMethod({
      name: 'named',
      description: 'Echoes its parameters (named-parameter tests).',
      params: [
        { name: 'a', schema: z.string() },
        { name: 'b', schema: z.number().int(), optional: true },
        { name: 'c', schema: z.boolean(), default: true },
      ],
      handler: ({ a, b, c }) => ({ a, b: b ?? null, c }),
    }),
    defineMethod({
      name: 'crash',
      description: 'Throws a plain Error (internal error test).',
      params: [],
      handler: () => {
        throw new Error(SECRET_IN_ERROR);
      },
    }),
    defineMethod({
      name: 'badresult',
      description: 'Returns a bigint, which JSON cannot carry.',
      params: [],
      handler: () => 5n,
    }),
    defineMethod({
      name: 'nothing',
      description: 'Returns undefined (serialised as null).',
      params: [],
      handler: () => undefined,
    }),
  ];
}

export function testRegistry(): RpcRegistry {
  const registry = new RpcRegistry();
  registry.register('test', testMethods());
  return registry;
}

export async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), 'qenex-rpc-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export const USER = 'alice';
export const PASSWORD = 'correct horse: battery staple';

/** A started server on 127.0.0.1, free port, with user/password auth and no brute-force delay. */
export async function startPasswordServer(
  extra: Partial<RpcServerOptions> = {},
  logger: RpcLogger = silentLogger(),
): Promise<RpcServer> {
  const server = new RpcServer(
    { port: 0, user: USER, password: PASSWORD, authFailureDelayMs: 0, ...extra },
    { registry: testRegistry(), logger },
  );
  await server.start();
  return server;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** POST raw text with node:http (full control over headers and body). */
export function rawPost(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POST a JSON-RPC body with valid credentials. */
export function rpcPost(server: RpcServer, body: unknown, path = '/'): Promise<RawResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return rawPost(new URL(path, server.url).toString(), text, {
    'Content-Type': 'application/json',
    Authorization: basic(USER, PASSWORD),
  });
}
