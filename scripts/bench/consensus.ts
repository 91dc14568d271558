/**
 * Consensus throughput: transactions validated per second, signatures included, on both cores as
 * the node validates a block (every transaction's context-free checks, then connectBlock's UTXO
 * rules on the main thread while SliceVerifier hands the signatures to the VerifyPool slice by
 * slice), beside the VerifyPool verifying the same block's signatures alone (the bound: the issue's
 * goal is ≥ 0.8× it) and noble's single-core Schnorr rate, all in the same run. Hashing runs on
 * the WebAssembly kernel, as in a node (node/hashing.ts); the checks without signatures are also
 * timed on noble's hashing, for comparison. Header hashing (headerHash beside node:crypto and the
 * miner's grinders) is the `pow` bench.
 */
import { availableParallelism } from 'node:os';
import {
  type BlockWithIds,
  CoinView,
  checkTx,
  connectBlock,
  devnetParams,
  MemoryUtxoSet,
  nobleVerifier,
  type SigCheck,
  SliceVerifier,
  useHashKernel,
} from '../../consensus/index.js';
import { installWasmHashing } from '../../node/hashing.js';
import { VerifyPool } from '../../node/verify/index.js';
import { linearParams } from '../../test/utils/linearParams.js';
import { buildBenchChain } from './fixtures.js';
import { measure, measureInterleaved, printTable } from './harness.js';

/** Devnet with a genesis committing to the linear test model (the fixtures' chain). */
const linearDevnet = linearParams(devnetParams);
const TXS = 3000;

export async function run(): Promise<void> {
  console.log(`building a chain with a block of ${TXS} signed transactions…`);
  const kernel = installWasmHashing();
  console.log(`hashing kernel: ${kernel}`);
  const bc = await buildBenchChain(1, TXS);
  const full = bc.blocks[bc.firstFull]!;
  // UTXO set as of the full block's parent.
  const utxo = new MemoryUtxoSet();
  bc.blocks.slice(0, bc.firstFull).forEach((b, i) => {
    utxo.apply(b, i + 1);
  });
  const height = bc.firstFull + 1;
  const txs = full.txs.slice(1);
  let issuedBefore = 0n;
  for (const b of bc.blocks.slice(0, bc.firstFull))
    for (const o of b.txs[0]!.tx.outputs) issuedBefore += o.value;

  /** Every transaction's checks (the block's context-free ones, then connectBlock's). */
  const connectAll = (b: BlockWithIds, onSigChecks?: (checks: readonly SigCheck[]) => void): SigCheck[] => {
    for (const t of b.txs.slice(1)) checkTx(t.tx, linearDevnet, t.size);
    const ctx = {
      height,
      issuedBefore,
      parentModelHash: linearDevnet.genesis.modelHash,
      improvementPpm: 0,
      credit: [],
      owed: [],
      ...(onSigChecks ? { onSigChecks } : {}),
    };
    return connectBlock(b, new CoinView(utxo), ctx, linearDevnet).sigChecks;
  };
  const checks = connectAll(full);
  const pool = new VerifyPool({});
  await pool.start();
  try {
    const nobleSample = checks.slice(0, 200);
    const poolName = `VerifyPool alone, the block's ${checks.length} signatures (baseline)`;
    const single = [
      await measure(
        'noble Schnorr verify, 1 core',
        async () => {
          if ((await nobleVerifier.verifyBatch(nobleSample)) !== -1)
            throw new Error('noble rejected a valid signature');
        },
        { opsPerCall: nobleSample.length, minMs: 3000 },
      ),
      await measure(
        `tx checks without signatures, 1 core (${kernel} hashing)`,
        () => {
          connectAll(full);
        },
        { opsPerCall: txs.length, minMs: 3000 },
      ),
    ];
    if (kernel !== 'js') {
      useHashKernel(null);
      single.push(
        await measure(
          'the same on noble hashing',
          () => {
            connectAll(full);
          },
          { opsPerCall: txs.length, minMs: 3000 },
        ),
      );
      installWasmHashing();
    }
    // the pool alone and validation are compared with each other: measured in turns
    const compared = await measureInterleaved(
      [
        {
          name: poolName,
          fn: async () => {
            if ((await pool.verifyBatch(checks)) !== -1) throw new Error('pool rejected a valid signature');
          },
          opsPerCall: checks.length,
        },
        {
          name: `tx validation incl. signatures, ${availableParallelism()} cores (signatures verified while connecting)`,
          fn: async () => {
            const sigs = new SliceVerifier(pool);
            const all = connectAll(full, (c) => sigs.offer(c));
            sigs.offer(all, true);
            if ((await sigs.firstBad()) !== -1) throw new Error('pool rejected a valid signature');
          },
          opsPerCall: txs.length,
        },
        {
          name: 'the same, signatures verified after connecting (one batch)',
          fn: async () => {
            if ((await pool.verifyBatch(connectAll(full))) !== -1)
              throw new Error('pool rejected a valid signature');
          },
          opsPerCall: txs.length,
        },
      ],
      { rounds: 7, msPerTurn: 1500 },
    );
    const rows = [...single, ...compared];
    printTable(
      `transactions validated per second (${txs.length} one-input txs per call; signatures per second for the pool and noble)`,
      rows,
      poolName,
    );
  } finally {
    await pool.stop();
  }
}
