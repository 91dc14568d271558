/**
 * Node throughput:
 *  - blocks connected per second (and transactions per second) for blocks full of transactions,
 *    through the Chain service on LevelDB, beside the same blocks through the pure consensus
 *    transition on an in-memory UTXO set (no storage), from the block as received (its ids hashed:
 *    the baseline) and with the fixture's precomputed ids, in alternating rounds of the same run;
 *  - RPC requests per second (rpc.ts, also runnable alone as `npm run bench -- rpc`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  blockWithIds,
  CoinView,
  devnetParams,
  MemoryUtxoSet,
  validateBlockTransition,
} from '../../consensus/index.js';
import { Chain } from '../../node/chain/index.js';
import { ChainDb } from '../../node/db/index.js';
import { silentLogger } from '../../node/logger.js';
import { VerifyPool } from '../../node/verify/index.js';
import { linearParams } from '../../test/utils/linearParams.js';
import { linearEvaluator } from '../../training/index.js';
import { buildBenchChain } from './fixtures.js';
import { type BenchResult, median, printTable } from './harness.js';
import { rpcThroughput } from './rpc.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const FULL_BLOCKS = 4;
const TXS_PER_BLOCK = 2000;

function result(name: string, ops: number, elapsedMs: number, calls: number): BenchResult {
  return { name, opsPerSec: (ops * 1000) / elapsedMs, ops, calls, elapsedMs, msPerCall: elapsedMs / calls };
}

/** Blocks connected per round; rounds alternate between the two ways of connecting them. */
const ROUNDS = 5;
const BASELINE = 'pure consensus from the block (ids hashed), in-memory UTXO (baseline)';

export async function blockConnect(): Promise<void> {
  console.log(`building ${FULL_BLOCKS} blocks of ${TXS_PER_BLOCK} signed transactions…`);
  const bc = await buildBenchChain(FULL_BLOCKS, TXS_PER_BLOCK);
  const prefix = bc.blocks.slice(0, bc.firstFull);
  const full = bc.blocks.slice(bc.firstFull);
  const pool = new VerifyPool({});
  await pool.start();

  /**
   * Pure consensus on an in-memory UTXO set; ms for the full blocks. With `hashIds` each block's
   * ids are hashed from the block (blockWithIds), as any node must before validating one it
   * receives (the merkle root commits to them) and as Chain.processBlock does: the baseline, so
   * that the LevelDB row differs from it by storage alone. Without, the fixture's precomputed ids
   * are used (the transition alone; about 4,000 sha256d fewer per block).
   */
  const pureRound = async (hashIds: boolean): Promise<number> => {
    const utxo = new MemoryUtxoSet();
    prefix.forEach((b, i) => {
      utxo.apply(b, i + 1);
    });
    let issued = 0n;
    for (const b of prefix) for (const o of b.txs[0]!.tx.outputs) issued += o.value;
    const t0 = performance.now();
    let height = prefix.length;
    for (const given of full) {
      const b = hashIds ? blockWithIds(given.block) : given;
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
    const transition: number[] = [];
    const stored: number[] = [];
    await pureRound(true); // warm-up
    await pureRound(false);
    await levelRound();
    for (let k = 0; k < ROUNDS; k++) {
      pure.push(await pureRound(true));
      transition.push(await pureRound(false));
      stored.push(await levelRound());
    }
    const txs = FULL_BLOCKS * TXS_PER_BLOCK;
    const row = (name: string, ms: readonly number[]): BenchResult =>
      result(name, txs, median(ms), FULL_BLOCKS);
    printTable(
      `blocks of ${TXS_PER_BLOCK} transactions connected (ops = transactions; ${FULL_BLOCKS} blocks a round, median of ${ROUNDS} rounds taken in turns)`,
      [
        row(BASELINE, pure),
        row('pure consensus, ids precomputed by the fixture', transition),
        row('Chain.processBlock on LevelDB', stored),
      ],
      BASELINE,
    );
    const perSecond = (ms: readonly number[]) => ((FULL_BLOCKS * 1000) / median(ms)).toFixed(2);
    console.log(
      `blocks/s: pure ${perSecond(pure)} (ids precomputed ${perSecond(transition)}), LevelDB chain ${perSecond(stored)}`,
    );
  } finally {
    await pool.stop();
  }
}

export async function run(): Promise<void> {
  await blockConnect();
  await rpcThroughput();
}
