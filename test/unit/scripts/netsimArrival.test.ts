/**
 * The netsim's propagation at arrival (a node's gossip arrival of a block, or its connect when it
 * has none or the connect came first) beside propagation at connect, on a hand-made timeline, from
 * the metrics through the analysis to the text summary, the CSV and the chart.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnalysisInput, analyse } from '../../../scripts/netsim/analysis.js';
import { renderNetsimChart } from '../../../scripts/netsim/chart.js';
import { blockPropagation, summarizePropagation } from '../../../scripts/netsim/metrics.js';
import type { NodePlan } from '../../../scripts/netsim/nodes.js';
import type { BlockArrival, BlockSeen, Session } from '../../../scripts/netsim/observer.js';
import type { MinedRecord } from '../../../scripts/netsim/producer.js';
import { formatSummary, writeReport } from '../../../scripts/netsim/report.js';
import type { NetsimOptions } from '../../../scripts/netsim/types.js';

const session = (node: number): Session => ({ node, start: 0, end: null, tip: { hash: 'g', height: 0 } });
const connect = (node: number, t: number, hash: string, height: number): BlockSeen => ({
  node,
  t,
  hash,
  height,
});
const arrival = (node: number, t: number, hash: string): BlockArrival => ({ node, t, hash });
const mined = (miner: number, t: number, hash: string): MinedRecord => ({
  due: t,
  t,
  miner,
  hashes: [hash],
  ms: 1,
  error: null,
});

/**
 * Node 0 mines both blocks. 'u' carries a model update: relayed before validation, it reaches
 * nodes 1 and 3 60 and 100 ms after the miner's connect and they connect it only after scoring it
 * (1.5 s and 2 s); node 2 got it by sync (no arrival) and connected it at 800 ms. 'p' is plain:
 * arrivals 5 ms before the connects, but node 3's arrival is stamped after its connect.
 */
const nodes = [0, 1, 2, 3];
const sessions = nodes.map(session);
const blocks = [
  connect(0, 1000, 'u', 1),
  connect(1, 2500, 'u', 1),
  connect(2, 1800, 'u', 1),
  connect(3, 3000, 'u', 1),
  connect(0, 5000, 'p', 2),
  connect(1, 5055, 'p', 2),
  connect(2, 5075, 'p', 2),
  connect(3, 5090, 'p', 2),
];
const arrivals = [
  arrival(1, 1060, 'u'),
  arrival(3, 1100, 'u'),
  arrival(1, 5050, 'p'),
  arrival(2, 5070, 'p'),
  arrival(3, 5095, 'p'),
];
const minedRecords = [mined(0, 990, 'u'), mined(0, 4990, 'p')];

