import { strict as assert } from 'node:assert';
import { PeerRateLimiter, TokenBucket } from '../../../p2p/index.js';

describe('p2p rate limits', () => {
  it('token bucket: burst, then refill at the rate', () => {
    const b = new TokenBucket({ perSecond: 2, burst: 3 }, 0);
    assert.ok(b.take(1, 0) && b.take(1, 0) && b.take(1, 0));
    assert.equal(b.take(1, 0), false);
    assert.equal(b.take(1, 499), false);
    assert.ok(b.take(1, 500));
    assert.equal(b.take(2, 1000), false);
    assert.ok(b.take(1, 1000));
    // never above the burst
    assert.equal(b.take(4, 100_000), false);
    assert.ok(b.take(3, 100_000));
  });

  it('per peer and per channel, bounded, forgotten on disconnect', () => {
    const clock = { now: 0 };
    const l = new PeerRateLimiter(
      { status: { perSecond: 1, burst: 1 }, blocks: { perSecond: 10, burst: 10 } },
      { clock: () => clock.now },
      2,
    );
    assert.ok(l.take('a', 'status'));
    assert.equal(l.take('a', 'status'), false);
    assert.ok(l.take('a', 'blocks', 10));
    assert.equal(l.take('a', 'blocks', 1), false);
    assert.ok(l.take('b', 'status'));
    l.forget('a');
    assert.ok(l.take('a', 'status'));
    l.take('c', 'status');
    assert.equal(l.trackedPeers, 2);
  });

  it('a cost charged afterwards may put the bucket in debt, paid back at the rate', () => {
    const b = new TokenBucket({ perSecond: 100, burst: 200 }, 0);
    assert.ok(b.inCredit(0));
    b.charge(500, 0); // a response larger than the whole burst: served, then owed
    assert.equal(b.inCredit(0), false);
    assert.equal(b.inCredit(2999), false, '300 still owed after 3 s less a ms');
    assert.ok(b.inCredit(3001));
    const clock = { now: 0 };
    const l = new PeerRateLimiter({ blocks: { perSecond: 1000, burst: 1000 } }, { clock: () => clock.now });
    l.charge('a', 'blocks', 1500);
    assert.equal(l.inCredit('a', 'blocks'), false);
    assert.ok(l.inCredit('b', 'blocks'), 'per peer');
    clock.now = 600;
    assert.ok(l.inCredit('a', 'blocks'));
  });
});
