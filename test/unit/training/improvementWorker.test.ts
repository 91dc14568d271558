/**
 * ImprovementWorker: a block's model update verified on a worker thread gives what
 * verifyImprovement gives on the calling thread (the same result, the same verdict), while the
 * calling thread's event loop keeps turning; without a ready worker, jobs are verified inline.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  devnetParams,
  type ImprovementResult,
  type ModelUpdate,
  VerdictError,
  verifyImprovementJob,
} from '../../../consensus/index.js';
import { DEFAULT_DELTA_DENSITY } from '../../../training/compress.js';
import { applyModelDelta, decodeSparseDelta, encodeDelta } from '../../../training/delta.js';
import { createNetworkEvaluator } from '../../../training/evaluator.js';
import { buildProposal, type ProposalInput } from '../../../training/federation/buildProposal.js';
import { LocalTrainer } from '../../../training/local.js';
import { type NetworkModel, networkModelHash } from '../../../training/model.js';
import {
  type ImprovementJob,
  ImprovementWorker,
  type JobReport,
} from '../../../training/parallel/improvement.js';
import { partlyTrainedModel, testSeed } from './helpers.js';

/** A one-contribution update of `base` trained 3,000 samples, and the model it yields. */
function updateOf(base: NetworkModel): { update: ModelUpdate; next: NetworkModel } {
  const t = new LocalTrainer({
    shard: { index: 2, count: 6 },
    seed: 'test/worker',
    deltaDensity: DEFAULT_DELTA_DENSITY,
  });
  t.setBase(base, [0]);
  t.train(3000);
  const d = t.delta();
  const update: ModelUpdate = {
    baseModelHash: networkModelHash(base),
    claimedPpm: 0,
    levels: [0],
    grow: null,
    rule: 0,
    contributions: [
      {
        payout: new Uint8Array(20),
        pubkey: new Uint8Array(32),
        samples: 3000,
        delta: encodeDelta(d),
        sig: new Uint8Array(64),
      },
    ],
  };
  return { update, next: applyModelDelta(base, d) };
}

function here(job: ImprovementJob): ImprovementResult<NetworkModel> {
  return verifyImprovementJob(createNetworkEvaluator(), job, devnetParams);
}

