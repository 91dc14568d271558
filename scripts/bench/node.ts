/**
 * Node throughput:
 *  - blocks connected per second (and transactions per second) for blocks full of transactions,
 *    through the Chain service on LevelDB, beside the same blocks through the pure consensus
 *    transition on an in-memory UTXO set (no storage), in alternating rounds of the same run;
 *  - RPC requests per second for getblockcount over HTTP with cookie auth, beside a bare
 *    node:http server answering a fixed JSON-RPC reply on the same loopback (transport baseline).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoinView, devnetParams, MemoryUtxoSet, validateBlockTransition } from '../../consensus/index.js';
import { Chain } from '../../node/chain/index.js';
import { parseArgs } from '../../node/config/index.js';
import { createNode } from '../../node/createNode.js';
import { ChainDb } from '../../node/db/index.js';
import { silentLogger } from '../../node/logger.js';
import { readCookieFile } from '../../node/rpc/index.js';
import { VerifyPool } from '../../node/verify/index.js';
import { linearParams } from '../../test/utils/linearParams.js';
import { linearEvaluator } from '../../training/index.js';
import { buildBenchChain } from './fixtures.js';
import { type BenchResult, measureInterleaved, median, printTable } from './harness.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const FULL_BLOCKS = 4;
const TXS_PER_BLOCK = 2000;

function result(name: string, ops: number, elapsedMs: number, calls: number): BenchResult {
  return { name, opsPerSec: (ops * 1000) / elapsedMs, ops, calls, elapsedMs, msPerCall: elapsedMs / calls };
}

/** Blocks connected per round; rounds alternate between the two ways of connecting them. */
const ROUNDS = 5;

async function blockConnect(): Promise<void> {
  console.log(`building ${FULL_BLOCKS} blocks of ${TXS_PER_BLOCK} signed transactions…`);
  const bc = await buildBenchChain(FULL_BLOCKS, TXS_PER_BLOCK);
  const prefix = bc.blocks.slice(0, bc.firstFull);
  const full = bc.blocks.slice(bc.firstFull);
  const pool = new VerifyPool({});
  await pool.start();

  /** Baseline: pure consensus on an in-memory UTXO set; ms for the full blocks. */
  const pureRound = async (): Promise<number> => {
    const utxo = new MemoryUtxoSet();
    prefix.forEach((b, i) => {
      utxo.apply(b, i + 1);
    });
    let issued = 0n;
    for (const b of prefix) for (const o of b.txs[0]!.tx.outputs) issued += o.value;
    const t0 = performance.now();
    let height = prefix.length;
    for (const b of full) {
      const view = new CoinView(utxo);
      const times = bc.blocks.slice(Math.max(0, height - 11), height).map((x) => x.block.header.time);
      const mtp = [...times].sort((a, c) => a - c)[Math.floor(times.length / 2)]!;
      const res = await validateBlockTransition(
        b,
        {
          height,
          modelHash: linearDevnet.genesis.modelHash,
          model: () => linearEvaluator.initialModel(),
          issued,
          levels: [],
          growth: null,
          owed: [],
        },
        { expectedBits: linearDevnet.powLimitBits, medianTimePast: mtp, now: b.block.header.time },
        view,
        { params: linearDevnet, evaluator: linearEvaluator, verifier: pool },
      );
      utxo.apply(b, height + 1);
      issued = res.connect.issuedAfter;
      height++;
    }
    return performance.now() - t0;
  };

  /** The node's Chain on a fresh LevelDB (validation + one atomic batch per block); ms for the full blocks. */
  const levelRound = async (): Promise<number> => {
    const dir = await mkdtemp(join(tmpdir(), 'qenex-bench-'));
    const db = new ChainDb({ backend: 'level', path: join(dir, 'chain') });
    await db.open();
    const chain = new Chain(
      {},
      {
        db,
        params: linearDevnet,
        evaluator: linearEvaluator,
        verifier: pool,
        logger: silentLogger,
        clock: () => 2_000_000_000,
      },
    );
    try {
      await chain.start();
      for (const b of prefix) await chain.processBlock(b.block);
      const t0 = performance.now();
      for (const b of full) {
        const r = await chain.processBlock(b.block);
        if (r.status !== 'connected') throw new Error(`block not connected: ${r.status}`);
      }
      return performance.now() - t0;
    } finally {
      await chain.stop();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  };

  try {
    const pure: number[] = [];
    const stored: number[] = [];
    await pureRound(); // warm-up
    await levelRound();
    for (let k = 0; k < ROUNDS; k++) {
      pure.push(await pureRound());
      stored.push(await levelRound());
    }
    const txs = FULL_BLOCKS * TXS_PER_BLOCK;
    const row = (name: string, ms: readonly number[]): BenchResult =>
      result(name, txs, median(ms), FULL_BLOCKS);
    printTable(
      `blocks of ${TXS_PER_BLOCK} transactions connected (ops = transactions; ${FULL_BLOCKS} blocks a round, median of ${ROUNDS} rounds taken in turns)`,
      [row('pure consensus, in-memory UTXO (baseline)', pure), row('Chain.processBlock on LevelDB', stored)],
      'pure consensus, in-memory UTXO (baseline)',
    );
    console.log(
      `blocks/s: pure ${((FULL_BLOCKS * 1000) / median(pure)).toFixed(2)}, LevelDB chain ${((FULL_BLOCKS * 1000) / median(stored)).toFixed(2)}`,
    );
  } finally {
    await pool.stop();
  }
}

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

async function rpcThroughput(): Promise<void> {
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
  await blockConnect();
  await rpcThroughput();
}
