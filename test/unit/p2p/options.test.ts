import { strict as assert } from 'node:assert';
import { DEFAULT_P2P_OPTIONS, P2pError, resolveP2pOptions } from '../../../p2p/index.js';

describe('p2p options', () => {
  it('fills defaults and merges rate limits', () => {
    const o = resolveP2pOptions({
      port: 1234,
      requestLimits: { model: { perSecond: 9, burst: 9 } } as never,
    });
    assert.equal(o.port, 1234);
    assert.equal(o.host, '127.0.0.1');
    assert.equal(o.banDurationMs, 24 * 3_600_000);
    assert.deepEqual(o.requestLimits.model, { perSecond: 9, burst: 9 });
    assert.deepEqual(o.requestLimits.status, DEFAULT_P2P_OPTIONS.requestLimits.status);
    assert.ok(Object.isFrozen(o));
  });

  it('takes announce addresses and a dial-from address', () => {
    assert.deepEqual(DEFAULT_P2P_OPTIONS.announce, []);
    const o = resolveP2pOptions({ announce: ['/ip4/1.2.3.4/tcp/18444'], dialFrom: '127.0.1.5' });
    assert.deepEqual(o.announce, ['/ip4/1.2.3.4/tcp/18444']);
    assert.equal(o.dialFrom, '127.0.1.5');
  });

  it('rejects out-of-range values', () => {
    for (const bad of [
      { port: 70000 },
      { blocksPerRequest: 65 },
      { maxConnectionsPerIp: 0 },
      { banExempt: ['127.0.0.0/33'] },
      { banExempt: ['localhost'] },
      { host: '' },
      { announce: ['not-a-multiaddr'] },
      { announce: ['/ip4/1.2.3.4/tcp/18444/p2p/12D3KooWLP11Z443igtiAECoDKJKEKTbCB6gkuYY9wV8sxt5pNyR'] },
      { dialFrom: 'localhost' },
      // a ping deadline not below the interval: pings would overlap (libp2p closes the connection)
      { pingIntervalMs: 1000, pingTimeoutMs: 1000 },
      { pingTimeoutMs: 60_000 },
    ]) {
      assert.throws(
        () => resolveP2pOptions(bad),
        (e: unknown) => e instanceof P2pError && e.type.code === 'P2P_BAD_OPTIONS',
        JSON.stringify(bad),
      );
    }
  });
});