describe('training/parallel ImprovementWorker', function () {
  this.timeout(120_000);
  const base = partlyTrainedModel();
  const { update, next } = updateOf(base);
  const job: ImprovementJob = {
    parent: base,
    parentModelHash: networkModelHash(base),
    update,
    headerModelHash: networkModelHash(next),
    blockHash: testSeed(78),
    levels: [0],
    growth: null,
  };

  it('verifies on the worker what verifyImprovement gives here, and the same verdict for a bad block', async () => {
    const reports: JobReport[] = [];
    const w = new ImprovementWorker(
      { params: devnetParams, onJob: (j) => reports.push(j) },
      { evaluator: createNetworkEvaluator() },
    );
    await w.start();
    try {
      assert.equal(w.available, true);
      // the calling thread's loop turns while the worker scores
      let turns = 0;
      const tick = setInterval(() => turns++, 1);
      const r = await w.verify(job);
      clearInterval(tick);
      assert.ok(turns > 0, 'the event loop turned meanwhile');
      assert.deepEqual(r, here(job));
      assert.ok(r.improvementPpm >= devnetParams.minImprovementPpm);

      const wrongHash: ImprovementJob = { ...job, headerModelHash: networkModelHash(base) };
      const local = (() => {
        try {
          here(wrongHash);
        } catch (e) {
          return e as VerdictError;
        }
        assert.fail('expected a verdict');
      })();
      await assert.rejects(w.verify(wrongHash), (e: unknown) => {
        assert.ok(e instanceof VerdictError);
        assert.equal(e.reason, local.reason);
        assert.equal(e.level, local.level);
        assert.equal(e.message, local.message);
        return true;
      });
      assert.equal(w.done, 2);
      assert.equal(w.inline, 0);
      // one report per job the worker answered: the block, the verdict, and its times
      assert.deepEqual(
        reports.map((j) => [j.kind, Buffer.from(j.hash).toString('hex'), j.verdict]),
        [
          ['verify', Buffer.from(job.blockHash).toString('hex'), false],
          ['verify', Buffer.from(job.blockHash).toString('hex'), true],
        ],
      );
      const scored = reports[0]!;
      assert.ok(scored.wallMs > 0 && scored.totalMs >= scored.wallMs, 'the total includes the worker time');
      if (process.platform === 'linux') {
        // the worker's own thread: on a CPU for part of the job's wall time
        assert.ok(scored.cpuMs !== null && scored.cpuMs > 0 && scored.cpuMs <= scored.wallMs + 1);
        assert.ok(scored.waitMs !== null && scored.waitMs >= 0);
      }
    } finally {
      await w.close();
    }
    // after close, jobs are verified here
    assert.equal(w.available, false);
    assert.deepEqual(await w.verify(job), here(job));
    assert.equal(w.inline, 1);
  });

  it("scores a miner's proposal on the worker as buildProposal does here (the same update and claim)", async () => {
    const c = update.contributions[0]!;
    const input: ProposalInput<NetworkModel> = {
      parent: base,
      base: networkModelHash(base),
      levels: [0],
      candidates: [{ contribution: c, delta: decodeSparseDelta(c.delta) }],
      rule: 0,
      creditSeed: testSeed(1),
      claimSeeds: [testSeed(2), testSeed(3), testSeed(4)],
      minPassingSeeds: 2,
    };
    const expected = buildProposal(createNetworkEvaluator(), devnetParams, input);
    assert.ok(expected.proposal, 'the test update is proposed');
    const w = new ImprovementWorker({ params: devnetParams }, { evaluator: createNetworkEvaluator() });
    await w.start();
    try {
      const before = w.done;
      assert.deepEqual(await w.propose(input), expected);
      assert.equal(w.done, before + 1, 'answered by the worker');
    } finally {
      await w.close();
    }
  });

  it("runs its threads below the caller's priority when asked (Linux: nice is per thread)", async function () {
    if (process.platform !== 'linux') this.skip();
    const mine = getPriority(0);
    const w = new ImprovementWorker(
      { params: devnetParams, nice: 5, helper: true },
      { evaluator: createNetworkEvaluator() },
    );
    await w.start();
    try {
      assert.equal(w.nice, Math.min(19, mine + 5), 'the worker thread');
      assert.equal(w.helperNice, w.nice, 'its helper thread (started from the worker: inherits it)');
      assert.equal(getPriority(0), mine, "the caller's thread keeps its priority");
    } finally {
      await w.close();
    }
    const plain = new ImprovementWorker({ params: devnetParams }, { evaluator: createNetworkEvaluator() });
    await plain.start();
    try {
      assert.equal(plain.nice, mine, 'by default the same priority');
    } finally {
      await plain.close();
    }
  });

  it('closed while it starts, it stops the worker and the process can end (no unfinished shutdown: exit 13)', async () => {
    // In a process of its own: mocha's handles would keep the event loop alive either way.
    const dir = await mkdtemp(join(tmpdir(), 'qenex-improvement-'));
    const url = (rel: string) => pathToFileURL(join(import.meta.dirname, '../../..', rel)).href;
    const script = join(dir, 'close.mts');
    await writeFile(
      script,
      [
        `import { devnetParams } from '${url('consensus/index.ts')}';`,
        `import { createNetworkEvaluator } from '${url('training/evaluator.ts')}';`,
        `import { ImprovementWorker } from '${url('training/parallel/improvement.ts')}';`,
        'const w = new ImprovementWorker({ params: devnetParams }, { evaluator: createNetworkEvaluator() });',
        'const started = w.start().catch(() => {});',
        'await new Promise((r) => setTimeout(r, 50));',
        'await w.close();',
        'await started;',
        "console.log('closed');",
      ].join('\n'),
    );
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = execFile(process.execPath, ['--import', 'tsx', script], (err, out) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out }),
        );
        child.stdin?.end();
      });
      assert.equal(r.code, 0, `exit code ${r.code}`);
      assert.equal(r.out.trim(), 'closed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lazy: the first job is verified here while the worker starts; later ones go to the worker', async () => {
    const w = new ImprovementWorker(
      { params: devnetParams, lazy: true, helper: false },
      { evaluator: createNetworkEvaluator() },
    );
    try {
      assert.equal(w.available, false);
      const first = await w.verify(job);
      assert.equal(w.inline, 1);
      await w.start();
      assert.equal(w.available, true);
      assert.deepEqual(await w.verify(job), first);
      assert.equal(w.done, 1);
    } finally {
      await w.close();
    }
  });

  it('a job the worker does not answer in time is verified here and the worker retired', async () => {
    const reasons: string[] = [];
    const w = new ImprovementWorker(
      { params: devnetParams, timeoutMs: 1, helper: false, onRetire: (r) => reasons.push(r) },
      { evaluator: createNetworkEvaluator() },
    );
    await w.start();
    try {
      assert.deepEqual(await w.verify(job), here(job));
      assert.equal(w.available, false);
      assert.deepEqual(reasons, ['no answer within 1 ms']);
      assert.equal(w.inline, 1);
    } finally {
      await w.close();
    }
  });

  it('rejects a bad timeout with a typed error', () => {
    assert.throws(
      () =>
        new ImprovementWorker(
          { params: devnetParams, timeoutMs: 0 },
          { evaluator: createNetworkEvaluator() },
        ),
      /timeoutMs/,
    );
  });
});
