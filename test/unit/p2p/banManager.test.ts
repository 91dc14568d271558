import { strict as assert } from 'node:assert';
import { BanManager } from '../../../p2p/index.js';
import { parseIp, parseSubnet } from '../../../p2p/subnet.js';

const HOUR = 3_600_000;

function manager(
  clock: { now: number },
  over: Partial<ConstructorParameters<typeof BanManager>[0]> = {},
  onChange?: () => void,
) {
  return new BanManager(
    {
      banThreshold: 100,
      banDurationMs: 24 * HOUR,
      scoreDecayPerHour: 10,
      maxTrackedPeers: 3,
      maxBans: 2,
      ...over,
    },
    { clock: () => clock.now, ...(onChange ? { onChange } : {}) },
  );
}

const ip = (s: string) => parseIp(s)!;

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

  it('bans until an absolute time exactly, whatever the clock reads when it is set', () => {
    const clock = { now: 1_700_000_000_999 };
    const m = manager(clock, { maxBans: 10 });
    assert.equal(m.ban('p', { untilMs: 1_700_000_100_000 }).until, 1_700_000_100_000);
    assert.equal(
      m.banSubnet(parseSubnet('10.0.0.0/8'), { untilMs: 1_700_000_200_000 }).until,
      1_700_000_200_000,
    );
    assert.equal(m.ban('q', 1000).until, 1_700_000_001_999, 'a number is a duration from now');
    clock.now = 1_700_000_100_000;
    assert.equal(m.isBanned('p'), false, 'ended at its time');
  });

  it('bans subnets: an address is banned while any banned subnet covers it', () => {
    const clock = { now: 0 };
    const m = manager(clock, { maxBans: 10 });
    assert.equal(m.isAddressBanned(ip('10.1.2.3')), false);
    m.banSubnet(parseSubnet('10.1.0.0/16'), 1000, 'manual');
    m.banSubnet(parseSubnet('10.1.2.3'), 5000, 'manual');
    assert.equal(m.addressBan(ip('10.1.2.3'))?.subnet, '10.1.2.3/32', 'the ban that ends last');
    assert.equal(m.addressBan(ip('10.1.9.9'))?.subnet, '10.1.0.0/16');
    assert.equal(m.isAddressBanned(ip('10.2.0.1')), false);
    assert.equal(m.isAddressBanned(ip('::ffff:10.1.9.9')), true);
    clock.now = 1000;
    assert.equal(m.isAddressBanned(ip('10.1.9.9')), false, 'expired');
    assert.deepEqual(
      m.listBannedSubnets().map((e) => e.subnet),
      ['10.1.2.3/32'],
    );
    assert.equal(m.unbanSubnet(parseSubnet('10.1.2.0/24')), false);
    assert.equal(m.unbanSubnet(parseSubnet('10.1.2.3/32')), true);
    assert.equal(m.isAddressBanned(ip('10.1.2.3')), false);
  });

  it("a banned peer's addresses: the exact address and its netgroup, never an exempt one, never shortened", () => {
    const clock = { now: 0 };
    const m = manager(clock, { maxBans: 10, exempt: [parseSubnet('127.0.0.0/8')] });
    const added = m.banAddresses([ip('203.0.113.7'), ip('127.0.0.1'), ip('2001:db8:1:2::9')], 500, 'x');
    assert.deepEqual(
      added.map((e) => e.subnet),
      ['203.0.113.7/32', '203.0.113.0/24', '2001:db8:1:2::9/128', '2001:db8:1::/48'],
    );
    assert.ok(m.isAddressBanned(ip('203.0.113.200')), 'a neighbour in the /24');
    assert.ok(m.isAddressBanned(ip('2001:db8:1:ffff::1')), 'a neighbour in the /48');
    assert.equal(m.isAddressBanned(ip('127.0.0.1')), false);
    assert.ok(m.isExempt(ip('127.0.0.1')));
    m.banSubnet(parseSubnet('203.0.113.0/24'), 10_000, 'manual');
    assert.deepEqual(
      m.banAddresses([ip('203.0.113.7')], 600, 'again').map((e) => e.subnet),
      ['203.0.113.7/32'],
      "the operator's longer netgroup ban stays as it is",
    );
  });

  it('snapshots and restores both lists; expired entries are not restored; changes are signalled', () => {
    const clock = { now: 100 };
    let changes = 0;
    const m = manager(clock, { maxBans: 10 }, () => changes++);
    m.ban('p', 1000, 'manual');
    m.banSubnet(parseSubnet('10.0.0.0/8'), 50, 'short');
    m.banSubnet(parseSubnet('1.2.3.4'), 1000, 'long');
    assert.equal(changes, 3);
    const snap = m.snapshot();
    clock.now = 200;
    const r = manager(clock, { maxBans: 10 });
    r.restore(snap);
    assert.deepEqual(r.listBanned(), [{ peerId: 'p', reason: 'manual', createdAt: 100, until: 1100 }]);
    assert.deepEqual(r.listBannedSubnets(), [
      { subnet: '1.2.3.4/32', reason: 'long', createdAt: 100, until: 1100 },
    ]);
    assert.ok(r.isAddressBanned(ip('1.2.3.4')));
    m.clear();
    assert.equal(changes, 4);
    assert.equal(m.unban('nobody'), false);
    assert.equal(changes, 4, 'nothing changed, nothing to save');
  });
});
