/**
 * Child process of test/e2e/crash.test.ts: opens a Chain on a LevelDB data dir and keeps
 * producing work until it is killed: mines blocks on the tip (spending matured coinbases and
 * change, sometimes with a model update) and now and then builds a competing branch from a few
 * blocks back, heavier than the tip (sometimes with an invalid block in it), and imports it, which
 * makes the chain reorganize (or try to, and restore), half the time as one run written as one
 * batch (Chain.processBlocks, as initial sync imports). Reports JSON lines on stdout.
 *
 * Usage: node --import tsx --import ./test/utils/polyfill.ts test/utils/crashWorker.ts <datadir> <seed> [premine]
 * With `premine` it mines (no branches) up to that height, then exits cleanly.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Block,
  type BlockWithIds,
  blockMerkleRoot,
  blockReward,
  blockWeight,
  blockWithIds,
  type Coin,
  devnetParams,
  equalBytes,
  type ModelUpdate,
  modelUpdateId,
  nobleVerifier,
  type OutPoint,
  outpointKey,
  type Transaction,
  TX_VERSION,
  VerdictError,
  verifyImprovement,
  workFromBits,
  wtxid,
} from '../../consensus/index.js';
import { Chain } from '../../node/chain/index.js';
import { ChainDb } from '../../node/db/index.js';
import { silentLogger } from '../../node/logger.js';
import { improvingDelta, type LinearModel, linearEvaluator } from '../../training/index.js';
import { blockCoinbase, coinbaseTx, contribution, keyPair, mineHeader, signTx } from './chainBuilder.js';
import { linearParams } from './linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
export const CRASH_PARAMS = linearDevnet;
/** Fixed clock, after every block the worker can make (their times step by one second). */
export const CRASH_CLOCK = (): number => CRASH_PARAMS.genesis.time + 10_000_000;

