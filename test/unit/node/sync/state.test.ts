import { strict as assert } from 'node:assert';
import { SyncState, type SyncTip } from '../../../../node/sync/index.js';

const DAY = 24 * 60 * 60;

function setup(tip: SyncTip, nowSeconds = 1_000_000) {
  const world = { tip, now: nowSeconds * 1000 };
  const state = new SyncState(
    {},
    {
      tip: () => world.tip,
      targetSpacing: 10,
      clock: { now: () => world.now },
    },
  );
  return { world, state };
}

describe('node/sync SyncState', () => {
  it('is in initial block download while the tip is older than the maximum tip age', () => {
    const now = 10 * DAY;
    const { state } = setup({ height: 100, time: now - 2 * DAY, weight: 100n }, now);
    const s = state.status();
    assert.equal(s.initialBlockDownload, true);
    // no peer knows more: 100 blocks of the 100 + 2 days / 10 s the tip's age implies
    assert.ok(Math.abs(s.verificationProgress - 100 / (100 + (2 * DAY) / 10)) < 1e-9);
    assert.equal(s.headers, 100);
    assert.equal(s.etaSeconds, null);
  });

  it('is in initial block download while a sync session downloads a heavier branch, with progress and ETA', () => {
    const now = 10 * DAY;
    const { world, state } = setup({ height: 250, time: now - 60, weight: 250n }, now);
    state.observe({ height: 250, targetHeight: 1000, blocksPerSecond: 50 });
    const s = state.status();
    assert.equal(s.initialBlockDownload, true);
    assert.equal(s.headers, 1000);
    assert.equal(s.verificationProgress, 0.25);
    assert.equal(s.blocksPerSecond, 50);
    assert.equal(s.etaSeconds, 15);
    // a rate older than 30 s no longer makes an ETA
    world.now += 31_000;
    assert.equal(state.status().etaSeconds, null);
  });

  it('counts no unproven claim: with a fresh tip and no sync session the node is not in initial download', () => {
    // (a staller may announce any height; until a session has its headers, nothing is observed)
    const now = 10 * DAY;
    const { state } = setup({ height: 50, time: now - 60, weight: 500n }, now);
    const s = state.status();
    assert.equal(s.initialBlockDownload, false);
    assert.equal(s.headers, 50);
    assert.equal(s.verificationProgress, 1);
  });

  it('leaves initial block download once caught up and never goes back (a latch, as in Bitcoin Core)', () => {
    const now = 10 * DAY;
    const { world, state } = setup({ height: 10, time: now - 3 * DAY, weight: 10n }, now);
    assert.equal(state.status().initialBlockDownload, true);
    world.tip = { height: 11, time: now - 5, weight: 11n };
    assert.equal(state.status().initialBlockDownload, false);
    // the network goes quiet for two days, then a session downloads a heavier, higher branch
    world.now += 2 * DAY * 1000;
    state.observe({ height: 11, targetHeight: 40, blocksPerSecond: 5 });
    const s = state.status();
    assert.equal(s.initialBlockDownload, false);
    assert.equal(s.verificationProgress, 1);
    assert.equal(s.headers, 40);
  });
});
