import { strict as assert } from 'node:assert';
import { BanManager } from '../../../p2p/index.js';

const HOUR = 3_600_000;

function manager(clock: { now: number }, over: Partial<ConstructorParameters<typeof BanManager>[0]> = {}) {
  return new BanManager(
    {
      banThreshold: 100,
      banDurationMs: 24 * HOUR,
      scoreDecayPerHour: 10,
      maxTrackedPeers: 3,
      maxBans: 2,
      ...over,
    },
    { clock: () => clock.now },
  );
}

describe('p2p BanManager', () => {
  it('accumulates penalties and bans at the threshold for the configured time', () => {
    const clock = { now: 1_000 };
    const m = manager(clock);
    assert.equal(m.misbehave('p', 'bad-response').score, 20);
    assert.equal(m.misbehave('p', 'request-timeout').banned, false);
    assert.equal(m.score('p'), 22);
    for (let i = 0; i < 3; i++) m.misbehave('p', 'bad-response');
    assert.equal(m.isBanned('p'), false);
    const last = m.misbehave('p', 'bad-response');
    assert.equal(last.banned, true);
    assert.equal(last.score, 102);
    assert.ok(m.isBanned('p'));
    assert.deepEqual(m.listBanned(), [
      { peerId: 'p', reason: 'bad-response', createdAt: 1_000, until: 1_000 + 24 * HOUR },
    ]);
    clock.now += 24 * HOUR - 1;
    assert.ok(m.isBanned('p'));
    clock.now += 1;
    assert.equal(m.isBanned('p'), false);
    assert.deepEqual(m.listBanned(), []);
    assert.equal(m.score('p'), 0);
  });

  it('bans at once for an invalid block; a context verdict costs nothing', () => {
    const m = manager({ now: 0 });
    assert.equal(m.misbehave('x', 'wrong-network').penalty, 0);
    assert.equal(m.isBanned('x'), false);
    const c = m.misbehave('x', 'bad-txnmrklroot', 'gossip');
    assert.deepEqual(c, { peerId: 'x', code: 'bad-txnmrklroot', penalty: 100, score: 100, banned: true });
    assert.equal(m.listBanned()[0]!.reason, 'bad-txnmrklroot: gossip');
  });

  it('decays scores, unbans, and stays bounded', () => {
    const clock = { now: 0 };
    const m = manager(clock);
    m.misbehave('a', 'bad-response');
    clock.now += HOUR;
    assert.equal(m.score('a'), 10);
    clock.now += 5 * HOUR;
    assert.equal(m.score('a'), 0);
    m.ban('b', 1000, 'manual');
    assert.ok(m.unban('b'));
    assert.equal(m.unban('b'), false);
    // maxTrackedPeers 3: the oldest score goes first
    for (const p of ['p1', 'p2', 'p3', 'p4']) m.misbehave(p, 'rate-limited');
    assert.equal(m.score('p1'), 0);
    assert.equal(m.score('p4'), 1);
    // maxBans 2: the ban that ends first goes
    m.ban('x', 10);
    m.ban('y', 1000);
    m.ban('z', 500);
    assert.deepEqual(
      m.listBanned().map((e) => e.peerId),
      ['z', 'y'],
    );
  });
});
