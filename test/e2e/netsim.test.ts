/**
 * A small, fast netsim (scripts/netsim): 8 real node processes on the devnet behind the delaying
 * proxy (50 ± 10 ms one-way on every link), bootstrapped from 2 seeds, 2 miners and 1 trainer,
 * a block every 3 s on average; steady state, a partition that heals, churn and a stalling
 * attacker. Asserts convergence, that blocks reach every node and that their gossip arrivals are
 * recorded (never after the connects), with bounds loose enough for a loaded 2-core machine: no
 * timed-performance assertions beyond convergence within generous timeouts. The full-size run is `npm run netsim` (docs/netsim.md).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNetsim } from '../../scripts/netsim/run.js';
import type { NetsimReport, ScenarioResult } from '../../scripts/netsim/types.js';

describe('netsim: 8 node processes over delayed links (scripts/netsim)', function () {
  this.timeout(10 * 60_000);
  let root: string;
  let report: NetsimReport;
  const lines: string[] = [];
  const scenario = (kind: ScenarioResult['kind']) => {
    const s = report.scenarios.find((x) => x.kind === kind);
    assert.ok(s, `scenario ${kind} ran`);
    return s;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'qenex-netsim-'));
    report = await runNetsim(
      {
        nodes: 8,
        miners: 2,
        trainers: 1,
        spacingMs: 3000,
        latency: { baseMs: 50, jitterMs: 10 },
        warmupMs: 8000,
        scenarios: [
          { kind: 'steady', durationMs: 20_000 },
          { kind: 'partition', durationMs: 12_000, afterMs: 25_000 },
          { kind: 'churn', durationMs: 20_000, everyMs: 10_000, fraction: 0.25, downtimeMs: 1000 },
          { kind: 'staller', durationMs: 15_000 },
        ],
        root,
        outDir: null,
        trainCpuShare: 0.1,
        nodeLogLevel: 'info',
        nodeNice: 10,
        fromSource: true,
        startBatch: 3,
        sampleEveryMs: 5000,
        missGraceMs: 30_000,
        finalTimeoutMs: 120_000,
        seed: 7,
      },
      { log: (line) => lines.push(line) },
    ).catch((e: Error) => {
      // the driver's log says how far the start-up came
      e.message += `\ndriver log:\n${lines.join('\n')}`;
      throw e;
    });
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('ends with every node on one tip, with equal UTXO sets and model hashes, and no node crashed', () => {
    const f = report.final;
    assert.equal(report.unexpectedExits.length, 0, report.unexpectedExits.join('\n'));
    assert.ok(f.converged, `one tip at the end\n${lines.join('\n')}`);
    assert.ok(f.equalTips, 'equal tips');
    assert.ok(f.equalUtxo, 'equal UTXO sets');
    assert.ok(f.equalModel, 'equal model hashes');
    assert.equal(f.nodes.length, 8);
    // Every node reaches a seed (bootstrap peers are dialled again while a node is short of peers).
    assert.deepEqual(f.excluded, [], 'every node found a peer');
    assert.ok((f.height ?? 0) > 5, `height ${f.height}`);
    assert.equal(f.directLinks, 0, 'every link crossed the proxy');
  });

  it('blocks reach every running node (no misses outside a partition)', () => {
    const blocks = report.scenarios.reduce((n, s) => n + s.propagation.blocks, 0);
    assert.ok(blocks > 0, 'blocks were mined');
    for (const s of report.scenarios) assert.equal(s.propagation.misses, 0, `${s.name}: misses`);
    const steady = scenario('steady').propagation.perNode;
    if (steady.n > 0) assert.ok((steady.p50 ?? 0) < 10_000, `steady p50 ${steady.p50} ms`);
  });

  it('records each block’s gossip arrival beside its connect, never later than it', () => {
    assert.ok(report.observed.arrivals.length > 0, 'arrivals recorded');
    const gossiped = report.scenarios.reduce((n, s) => n + s.propagation.arrival.gossiped, 0);
    assert.ok(gossiped > 0, 'some (block, node) pairs arrived by gossip');
    for (const b of report.blocks)
      for (const d of b.delays)
        assert.ok(d.arrivalMs <= d.ms, `${b.hash} on n${d.node}: ${d.arrivalMs} > ${d.ms}`);
    for (const s of report.scenarios) {
      const c = s.propagation;
      const a = c.arrival;
      assert.equal(a.perNode.n, c.perNode.n, `${s.name}: the same pairs`);
      for (const [at, con] of [
        [a.perNode.p50, c.perNode.p50],
        [a.perNode.p99, c.perNode.p99],
        [a.perNode.max, c.perNode.max],
        [a.toAll.p50, c.toAll.p50],
        [a.toAll.p99, c.toAll.p99],
      ] as const) {
        assert.equal(at === null, con === null, `${s.name}: arrival figures present`);
        if (at !== null && con !== null) assert.ok(at <= con, `${s.name}: arrival ${at} > connect ${con}`);
      }
    }
  });

  it('a partition heals: every node on one tip within the watch after the heal', () => {
    const heal = scenario('partition').heal;
    assert.ok(heal, 'heal recorded');
    assert.ok(heal.linksRefused >= 0);
    assert.notEqual(heal.convergedMs, null, 'one tip after the heal');
  });

  it('under churn no running node holds a minority tip for more than a minute', () => {
    const c = scenario('churn').churn;
    assert.ok(c && c.restarts >= 2, `restarts ${c?.restarts}`);
    assert.equal(c.minorityOver60s, 0);
  });

  it('the stalling attacker connects to the miner, and the miner’s blocks still reach everyone', () => {
    const s = scenario('staller');
    assert.ok(s.staller && s.staller.connectedShare > 0, 'the staller was connected');
    assert.equal(s.propagation.misses, 0);
  });
});
