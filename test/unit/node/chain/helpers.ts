/** Shared fixtures for the Chain tests. */
import {
  type BlockWithIds,
  devnetParams,
  type NetworkParams,
  nobleVerifier,
  type SigCheck,
  type SigVerifier,
  toHex,
} from '../../../../consensus/index.js';
import { Chain } from '../../../../node/chain/index.js';
import { ChainDb } from '../../../../node/db/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { type LinearModel, linearEvaluator } from '../../../../training/index.js';
import { type NextBlockOptions, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
/** Devnet with a short coinbase maturity so tests can spend coins after a few blocks. */
export const P: NetworkParams = Object.freeze({ ...linearDevnet, coinbaseMaturity: 3 });

/** A fixed clock well after every test block's time. */
export const CLOCK = (): number => P.genesis.time + 10_000_000;

/** A verifier that counts how many signatures it was asked to check. */
export class CountingVerifier implements SigVerifier {
  calls = 0;
  checks = 0;
  async verifyBatch(checks: readonly SigCheck[]): Promise<number> {
    this.calls++;
    this.checks += checks.length;
    return nobleVerifier.verifyBatch(checks);
  }
}

export interface Opened {
  chain: Chain<LinearModel>;
  db: ChainDb;
  verifier: CountingVerifier;
}

export async function openChain(
  db: ChainDb = new ChainDb({ backend: 'memory' }),
  params: NetworkParams = P,
  clock: () => number = CLOCK,
): Promise<Opened> {
  const verifier = new CountingVerifier();
  const chain = new Chain<LinearModel>(
    {},
    { db, params, evaluator: linearEvaluator, verifier, logger: silentLogger, clock },
  );
  await chain.start();
  return { chain, db, verifier };
}

/** A copy of `base` truncated at `height` (shares the blocks, not the state). */
export function forkAt(base: TestChain, height: number): TestChain {
  const tc = new TestChain(base.params);
  for (const e of base.entries.slice(1, height + 1)) {
    tc.utxo.apply(e.block, e.height);
    tc.entries.push({ ...e });
  }
  return tc;
}

/**
 * Appends `b` to `tc` without validating it (to build on top of an invalid or retargeted block).
 * Only for blocks without an update and without fees.
 */
export function forceAppend(tc: TestChain, b: BlockWithIds): void {
  const tip = tc.tip;
  let created = 0n;
  for (const o of b.txs[0]!.tx.outputs) created += o.value;
  tc.utxo.apply(b, tip.height + 1);
  tc.entries.push({
    block: b,
    height: tip.height + 1,
    issued: tip.issued + created,
    model: tip.model,
    time: b.block.header.time,
    owed: [],
  });
}

/** Mines a block spending the miner's coinbase at `fromHeight` into two outputs (fee 1000). */
export async function mineSpend(
  tc: TestChain,
  fromHeight: number,
  opts: NextBlockOptions = {},
): Promise<BlockWithIds> {
  const from = tc.coinbaseOutpoint(fromHeight);
  const fee = 1000n;
  const half = (from.coin.value - fee) / 2n;
  const tx = tc.spend(from, [
    { value: half, pubKeyHash: tc.miner.pkh },
    { value: from.coin.value - fee - half, pubKeyHash: tc.miner.pkh },
  ]);
  return tc.mine({ ...opts, txs: [tx], fees: fee });
}

/** Builds a base chain of `n` blocks; blocks from maturity + 2 on each spend an old coinbase. */
export async function buildBase(n: number, params: NetworkParams = P): Promise<TestChain> {
  const tc = new TestChain(params);
  for (let h = 1; h <= n; h++) {
    const spendFrom = h - params.coinbaseMaturity - 1;
    if (spendFrom >= 1) await mineSpend(tc, spendFrom);
    else await tc.mine();
  }
  return tc;
}

export async function feed(chain: Chain<LinearModel>, blocks: readonly BlockWithIds[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of blocks) out.push((await chain.processBlock(b.block)).status);
  return out;
}

/** Blocks of `tc` above `height`. */
export function blocksAbove(tc: TestChain, height: number): BlockWithIds[] {
  return tc.entries.slice(height + 1).map((e) => e.block);
}

/** Every key/value of the database as hex pairs. */
export async function dumpDb(db: ChainDb): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of db.raw()) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

export function hex(b: Uint8Array): string {
  return toHex(b);
}
