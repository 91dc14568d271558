/**
 * Crash safety: a child process mines and reorganizes on a LevelDB chain database and is killed
 * with SIGKILL at random moments. After every kill the database, as the crash left it, must be
 * consistent: the best pointer names a stored valid block, the height index is the chain of prev
 * hashes, and the UTXO set (with undo data, entries, model checkpoint) equals a full replay.
 * Seeded: QENEX_CRASH_SEED=<n> reproduces the kill schedule (the moments still depend on speed).
 */
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bestTip, equalBytes, nobleVerifier, toHex } from '../../consensus/index.js';
import { Chain, type VerifyReport, verifyStoredChain } from '../../node/chain/index.js';
import { ChainDb } from '../../node/db/index.js';
import { silentLogger } from '../../node/logger.js';
import { type LinearModel, linearEvaluator } from '../../training/index.js';
import { CRASH_CLOCK, CRASH_PARAMS } from '../utils/crashWorker.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = join(ROOT, 'test/utils/crashWorker.ts');
const POLYFILL = join(ROOT, 'test/utils/polyfill.ts');
const ROUNDS = 20;
/** Coinbases mature after 100 blocks on devnet: start with a chain where spends are possible. */
const PREMINE = 105;

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

interface RunResult {
  lines: Array<Record<string, unknown>>;
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

describe('e2e: chain database crash safety (SIGKILL)', function () {
  this.timeout(120_000);
  let dir = '';
  let child: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qenex-crash-'));
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the worker; kills it `killAfterMs` after its first progress report (null: let it finish). */
  function run(path: string, seed: number, killAfterMs: number | null, premine?: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const args = ['--import', 'tsx', '--import', POLYFILL, WORKER, path, String(seed)];
      if (premine !== undefined) args.push(String(premine));
      const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      child = proc;
      const lines: Array<Record<string, unknown>> = [];
      let stderr = '';
      let armed = false;
      const watchdog = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`worker made no progress in time; stderr: ${stderr}`));
      }, 30_000);
      proc.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        if (!armed && killAfterMs !== null && lines[lines.length - 1]!.event === 'progress') {
          armed = true;
          setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        }
      });
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        clearTimeout(watchdog);
        resolve({ lines, signal, code, stderr });
      });
    });
  }

  /** Checks the database exactly as the crash left it (no recovery has run). */
  async function check(path: string): Promise<VerifyReport> {
    const db = new ChainDb({ backend: 'level', path });
    await db.open();
    try {
      const state = await db.getChainState();
      assert.ok(state, 'best-chain pointer present');
      const tip = await db.getEntry(state.tipHash);
      assert.equal(tip?.status, 'valid-connected', 'the pointer names a valid connected block');
      assert.ok(await db.hasBlock(state.tipHash), 'the tip block is stored');
      const heights: Uint8Array[] = [];
      for await (const { height, hash } of db.heights()) {
        assert.equal(height, heights.length, 'height index is contiguous');
        heights.push(hash);
      }
      assert.equal(heights.length, state.height + 1, 'height index ends at the tip');
      let hash = state.tipHash;
      for (let h = state.height; h >= 0; h--) {
        assert.ok(equalBytes(heights[h]!, hash), `height ${h} follows the prev hashes`);
        const e = await db.getEntry(hash);
        assert.equal(e?.height, h);
        hash = e.prevHash;
      }
      return await verifyStoredChain({
        db,
        params: CRASH_PARAMS,
        evaluator: linearEvaluator,
        verifier: nobleVerifier,
        clock: CRASH_CLOCK,
      });
    } finally {
      await db.close();
    }
  }

  it(`stays consistent across ${ROUNDS} kills during mining and reorgs`, async () => {
    const seed = Number(process.env.QENEX_CRASH_SEED ?? 20261123);
    const rng = mulberry32(seed);
    const path = join(dir, 'chain');
    const started = Date.now();

    const pre = await run(path, seed, null, PREMINE);
    assert.equal(pre.code, 0, `premine failed: ${pre.stderr}`);
    assert.equal((await check(path)).height, PREMINE);

    const seen = {
      reorgs: 0,
      rejected: 0,
      spends: 0,
      updates: pre.lines.filter((l) => l.update === true).length,
      branches: 0,
    };
    let prevHeight = PREMINE;
    let checkMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const delay = 30 + Math.floor(rng() * 371);
      const r = await run(path, Math.floor(rng() * 2 ** 31), delay);
      const t0 = Date.now();
      assert.equal(
        r.signal,
        'SIGKILL',
        `round ${round}: worker ended by itself (code ${r.code}): ${r.stderr}`,
      );
      for (const l of r.lines) {
        if (l.status === 'reorganized') seen.reorgs++;
        if (l.event === 'rejected') seen.rejected++;
        if (l.event === 'branch') seen.branches++;
        if (typeof l.txs === 'number') seen.spends += l.txs;
        if (l.update === true) seen.updates++;
      }
      const report = await check(path);
      assert.deepEqual(report.mismatches, []);
      assert.ok(report.height >= prevHeight - 6, `round ${round}: the chain did not lose its history`);
      prevHeight = report.height;
      checkMs += Date.now() - t0;
    }

    // A normal start completes any interrupted reorg: afterwards no stored, not-invalid block is a
    // better tip than the active one.
    const db = new ChainDb({ backend: 'level', path });
    const chain = new Chain<LinearModel>(
      {},
      {
        db,
        params: CRASH_PARAMS,
        evaluator: linearEvaluator,
        verifier: nobleVerifier,
        logger: silentLogger,
        clock: CRASH_CLOCK,
      },
    );
    await chain.start();
    try {
      const tip = chain.tip;
      const live = [];
      for await (const e of db.entries()) if (e.status !== 'invalid') live.push(e);
      const best = bestTip(live);
      assert.ok(
        equalBytes(best.hash, tip.hash),
        `stored block ${toHex(best.hash)} is a better tip than the active one ${toHex(tip.hash)}`,
      );
      const report = await chain.verifyChain();
      assert.deepEqual(report.mismatches, []);
      const elapsed = Date.now() - started;
      // Exercise check: the run must have covered spends, reorgs and model updates.
      assert.ok(seen.spends > 0, 'transactions spending matured coinbases were mined');
      assert.ok(seen.reorgs > 0, 'reorganizations happened');
      console.log(
        `      crash test: seed ${seed}, ${ROUNDS} kills, final height ${report.height}, ${report.coins} coins, ` +
          `${seen.branches} branches, ${seen.reorgs} reorgs, ${seen.rejected} invalid-branch rejections, ` +
          `${seen.spends} spends, ${seen.updates} model updates, ${elapsed} ms (checks ${checkMs} ms)`,
      );
    } finally {
      await chain.stop();
      await db.close();
    }
  });
});
