/** The netsim's measurements on hand-made timelines. */
import { strict as assert } from 'node:assert';
import {
  blockPropagation,
  convergedAt,
  minorityIntervals,
  percentiles,
  staleRate,
  summarizePropagation,
  tipChanges,
} from '../../../scripts/netsim/metrics.js';
import type { BlockSeen, Session } from '../../../scripts/netsim/observer.js';
import type { MinedRecord } from '../../../scripts/netsim/producer.js';

const session = (node: number, start: number, end: number | null, hash = 'g', height = 0): Session => ({
  node,
  start,
  end,
  tip: { hash, height },
});
const seen = (node: number, t: number, hash: string, height: number): BlockSeen => ({
  node,
  t,
  hash,
  height,
});
const mined = (miner: number, t: number, hash: string): MinedRecord => ({
  due: t,
  t,
  miner,
  hashes: [hash],
  ms: 1,
  error: null,
});

describe('scripts/netsim metrics', () => {
  it('percentiles by nearest rank', () => {
    assert.deepEqual(percentiles([]), { n: 0, p50: null, p90: null, p99: null, max: null });
    const p = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i));
    assert.equal(p.p50, 50);
    assert.equal(p.p99, 99);
    assert.equal(p.max, 100);
  });

  it('propagation: delays from the miner’s connect; nodes down or cut off are not counted; a node up without it is a miss', () => {
    const sessions = [session(0, 0, null), session(1, 0, null), session(2, 0, 500), session(3, 0, null)];
    const blocks = [seen(0, 1000, 'a', 1), seen(1, 1080, 'a', 1), seen(3, 1300, 'a', 1)];
    const out = blockPropagation({
      nodes: [0, 1, 2, 3],
      blocks,
      sessions,
      mined: [mined(0, 990, 'a'), mined(0, 5000, 'never-connected')],
      partitions: [],
      bestChain: new Set(['a']),
      graceMs: 60_000,
    });
    assert.equal(out.length, 1);
    // No gossip arrivals recorded: the delay at arrival is the connect's.
    assert.deepEqual(out[0]!.delays, [
      { node: 1, ms: 80, arrivalMs: 80, gossiped: false },
      { node: 3, ms: 300, arrivalMs: 300, gossiped: false },
    ]);
    assert.deepEqual(out[0]!.missed, []);
    const withMiss = blockPropagation({
      nodes: [0, 1, 3],
      blocks: blocks.slice(0, 2),
      sessions,
      mined: [mined(0, 990, 'a')],
      partitions: [],
      bestChain: new Set(['a']),
      graceMs: 60_000,
    });
    assert.deepEqual(withMiss[0]!.missed, [3]);
    const cut = blockPropagation({
      nodes: [0, 1, 3],
      blocks: blocks.slice(0, 2),
      sessions,
      mined: [mined(0, 990, 'a')],
      partitions: [{ start: 0, end: 2000, group: (n) => (n === 3 ? 1 : 0) }],
      bestChain: new Set(['a']),
      graceMs: 60_000,
    });
    assert.deepEqual(cut[0]!.missed, []);
    assert.equal(cut[0]!.eligible, 1);
    const s = summarizePropagation(out);
    assert.equal(s.toAll.max, 300);
    assert.equal(s.perNode.p50, 80);
    // Node 3 connected a competing block at height 1 first: counted apart, with its switch time.
    const race = blockPropagation({
      nodes: [0, 1, 3],
      blocks: [...blocks, seen(3, 1050, 'rival', 1)],
      sessions,
      mined: [mined(0, 990, 'a'), mined(3, 1000, 'rival')],
      partitions: [],
      bestChain: new Set(['a']),
      graceMs: 60_000,
    });
    assert.deepEqual(race[0]!.siblings, [{ node: 3, ms: 300 }]);
    const rs = summarizePropagation(race);
    assert.equal(rs.onSibling, 1);
    assert.equal(rs.perNode.n, 1);
    assert.equal(rs.staleBlocks, 1);
  });

  it('stale rate counts mined blocks off the final best chain', () => {
    const r = staleRate([mined(0, 10, 'a'), mined(1, 20, 'b'), mined(0, 99, 'c')], new Set(['a', 'c']), {
      start: 0,
      end: 50,
    });
    assert.deepEqual(r, { mined: 2, stale: 1, rate: 0.5 });
  });

  it('convergence: the first instant every node runs with one tip', () => {
    const sessions = [session(0, 0, null), session(1, 0, null)];
    const blocks = [seen(0, 100, 'x', 1), seen(1, 250, 'y', 1), seen(1, 400, 'x', 1)];
    const changes = tipChanges(blocks, sessions);
    assert.equal(convergedAt(changes, 2, 200, 10_000), 400);
    assert.equal(convergedAt(changes, 2, 0, 300), 0);
    assert.equal(convergedAt(changes, 3, 0, 10_000), null);
    assert.equal(convergedAt(changes, 2, 500, 10_000), 500);
  });

  it('minority intervals: a node on a tip the others do not share, until it joins them or stops', () => {
    const sessions = [session(0, 0, null), session(1, 0, null), session(2, 0, 5000)];
    const blocks = [seen(0, 1000, 'x', 1), seen(1, 1100, 'x', 1), seen(2, 3000, 'x', 1)];
    const changes = tipChanges(blocks, sessions);
    const iv = minorityIntervals(changes, { start: 0, end: 10_000 });
    // node 0 alone on x for 100 ms, then node 2 behind on g until 3000
    assert.deepEqual(
      iv.map((x) => [x.node, x.start, x.ms]),
      [
        [0, 1000, 100],
        [2, 1100, 1900],
      ],
    );
  });
});
