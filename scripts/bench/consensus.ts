/**
 * Consensus throughput: transactions validated per second, signatures included, on both cores
 * (context-free + contextual checks on the main thread, signatures through the VerifyPool), beside
 * noble's single-core Schnorr verification rate measured in the same run. Header hashing (headerHash
 * beside node:crypto and the miner's grinders) is the `pow` bench.
 */
import { availableParallelism } from 'node:os';
import {
  type BlockWithIds,
  CoinView,
  checkTx,
  checkTxInputs,
  devnetParams,
  MemoryUtxoSet,
  nobleVerifier,
  type SigCheck,
} from '../../consensus/index.js';
import { VerifyPool } from '../../node/verify/index.js';
import { buildBenchChain } from './fixtures.js';
import { measure, printTable } from './harness.js';

const TXS = 3000;

export async function run(): Promise<void> {
  console.log(`building a chain with a block of ${TXS} signed transactions…`);
  const bc = await buildBenchChain(1, TXS);
  const full = bc.blocks[bc.firstFull]!;
  // UTXO set as of the full block's parent.
  const utxo = new MemoryUtxoSet();
  bc.blocks.slice(0, bc.firstFull).forEach((b, i) => {
    utxo.apply(b, i + 1);
  });
  const height = bc.firstFull + 1;
  const txs = full.txs.slice(1);

  const validateAll = (b: BlockWithIds): SigCheck[] => {
    const view = new CoinView(utxo);
    const checks: SigCheck[] = [];
    for (const t of b.txs.slice(1)) {
      checkTx(t.tx, devnetParams, t.size);
      const r = checkTxInputs(t, view, height, devnetParams);
      for (const c of r.sigChecks) checks.push(c);
    }
    return checks;
  };
  const checks = validateAll(full);
  const pool = new VerifyPool({});
  await pool.start();
  try {
    const nobleSample = checks.slice(0, 200);
    const rows = [
      await measure(
        'noble Schnorr verify, 1 core (baseline)',
        async () => {
          if ((await nobleVerifier.verifyBatch(nobleSample)) !== -1)
            throw new Error('noble rejected a valid signature');
        },
        { opsPerCall: nobleSample.length, minMs: 3000 },
      ),
      await measure(
        'tx checks without signatures, 1 core',
        () => {
          validateAll(full);
        },
        { opsPerCall: txs.length, minMs: 3000 },
      ),
      await measure(
        `tx validation incl. signatures, ${availableParallelism()} cores`,
        async () => {
          const c = validateAll(full);
          if ((await pool.verifyBatch(c)) !== -1) throw new Error('pool rejected a valid signature');
        },
        { opsPerCall: txs.length, minMs: 4000 },
      ),
    ];
    printTable(
      `transactions validated per second (${txs.length} one-input txs per call)`,
      rows,
      rows[0]!.name,
    );
  } finally {
    await pool.stop();
  }
}