describe('scripts/netsim propagation at arrival', () => {
  it('per (block, node): the arrival, else the connect, whichever came first; to all: the last node', () => {
    const out = blockPropagation({
      nodes,
      blocks,
      arrivals,
      sessions,
      mined: minedRecords,
      partitions: [],
      bestChain: new Set(['u', 'p']),
      graceMs: 60_000,
    });
    assert.deepEqual(
      out.map((b) => [b.hash, b.delays]),
      [
        [
          'u',
          [
            { node: 1, ms: 1500, arrivalMs: 60, gossiped: true },
            { node: 2, ms: 800, arrivalMs: 800, gossiped: false },
            { node: 3, ms: 2000, arrivalMs: 100, gossiped: true },
          ],
        ],
        [
          'p',
          [
            { node: 1, ms: 55, arrivalMs: 50, gossiped: true },
            { node: 2, ms: 75, arrivalMs: 70, gossiped: true },
            { node: 3, ms: 90, arrivalMs: 90, gossiped: true },
          ],
        ],
      ],
    );
    const u = summarizePropagation(out.slice(0, 1));
    assert.equal(u.toAll.max, 2000, 'to all at connect: node 3');
    assert.deepEqual(
      [
        u.arrival.perNode.p50,
        u.arrival.perNode.max,
        u.arrival.toAll.n,
        u.arrival.toAll.max,
        u.arrival.gossiped,
      ],
      [100, 800, 1, 800, 2],
      'to all at arrival: node 2, the last to have it (by sync)',
    );
    // A block some node missed has no "to all", at arrival as at connect.
    const missed = summarizePropagation(
      blockPropagation({
        nodes,
        blocks: blocks.filter((b) => !(b.node === 2 && b.hash === 'u')),
        arrivals,
        sessions,
        mined: minedRecords.slice(0, 1),
        partitions: [],
        bestChain: new Set(['u']),
        graceMs: 60_000,
      }),
    );
    assert.equal(missed.misses, 1);
    assert.equal(missed.toAll.n, 0);
    assert.equal(missed.arrival.toAll.n, 0);
    assert.equal(missed.arrival.perNode.n, 2);
  });

  it('the analysis reports arrival figures for all blocks and split with and without an update; report and chart show them', () => {
    const plans = nodes.map(
      (index) =>
        ({
          index,
          name: `n${index}`,
          roles: { seed: index < 2, miner: index === 0, trainer: false },
        }) as NodePlan,
    );
    const input: AnalysisInput = {
      opts: {
        missGraceMs: 60_000,
        nodes: 4,
        miners: 1,
        trainers: 0,
        spacingMs: 3000,
        latency: { baseMs: 50, jitterMs: 10 },
      } as NetsimOptions,
      t0: 0,
      startupMs: 0,
      startup: { withoutPeer: [], fewPeers: [], driverNice: 0, nodeNice: 10 },
      records: [{ name: 'steady', spec: { kind: 'steady', durationMs: 10_000 }, start: 0, end: 10_000 }],
      plans,
      observer: { blocks, arrivals, sessions },
      mined: minedRecords,
      sampler: { peers: [], machine: [], cpuByNode: new Map() },
      final: null,
      stored: { states: [], chain: { bestChain: ['u', 'p'], updateHashes: ['u'] } },
      proxy: {
        openLinks: 0,
        linksOpened: 0,
        linksRefused: 0,
        linksCut: 0,
        bytesForwarded: 0,
        maxReleaseLagMs: 0,
      },
      unexpectedExits: [],
      machine: { cpus: 2, memMiB: 1024, node: 'v20' },
    };
    const report = analyse(input);
    const s = report.scenarios[0]!;
    const figures = (x: Pick<typeof s.propagation, 'perNode' | 'toAll'>) => [
      x.perNode.p50,
      x.perNode.p99,
      x.perNode.max,
      x.toAll.p50,
      x.toAll.p99,
    ];
    assert.deepEqual(figures(s.propagation), [90, 2000, 2000, 90, 2000]);
    assert.deepEqual(figures(s.propagation.arrival), [70, 800, 800, 90, 800]);
    assert.deepEqual(figures(s.update.arrival), [100, 800, 800, 800, 800]);
    assert.deepEqual(figures(s.plain.arrival), [70, 90, 90, 90, 90]);
    assert.equal(s.propagation.arrival.gossiped, 5);
    assert.deepEqual(report.observed.arrivals, arrivals);

    assert.match(
      formatSummary(report),
      /at arrival: per node p50 70 ms, p99 800 ms, max 800 ms \(5 of 6 pairs arrived by gossip\); to all nodes p50 90 ms, p99 800 ms/,
    );

    // The chart: the connect CDF solid, the arrival CDF dashed in the same colour; well-formed.
    const svg = renderNetsimChart(report);
    const dashed = [...svg.matchAll(/<polyline [^>]*stroke-dasharray[^>]*\/>/g)].map((m) => m[0]);
    assert.equal(dashed.length, 1);
    assert.match(dashed[0]!, /stroke="#1f77b4"/);
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (m[3] === '/') continue;
      if (m[1] === '/') assert.equal(stack.pop(), m[2], 'tags nest');
      else stack.push(m[2]!);
    }
    assert.deepEqual(stack, []);
    assert.doesNotMatch(svg.replace(/<[^>]*>/g, ''), /[<>]|&(?!amp;|lt;|gt;|quot;|apos;)/, 'text escaped');

    // The CSV: an arrival column per (block, node).
    const dir = mkdtempSync(join(tmpdir(), 'netsim-arrival-'));
    try {
      writeReport(report, dir);
      const [header, ...rows] = readFileSync(join(dir, 'netsim-propagation.csv'), 'utf8').trim().split('\n');
      const cols = header!.split(',');
      const at = (row: string, col: string) => row.split(',')[cols.indexOf(col)];
      const row = rows.find((r) => at(r, 'hash') === 'u' && at(r, 'node') === '1')!;
      assert.deepEqual(
        ['delay_ms', 'arrival_ms', 'gossiped'].map((c) => at(row, c)),
        ['1500', '60', '1'],
      );
      const tips = readFileSync(join(dir, 'netsim-tips.csv'), 'utf8');
      assert.equal(tips.split('\n').filter((l) => l.includes(',arrival,')).length, arrivals.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
