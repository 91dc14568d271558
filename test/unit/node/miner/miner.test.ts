import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import {
  type Block,
  devnetParams,
  equalBytes,
  type ImprovementResult,
  type ModelUpdate,
  mainParams,
  nobleVerifier,
  toHex,
  txid,
} from '../../../../consensus/index.js';
import { silentLogger } from '../../../../node/logger.js';
import { Mempool } from '../../../../node/mempool/index.js';
import {
  type BlockTemplate,
  GENERATE_RACE_RETRIES,
  grinderWasmPath,
  Miner,
  type MinerChain,
  MinerError,
  type MinerOptions,
  type MinerUpdateSource,
} from '../../../../node/miner/index.js';
import { buildWasm } from '../../../../scripts/buildWasm.js';
import { encodeAddress } from '../../../../wallet/index.js';
import { keyPair, TestChain } from '../../../utils/chainBuilder.js';
import { linearParams } from '../../../utils/linearParams.js';
import { ChainAdapter, coinbaseOf, pay } from '../mempool/helpers.js';
import { osThreads, waitFor } from './helpers.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
const minerKey = keyPair('miner service');
const address = encodeAddress(minerKey.pkh, linearDevnet);
const alice = keyPair('alice');
/** Target 1: no hash will ever win. */
const IMPOSSIBLE_BITS = 0x01010000;

/** A model update for a miner's update source (the tests' chains never validate it). */
const UPDATE: ModelUpdate = {
  baseModelHash: new Uint8Array(32),
  claimedPpm: 1000,
  levels: [],
  grow: null,
  rule: 0,
  contributions: [],
};

function isMinerError(code: string): (e: unknown) => boolean {
  return (e) => e instanceof MinerError && e.code === code;
}

