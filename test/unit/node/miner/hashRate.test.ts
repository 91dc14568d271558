import { strict as assert } from 'node:assert';
import { HashRateMeter } from '../../../../node/miner/index.js';

describe('node/miner HashRateMeter', () => {
  it('is 0 before any report and right after reset', () => {
    const m = new HashRateMeter({ windowMs: 10_000 });
    m.reset(1000);
    assert.equal(m.rate(1000), 0);
    assert.equal(m.rate(5000), 0);
    m.add(500, 5000);
    m.reset(6000);
    assert.equal(m.rate(7000), 0);
  });

  it('measures over the time since reset until the window is full', () => {
    const m = new HashRateMeter({ windowMs: 10_000 });
    m.reset(0);
    // 1,000 hashes every 100 ms: 10,000 hashes a second
    for (let t = 100; t <= 2000; t += 100) m.add(1000, t);
    assert.equal(m.rate(2000), 10_000);
    for (let t = 2100; t <= 30_000; t += 100) m.add(1000, t);
    assert.equal(m.rate(30_050), 10_000);
  });

  it('forgets reports older than the window: the rate falls when the hashing stops', () => {
    const m = new HashRateMeter({ windowMs: 10_000 });
    m.reset(0);
    for (let t = 100; t <= 20_000; t += 100) m.add(1000, t);
    assert.equal(m.rate(25_050), 5000, 'half the window without reports');
    assert.equal(m.rate(30_001), 0);
  });

  it('keeps fractions of a hash per second (a devnet miner hashes a few times a second)', () => {
    const m = new HashRateMeter({ windowMs: 10_000 });
    m.reset(0);
    m.add(3, 4000);
    assert.equal(m.rate(10_000), 0.3);
  });
});
