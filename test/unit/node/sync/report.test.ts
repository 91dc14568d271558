import { strict as assert } from 'node:assert';
import { createLogger } from '../../../../node/logger.js';
import { ChainLog, type SyncReporter, type SyncStatus } from '../../../../node/sync/index.js';

function status(over: Partial<SyncStatus> = {}): SyncStatus {
  return {
    initialBlockDownload: false,
    verificationProgress: 1,
    height: 10,
    headers: 10,
    blocksPerSecond: 0,
    etaSeconds: null,
    ...over,
  };
}

function setup(reporter?: SyncReporter) {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (l: string) => void lines.push(JSON.parse(l)) },
  });
  const world = { now: 0, status: status() };
  const log = new ChainLog(
    { intervalMs: 60_000, syncIntervalMs: 10_000 },
    {
      logger,
      clock: { now: () => world.now },
      state: { status: () => world.status },
      ...(reporter ? { reporter } : {}),
    },
  );
  return { lines, world, log };
}

describe('node/sync ChainLog', () => {
  it('logs each block at DEBUG and at most one INFO progress line a minute', () => {
    const { lines, world, log } = setup();
    for (let h = 1; h <= 5; h++) {
      world.now = h * 20_000;
      log.tip({ height: h, hash: `h${h}`, improvementPpm: h === 2 ? 1500 : 0 });
    }
    assert.deepEqual(
      lines.filter((l) => l.level === 20).map((l) => l.height),
      [1, 2, 3, 4, 5],
    );
    const info = lines.filter((l) => l.level === 30);
    assert.equal(info.length, 1);
    assert.equal(info[0]!.height, 3);
    assert.equal(info[0]!.blocks, 3);
    assert.equal(info[0]!.improvements, 1);
    assert.match(info[0]!.msg, /^chain at height 3: 3 new block\(s\) in 60 s$/);
  });

  it('reports catch-up progress throttled, then the end of initial block download once', () => {
    const { lines, world, log } = setup();
    world.status = status({
      initialBlockDownload: true,
      verificationProgress: 0.25,
      height: 250,
      headers: 1000,
      blocksPerSecond: 50,
      etaSeconds: 15,
    });
    log.syncStep();
    world.now = 5_000;
    log.syncStep();
    world.now = 12_000;
    log.syncStep();
    const syncing = lines.filter((l) => l.msg.startsWith('syncing'));
    assert.equal(syncing.length, 2);
    assert.equal(syncing[0]!.msg, 'syncing 25.0%');
    assert.equal(syncing[0]!.eta, '0:15');
    world.status = status({ height: 1000, headers: 1000 });
    log.tip({ height: 1000, hash: 'x', improvementPpm: 0 });
    log.tip({ height: 1001, hash: 'y', improvementPpm: 0 });
    assert.equal(lines.filter((l) => l.msg === 'initial block download done').length, 1);
  });

  it('hands catch-up progress to another reporter (the CLI bar) instead of the log', () => {
    const seen: string[] = [];
    const { lines, world, log } = setup({
      progress: (s) => seen.push(`p${s.height}`),
      done: (s) => seen.push(`d${s.height}`),
    });
    world.status = status({ initialBlockDownload: true, verificationProgress: 0.5, height: 5, headers: 10 });
    log.syncStep();
    world.status = status({ height: 10 });
    log.tip({ height: 10, hash: 'z', improvementPpm: 0 });
    assert.deepEqual(seen, ['p5', 'd10']);
    assert.equal(lines.filter((l) => l.level >= 30).length, 0);
  });
});
