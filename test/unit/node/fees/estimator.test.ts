/** The fee estimator on a stub chain and pool: history windows, demand, floor, too little data. */
import { strict as assert } from 'node:assert';
import {
  type Block,
  type Coin,
  devnetParams,
  type NetworkParams,
  type Transaction,
  toHex,
  type UndoData,
  withId,
} from '../../../../consensus/index.js';
import type { ChainEntry } from '../../../../node/db/index.js';
import {
  FeeEstimator,
  type FeeEstimatorChain,
  FeeEstimatorError,
  type FeeEstimatorMempool,
} from '../../../../node/fees/index.js';
import type { MempoolEntry } from '../../../../node/mempool/index.js';

const PKH = new Uint8Array(20);
/** One input, one output, one witness: 170 bytes. */
const TX_SIZE = 170;
const MAX_BLOCK = 2_000;
const params: NetworkParams = { ...devnetParams, maxBlockSize: MAX_BLOCK };

let serial = 0;
/** A 170-byte transaction paying `fee` (the undo data says its input was worth 1,000,000 units). */
function txPaying(fee: bigint): { tx: Transaction; spent: Coin } {
  const txid = new Uint8Array(32);
  new DataView(txid.buffer).setUint32(0, ++serial);
  const input = 1_000_000n;
  return {
    tx: {
      version: 1,
      inputs: [{ prevout: { txid, index: 0 } }],
      outputs: [{ value: input - fee, pubKeyHash: PKH }],
      lockTime: 0,
      witnesses: [{ pubkey: new Uint8Array(32), sig: new Uint8Array(64) }],
    },
    spent: { value: input, pubKeyHash: PKH, height: 0, coinbase: false },
  };
}

interface StubBlock {
  /** Fees of its transactions (besides the coinbase). */
  fees: bigint[];
  /** Whether the block is full (its entry's size leaves no room for a smallest transaction). */
  full: boolean;
}

/** A chain whose blocks 1..n are `blocks` (oldest first); `drop` makes undo data vanish (reorg). */
function stubChain(blocks: StubBlock[]): FeeEstimatorChain & { dropUndo: boolean } {
  const entries: ChainEntry[] = [];
  const byHash = new Map<string, { block: Block; undo: UndoData }>();
  const coinbase: Transaction = { version: 1, inputs: [], outputs: [], lockTime: 0, witnesses: [] };
  entries.push({ hash: new Uint8Array(32), height: 0, size: 200 } as unknown as ChainEntry);
  blocks.forEach((b, i) => {
    const paid = b.fees.map(txPaying);
    const hash = new Uint8Array(32);
    hash[31] = i + 1;
    const block: Block = {
      header: {
        version: 1,
        prevHash: new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        modelHash: new Uint8Array(32),
        time: i,
        bits: 0,
        nonce: 0n,
      },
      txs: [{ ...coinbase, lockTime: i + 1 }, ...paid.map((p) => p.tx)],
      update: null,
    };
    byHash.set(toHex(hash), { block, undo: { spent: paid.map((p) => p.spent) } });
    entries.push({ hash, height: i + 1, size: b.full ? MAX_BLOCK - 10 : 500 } as unknown as ChainEntry);
  });
  const chain = {
    params,
    dropUndo: false,
    get tip() {
      return entries.at(-1)!;
    },
    getEntryByHeight: (h: number) => entries[h],
    getBlock: async (hash: Uint8Array) => byHash.get(toHex(hash))?.block,
    getUndo: async (hash: Uint8Array) => (chain.dropUndo ? undefined : byHash.get(toHex(hash))?.undo),
  };
  return chain;
}

/** A pool of 170-byte transactions paying `fees`, taken highest rate first. */
function stubMempool(fees: bigint[] = [], minFeeRate = 1n): FeeEstimatorMempool {
  const pooled = fees.map((f) => withId(txPaying(f).tx));
  const entry = new Map(pooled.map((t, i) => [toHex(t.txid), { fee: fees[i]!, size: t.size }]));
  const order = [...pooled].sort((a, b) =>
    Number(entry.get(toHex(b.txid))!.fee - entry.get(toHex(a.txid))!.fee),
  );
  return {
    bytes: pooled.reduce((s, t) => s + t.size, 0),
    selectForBlock(maxBytes) {
      const txs = [];
      let size = 0;
      for (const t of order) {
        if (size + t.size > maxBytes) break;
        txs.push(t);
        size += t.size;
      }
      return { txs, fees: 0n, size };
    },
    get: (txid) => entry.get(toHex(txid)) as MempoolEntry | undefined,
    minFeeRate: () => minFeeRate,
  };
}