const params = CRASH_PARAMS;
const miner = keyPair('crash miner');
const rival = keyPair('crash rival');
const FEE = 500n;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function emit(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function header(
  prevHash: Uint8Array,
  txs: Transaction[],
  update: Block['update'],
  modelHash: Uint8Array,
  time: number,
  nonce = 0n,
): Block['header'] {
  const merkleRoot = blockMerkleRoot(
    txs.map((t) => wtxid(t)),
    update ? modelUpdateId(update) : null,
  );
  return mineHeader(
    { version: 1, prevHash, merkleRoot, modelHash, time, bits: params.powLimitBits, nonce },
    params,
  );
}

async function main(): Promise<void> {
  const [datadir, seedArg, premineArg] = process.argv.slice(2);
  if (!datadir || !seedArg) throw new Error('usage: crashWorker.ts <datadir> <seed> [premine]');
  const premine = premineArg === undefined ? null : Number(premineArg);
  const rng = mulberry32(Number(seedArg));
  // Exit if the test runner goes away (its end of our stdin closes).
  process.stdin.on('end', () => process.exit(2));
  process.stdin.resume();
  setTimeout(() => process.exit(3), 60_000).unref();

  const db = new ChainDb({ backend: 'level', path: datadir });
  const chain = new Chain<LinearModel>(
    {},
    {
      db,
      params,
      evaluator: linearEvaluator,
      verifier: nobleVerifier,
      logger: silentLogger,
      clock: CRASH_CLOCK,
    },
  );
  await chain.start();

  const wallet = new Map<string, OutPoint>();
  let rescan = true;
  chain.on('block', ({ block }) => {
    for (const t of block.txs) {
      for (const i of t.tx.inputs) wallet.delete(outpointKey(i.prevout.txid, i.prevout.index));
      t.tx.outputs.forEach((o, index) => {
        if (equalBytes(o.pubKeyHash, miner.pkh))
          wallet.set(outpointKey(t.txid, index), { txid: t.txid, index });
      });
    }
  });
  chain.on('disconnect', () => {
    rescan = true;
  });

  async function spendable(height: number, max: number): Promise<Array<{ op: OutPoint; coin: Coin }>> {
    if (rescan) {
      wallet.clear();
      for await (const { op, coin } of db.coins()) {
        if (equalBytes(coin.pubKeyHash, miner.pkh)) wallet.set(outpointKey(op.txid, op.index), op);
      }
      rescan = false;
    }
    const out: Array<{ op: OutPoint; coin: Coin }> = [];
    for (const [key, op] of wallet) {
      if (out.length >= max) break;
      const coin = await chain.getCoin(op);
      if (!coin) {
        wallet.delete(key);
        continue;
      }
      if (coin.coinbase && height - coin.height < params.coinbaseMaturity) continue;
      if (coin.value < 2n * params.dustThreshold + FEE) continue;
      out.push({ op, coin });
    }
    return out;
  }

  async function mineOne(): Promise<void> {
    const ctx = chain.nextBlockContext(CRASH_CLOCK());
    const tip = chain.tip;
    const time = Math.max(ctx.medianTimePast, tip.time) + 1;
    const txs: Transaction[] = [];
    const spends = [0, 0, 1, 2][Math.floor(rng() * 4)]!;
    for (const { op, coin } of await spendable(ctx.height, spends)) {
      const half = (coin.value - FEE) / 2n;
      const outputs = [
        { value: half, pubKeyHash: miner.pkh },
        { value: coin.value - FEE - half, pubKeyHash: miner.pkh },
      ];
      txs.push(
        signTx(
          { version: TX_VERSION, inputs: [{ prevout: op }], outputs, lockTime: 0 },
          [coin],
          [miner],
          params,
        ),
      );
    }
    const all = [
      blockCoinbase(
        ctx.height,
        ctx.issued,
        FEE * BigInt(txs.length),
        miner.pkh,
        null,
        params,
        undefined,
        ctx.owed,
      ),
      ...txs,
    ];
    let block: Block | null = null;
    if (premine === null && rng() < 0.04) {
      // A model update: grind nonces until the block's own evaluation sample shows an improvement.
      const model = chain.getTipModel();
      const delta = improvingDelta(model, 1);
      const next = linearEvaluator.applyDelta(model, delta);
      const modelHash = linearEvaluator.modelHash(next);
      const update: ModelUpdate = {
        baseModelHash: ctx.modelHash,
        claimedPpm: params.minImprovementPpm,
        levels: [],
        grow: null,
        rule: 0,
        contributions: [contribution(ctx.modelHash, delta, miner)],
      };
      const fees = FEE * BigInt(txs.length);
      const withUpdate = [
        blockCoinbase(ctx.height, ctx.issued, fees, miner.pkh, update, params, undefined, ctx.owed),
        ...txs,
      ];
      for (let nonce = 0n, tries = 0; tries < 20 && !block; tries++) {
        const h = header(ctx.prevHash, withUpdate, update, modelHash, time, nonce);
        try {
          verifyImprovement(
            linearEvaluator,
            model,
            ctx.modelHash,
            update,
            modelHash,
            blockWithIds({ header: h, txs: withUpdate, update }).hash,
            [],
            params,
          );
          block = { header: h, txs: withUpdate, update };
        } catch (e) {
          if (!(e instanceof VerdictError)) throw e;
          nonce = h.nonce + 1n;
        }
      }
    }
    block ??= { header: header(ctx.prevHash, all, null, ctx.modelHash, time), txs: all, update: null };
    const r = await chain.processBlock(block);
    emit({
      event: 'progress',
      status: r.status,
      height: chain.tip.height,
      txs: txs.length,
      update: block.update !== null,
    });
  }

  async function importBranch(): Promise<void> {
    const tip = chain.tip;
    const depth = 1 + Math.floor(rng() * Math.min(6, tip.height - 1));
    const fork = chain.getEntryByHeight(tip.height - depth)!;
    const invalidAt = rng() < 0.3 ? Math.floor(rng() * (depth + 1)) : -1;
    const blocks: BlockWithIds[] = [];
    let { issuedAfter: issued, weight, hash: prevHash, time } = fork;
    for (let height = fork.height + 1; weight <= tip.weight || blocks.length <= depth; height++) {
      time++;
      const reward = blockReward({ height, improvementPpm: 0, issuedBefore: issued }, params);
      const total = reward + (blocks.length === invalidAt ? 1n : 0n);
      // the branch's first block pays what the fork point's contributors are owed
      const owed = blocks.length === 0 ? fork.owed : [];
      let owedTotal = 0n;
      for (const p of owed) owedTotal += p.value;
      const txs = [coinbaseTx(height, total + owedTotal, rival.pkh, params, owed)];
      const b = blockWithIds({
        header: header(prevHash, txs, null, fork.modelHash, time),
        txs,
        update: null,
      });
      blocks.push(b);
      prevHash = b.hash;
      issued += total;
      weight += blockWeight(workFromBits(params.powLimitBits), 0, params);
    }
    emit({ event: 'branch', fork: fork.height, blocks: blocks.length, invalidAt });
    if (rng() < 0.5) {
      // as initial sync imports: the branch as one run, written as one batch (Chain.processBlocks)
      try {
        const rs = await chain.processBlocks(blocks.map((b) => b.block));
        emit({
          event: 'progress',
          status: rs.at(-1)?.status ?? 'none',
          height: chain.tip.height,
          run: rs.length,
        });
      } catch (e) {
        if (!(e instanceof VerdictError)) throw e;
        emit({ event: 'rejected', reason: e.reason, height: chain.tip.height, run: true });
      }
      return;
    }
    for (const b of blocks) {
      try {
        const r = await chain.processBlock(b.block);
        emit({ event: 'progress', status: r.status, height: chain.tip.height });
      } catch (e) {
        if (!(e instanceof VerdictError)) throw e;
        emit({ event: 'rejected', reason: e.reason, height: chain.tip.height });
      }
    }
  }

  emit({ event: 'ready', height: chain.tip.height });
  if (premine !== null) {
    while (chain.tip.height < premine) await mineOne();
    await chain.stop();
    await db.close();
    emit({ event: 'done', height: premine });
    process.exit(0);
  }
  for (;;) {
    if (chain.tip.height > 3 && rng() < 0.1) await importBranch();
    else await mineOne();
  }
}

// Run only as the entry point (the test imports the constants above).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`crash worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