describe('node/miner Miner', function () {
  this.timeout(60_000);
  let tc: TestChain;
  let chain: ChainAdapter;
  let mempool: Mempool;
  const miners: Miner[] = [];

  before(() => {
    if (grinderWasmPath() === undefined) buildWasm();
  });

  function miner(opts: Partial<MinerOptions> = {}, updates?: MinerUpdateSource): Miner {
    const m = new Miner(
      { address, minIntervalMs: 0, ...opts },
      {
        ...(updates ? { updates } : {}),
        chain,
        mempool,
        params: linearDevnet,
        logger: silentLogger,
        clock: { now: () => linearDevnet.genesis.time * 1000 },
      },
    );
    miners.push(m);
    return m;
  }

  beforeEach(async () => {
    tc = new TestChain(linearDevnet);
    chain = new ChainAdapter(tc);
    for (let i = 0; i < 102; i++) await chain.connect(tc.buildBlock());
    mempool = new Mempool(
      { maxSizeBytes: 1_000_000, minFeeRate: 1n },
      { chain, verifier: nobleVerifier, logger: silentLogger },
    );
    // As the composition root does on the chain's 'block' event.
    chain.onBlock.push((b) => void mempool.removeForBlock(b));
  });

  afterEach(async () => {
    await Promise.all(miners.map((m) => m.stop()));
    miners.length = 0;
  });

  it('validates its options', () => {
    assert.throws(
      () => miner({ address: encodeAddress(minerKey.pkh, mainParams) }),
      isMinerError('MINER_BAD_ADDRESS'),
    );
    assert.throws(() => miner({ address: 'dqxc1notanaddress' }), isMinerError('MINER_BAD_ADDRESS'));
    assert.throws(() => miner({ threads: 0 }), isMinerError('MINER_BAD_OPTIONS'));
    assert.throws(() => miner({ noncesPerJob: 2 ** 32 + 1 }), isMinerError('MINER_BAD_OPTIONS'));
    const m = new Miner(
      { address },
      { chain, mempool, params: linearDevnet, logger: silentLogger, clock: Date },
    );
    assert.equal(m.options.minIntervalMs, 1000);
    assert.equal(m.options.threads, 1);
    assert.ok(equalBytes(m.options.pubKeyHash, minerKey.pkh));
  });

  it('generate(n) mines n valid blocks paying the address, with the pool’s transactions', async () => {
    const tx = pay(coinbaseOf(tc, 1), alice, 1700n);
    await mempool.accept(tx);
    const m = miner();
    const start = tc.height;
    const hashes = await m.generate(3);
    assert.equal(hashes.length, 3);
    assert.equal(tc.height, start + 3);
    assert.deepEqual(
      hashes,
      tc.entries.slice(-3).map((e) => toHex(e.block.hash)),
    );
    const first = tc.entries[start + 1]!.block;
    assert.equal(first.txs.length, 2);
    assert.equal(toHex(first.txs[1]!.txid), toHex(txid(tx)));
    const cb = first.txs[0]!.tx;
    assert.ok(equalBytes(cb.outputs[cb.outputs.length - 1]!.pubKeyHash, minerKey.pkh));
    const total = cb.outputs.reduce((a, o) => a + o.value, 0n);
    assert.equal(total, 50n * 100_000_000n + 1700n);
    assert.equal(m.status().blocksFound, 3);
    assert.equal(m.status().lastBlockHash, hashes[2]);
    // Another address.
    const other = keyPair('other');
    const [h] = await m.generate(1, encodeAddress(other.pkh, linearDevnet));
    const cb2 = tc.tip.block.txs[0]!.tx;
    assert.equal(toHex(tc.tip.block.hash), h);
    assert.ok(equalBytes(cb2.outputs[cb2.outputs.length - 1]!.pubKeyHash, other.pkh));
  });

  it('generate stops when maxTries run out, like generatetoaddress', async () => {
    chain.bitsOverride = IMPOSSIBLE_BITS;
    const m = miner();
    const height = tc.height;
    assert.deepEqual(await m.generate(2, undefined, 5000), []);
    assert.equal(tc.height, height);
    await assert.rejects(m.generate(-1), isMinerError('MINER_BAD_OPTIONS'));
  });

  /**
   * A chain where another miner's block on the same parent gets in first `races` times: each time
   * a generated block arrives, a competing block is connected just before it, so it lands on a
   * side branch ('side'), as on a node that also runs --mine.
   */
  function racedMiner(races: number): { m: Miner; processed: Block[] } {
    const processed: Block[] = [];
    let left = races;
    const racing: MinerChain = {
      params: linearDevnet,
      nextBlockContext: (now) => chain.nextBlockContext(now),
      processBlock: async (block) => {
        processed.push(block);
        if (left > 0) {
          left--;
          await chain.connect(tc.buildBlock());
        }
        if (!equalBytes(block.header.prevHash, tc.tip.block.hash)) return { status: 'side' };
        return chain.processBlock(block);
      },
    };
    const m = new Miner(
      { address, minIntervalMs: 0 },
      {
        chain: racing,
        mempool,
        params: linearDevnet,
        logger: silentLogger,
        clock: { now: () => linearDevnet.genesis.time * 1000 },
      },
    );
    miners.push(m);
    return { m, processed };
  }

  it('generate mines a block that lost the race for the tip again on the new tip', async () => {
    const { m, processed } = racedMiner(3);
    const start = tc.height;
    const hashes = await m.generate(2);
    assert.equal(hashes.length, 2);
    assert.equal(processed.length, 5, 'three lost races, then two blocks');
    assert.equal(tc.height, start + 3 + 2);
    // Both returned blocks are on the best chain, each on the competitor that beat its first try.
    assert.deepEqual(
      hashes,
      tc.entries.slice(-2).map((e) => toHex(e.block.hash)),
    );
    assert.equal(m.status().blocksFound, 2);
  });

  it('generate gives up after GENERATE_RACE_RETRIES lost races in a row with a typed error', async () => {
    const { m, processed } = racedMiner(1 + 1000);
    await assert.rejects(
      m.generate(1),
      (e: unknown) =>
        e instanceof MinerError &&
        e.type.code === 'MINER_TIP_RACE' &&
        e.type.attempts === GENERATE_RACE_RETRIES + 1 &&
        e.type.mined.length === 0,
    );
    assert.equal(processed.length, GENERATE_RACE_RETRIES + 1);
  });

  it('start() mines valid blocks through processBlock; stop() leaves no worker running', async () => {
    const threadsBefore = await osThreads();
    const m = miner({ threads: 2 });
    const found: string[] = [];
    m.on('block', (b) => found.push(b.hash));
    const height = tc.height;
    await m.start();
    assert.equal(m.workerCount, 2);
    assert.equal(m.status().mining, true);
    assert.equal(m.status().engine, 'wasm');
    await waitFor(() => tc.height >= height + 3, 20_000, 'three mined blocks');
    const rate = m.status().hashrate;
    await m.stop();
    assert.equal(m.workerCount, 0);
    assert.equal(m.status().mining, false);
    assert.equal(m.status().hashrate, 0);
    assert.equal(m.status().engine, null);
    assert.ok(rate > 0, 'hash rate measured while mining');
    if (threadsBefore !== undefined) assert.equal(await osThreads(), threadsBefore);
    const mined = tc.height - height;
    assert.ok(mined >= 3);
    assert.equal(m.status().blocksFound, mined);
    assert.deepEqual(
      found,
      tc.entries.slice(height + 1).map((e) => toHex(e.block.hash)),
    );
    assert.equal(chain.processed.length, mined);
    // Nothing more happens after stop.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(tc.height, height + mined);
  });

  it('paces blocks by minIntervalMs', async () => {
    const m = miner({ minIntervalMs: 300 });
    const height = tc.height;
    await m.start();
    await waitFor(() => tc.height >= height + 1, 10_000, 'first block');
    const t0 = performance.now();
    await waitFor(() => tc.height >= height + 2, 10_000, 'second block');
    const gap = performance.now() - t0;
    await m.stop();
    assert.ok(gap >= 250, `second block after ${gap.toFixed(0)} ms`);
  });

  it('onTip() interrupts the search at once and rebuilds on the new tip', async () => {
    chain.bitsOverride = IMPOSSIBLE_BITS;
    const m = miner();
    const templates: { tpl: BlockTemplate; at: number }[] = [];
    m.on('template', (tpl) => templates.push({ tpl, at: performance.now() }));
    await m.start();
    await waitFor(() => templates.length === 1, 5000, 'first template');
    // Searching, and nothing else makes it rebuild.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(templates.length, 1);
    assert.ok(m.status().hashrate > 0);
    // A block arrives from elsewhere.
    chain.bitsOverride = undefined;
    await chain.connect(tc.buildBlock());
    chain.bitsOverride = IMPOSSIBLE_BITS;
    const t0 = performance.now();
    m.onTip();
    await waitFor(() => templates.length === 2, 5000, 'second template');
    const latency = templates[1]!.at - t0;
    assert.ok(latency < 250, `rebuilt after ${latency.toFixed(1)} ms`);
    assert.ok(equalBytes(templates[1]!.tpl.header.prevHash, tc.tip.block.hash));
    assert.equal(templates[1]!.tpl.height, tc.height + 1);
    const s0 = performance.now();
    await m.stop();
    const stopMs = performance.now() - s0;
    assert.ok(stopMs < 250, `stop took ${stopMs.toFixed(1)} ms`);
    assert.equal(m.workerCount, 0);
  });

  it('refreshes the template when the pool changed and the template is old enough', async () => {
    chain.bitsOverride = IMPOSSIBLE_BITS;
    const m = miner({ templateRefreshMs: 100 });
    const templates: BlockTemplate[] = [];
    m.on('template', (tpl) => templates.push(tpl));
    await m.start();
    await waitFor(() => templates.length === 1, 5000, 'first template');
    assert.equal(templates[0]!.txs.length, 1);
    await mempool.accept(pay(coinbaseOf(tc, 1), alice, 1700n));
    await waitFor(() => templates.length === 2, 5000, 'refreshed template');
    assert.equal(templates[1]!.txs.length, 2);
    assert.equal(templates[1]!.fees, 1700n);
  });

  it('rebuilds a template without a model update once the update source says a proposal may be possible', async () => {
    chain.bitsOverride = IMPOSSIBLE_BITS;
    let revision = 0;
    let ready = false;
    let asked = 0;
    const update = UPDATE;
    const proposal = () => {
      asked++;
      return ready ? { update, modelHash: new Uint8Array(32).fill(7) } : null;
    };
    const updates: MinerUpdateSource = {
      proposal,
      proposalNow: async () => proposal(),
      verifyFound: async () => null,
      revision: () => revision,
    };
    const m = miner({ updateRefreshMs: 100 }, updates);
    const templates: BlockTemplate[] = [];
    m.on('template', (tpl) => templates.push(tpl));
    await m.start();
    await waitFor(() => templates.length === 1, 5000, 'first template');
    assert.equal(templates[0]!.update, null);
    // nothing changed at the source: the template stays
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(templates.length, 1);
    ready = true;
    revision++;
    await waitFor(() => templates.length === 2, 5000, 'template rebuilt for the update');
    assert.equal(templates[1]!.update, update);
    assert.equal(asked, 2);
    // a template that carries an update is not rebuilt for newer deltas
    revision++;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(templates.length, 2);
  });

  it('generate checks a found update block on its own hash, searches on when it fails, and hands the check to the chain', async () => {
    const update = UPDATE;
    const modelHash = new Uint8Array(32).fill(7);
    const checked: Uint8Array[] = [];
    const result = { improvementPpm: 5000, modelHash } as unknown as ImprovementResult<unknown>;
    const updates: MinerUpdateSource = {
      proposal: () => null,
      proposalNow: async () => ({ update, modelHash }),
      verifyFound: async (_block, hash) => {
        checked.push(hash);
        return checked.length === 1 ? null : result; // below the claim on the first hash
      },
      revision: () => 0,
    };
    const submitted: Array<{ block: Block; improvement: unknown }> = [];
    const recording: MinerChain = {
      params: chain.params,
      nextBlockContext: (now) => chain.nextBlockContext(now),
      processBlock: async (block, _source, opts) => {
        submitted.push({ block, improvement: opts?.improvement });
        return { status: 'connected' };
      },
    };
    const m = new Miner(
      { address, minIntervalMs: 0 },
      { updates, chain: recording, mempool, params: linearDevnet, logger: silentLogger, clock: Date },
    );
    miners.push(m);
    const [hash] = await m.generate(1);
    assert.equal(checked.length, 2, 'the first found hash failed the check: searched on');
    assert.notDeepEqual(checked[0], checked[1]);
    assert.equal(submitted.length, 1, 'only the block that passed was submitted');
    assert.equal(toHex(checked[1]!), hash);
    assert.equal(submitted[0]!.block.update, update);
    assert.equal(
      submitted[0]!.improvement,
      result,
      'the check goes with the block: the chain does not score it again',
    );
  });

  it('bumps the time when a template’s nonce range is exhausted', async () => {
    chain.bitsOverride = IMPOSSIBLE_BITS;
    const m = miner({ noncesPerJob: 5000 });
    const templates: BlockTemplate[] = [];
    m.on('template', (tpl) => templates.push(tpl));
    await m.start();
    await waitFor(() => templates.length >= 4, 10_000, 'four templates');
    await m.stop();
    const times = templates.slice(0, 4).map((t) => t.header.time);
    assert.deepEqual(times, [times[0]!, times[0]! + 1, times[0]! + 2, times[0]! + 3]);
    for (const t of templates) assert.ok(equalBytes(t.header.prevHash, templates[0]!.header.prevHash));
  });
});