/** Fee paying `perKb` units per 1000 bytes on a 170-byte transaction. */
const feeAt = (perKb: bigint) => (perKb * BigInt(TX_SIZE)) / 1000n;
const rateOf = (fee: bigint) => (fee * 1000n) / BigInt(TX_SIZE);

describe('fee estimator', () => {
  const fourWindows = { modes: { economical: { windows: 4, percent: 75 } } };

  it('has no estimate on too short a chain or without one confirmed transaction', async () => {
    const short = new FeeEstimator(fourWindows, {
      chain: stubChain([{ fees: [1000n], full: false }]),
      mempool: stubMempool(),
    });
    assert.deepEqual(await short.estimate(1, 'economical'), { feeRate: null, blocks: 1 });
    const empty = new FeeEstimator(fourWindows, {
      chain: stubChain(Array.from({ length: 10 }, () => ({ fees: [], full: false }))),
      mempool: stubMempool([5_000n]),
    });
    assert.deepEqual(await empty.estimate(2, 'economical'), { feeRate: null, blocks: 2 });
  });

  it('blocks that were not full need only the pool minimum', async () => {
    const e = new FeeEstimator(fourWindows, {
      chain: stubChain(Array.from({ length: 6 }, () => ({ fees: [50_000n], full: false }))),
      mempool: stubMempool([], 3n),
    });
    assert.deepEqual(await e.estimate(2, 'economical'), { feeRate: 3_000n, blocks: 2 });
  });

  it('full blocks: the lowest rate each took, the lowest per window of target blocks, the 75th percentile of 4 windows', async () => {
    // floors per block (units/kB), oldest first; target 2 → windows [b1,b2] [b2,b3] [b3,b4] [b4,b5]
    const floors = [8_000n, 20_000n, 30_000n, 10_000n, 40_000n];
    const blocks = floors.map((f) => ({ fees: [feeAt(f), feeAt(f * 3n)], full: true }));
    const e = new FeeEstimator(fourWindows, { chain: stubChain(blocks), mempool: stubMempool() });
    // window minima: 8000, 20000, 10000, 10000 → sorted 8000, 10000, 10000, 20000 → 3rd of 4
    const want = rateOf(feeAt(10_000n));
    assert.deepEqual(await e.estimate(2, 'economical'), { feeRate: want, blocks: 2 });
    // target 1: window minima are the floors of b2..b5 → 10000, 20000, 30000, 40000 → 30000
    assert.equal((await e.estimate(1, 'economical')).feeRate, rateOf(feeAt(30_000n)));
    // a full block's floor counts only when it was full
    const notFull = new FeeEstimator(fourWindows, {
      chain: stubChain(floors.map((f) => ({ fees: [feeAt(f)], full: false }))),
      mempool: stubMempool(),
    });
    assert.equal((await notFull.estimate(1, 'economical')).feeRate, 1_000n);
  });

  it('a pool deeper than the target pays above the lowest rate that fills it', async () => {
    // 2 blocks of 2000 bytes hold 22 transactions of 170 bytes (minus the header); pool holds 30
    const fees = Array.from({ length: 30 }, (_v, i) => feeAt(BigInt(2_000 + i * 1_000)));
    const e = new FeeEstimator(fourWindows, {
      chain: stubChain(Array.from({ length: 6 }, () => ({ fees: [1_000n], full: false }))),
      mempool: stubMempool(fees),
    });
    const fit = Math.floor((2 * (MAX_BLOCK - 116)) / TX_SIZE);
    const lowestTaken = rateOf(fees[30 - fit]!);
    assert.deepEqual(await e.estimate(2, 'economical'), { feeRate: lowestTaken + 1n, blocks: 2 });
    // a target of 6 needs 6 + 3 blocks of history: too little here
    assert.equal((await e.estimate(6, 'economical')).feeRate, null);
  });

  it('conservative looks back further than economical (default modes)', async () => {
    const chain = stubChain(Array.from({ length: 20 }, () => ({ fees: [1_000n], full: false })));
    const e = new FeeEstimator({}, { chain, mempool: stubMempool() });
    assert.equal((await e.estimate(2, 'economical')).feeRate, 1_000n);
    assert.equal((await e.estimate(2, 'conservative')).feeRate, null);
  });

  it('gives up with FEE_CHAIN_CHANGING when blocks keep leaving the best chain', async () => {
    const chain = stubChain(Array.from({ length: 6 }, () => ({ fees: [1_000n], full: false })));
    chain.dropUndo = true;
    const e = new FeeEstimator(fourWindows, { chain, mempool: stubMempool() });
    await assert.rejects(
      e.estimate(1, 'economical'),
      (err: unknown) => err instanceof FeeEstimatorError && err.type.code === 'FEE_CHAIN_CHANGING',
    );
  });
});
