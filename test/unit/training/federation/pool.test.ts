import { strict as assert } from 'node:assert';
import { devnetParams, type Hash } from '../../../../consensus/index.js';
import { bcryptoVerifier } from '../../../../node/verify/index.js';
import { FederationError } from '../../../../training/federation/errors.js';
import { DeltaPool } from '../../../../training/federation/pool.js';
import {
  DEFAULT_DELTA_DENSITY,
  encodeDelta,
  encodeSignedDelta,
  initialNetworkModel,
  LocalTrainer,
  networkModelHash,
  signDelta,
} from '../../../../training/index.js';

const base = initialNetworkModel();
const baseHash = networkModelHash(base);
const t = new LocalTrainer({
  shard: { index: 0, count: 1 },
  seed: 'pool-test',
  deltaDensity: DEFAULT_DELTA_DENSITY,
});
t.setBase(base);
t.train(300);
const delta = encodeDelta(t.delta());

function key(n: number): Uint8Array {
  const k = new Uint8Array(32);
  k[31] = n;
  return k;
}

function signed(n: number, samples = 300, against: Hash = baseHash): Uint8Array {
  return encodeSignedDelta(signDelta({ baseModelHash: against, samples, delta }, key(n)));
}

function level(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FederationError, String(e));
    return e.level;
  }
  assert.fail('expected a rejection');
}

describe('DeltaPool', () => {
  let current: Hash;
  let pool: DeltaPool;
  beforeEach(() => {
    current = baseHash;
    pool = new DeltaPool({ maxEntries: 3 }, { params: devnetParams, currentModelHash: () => current });
  });

  it('accepts a valid signed delta once, then ignores the duplicate', async () => {
    assert.equal(await pool.accept(signed(1), 'peer'), 'accept');
    assert.equal(await pool.accept(signed(1), 'peer'), 'ignore');
    const held = pool.deltasFor(baseHash);
    assert.equal(held.length, 1);
    assert.equal(held[0]!.message.samples, 300);
    assert.deepEqual(pool.stats(), { received: 1, rejected: 0, size: 1 });
  });

  it('keeps the newest delta per signer; a delta naming your payout address cannot displace yours', () => {
    pool.add(signed(1, 100));
    pool.add(signed(1, 200));
    const held = pool.deltasFor(baseHash);
    assert.equal(held.length, 1);
    assert.equal(held[0]!.message.samples, 200);
    // key 2 signs a delta paying key 1's default address: held beside key 1's, not instead of it
    const victim = held[0]!.message.contributor;
    pool.add(
      encodeSignedDelta(
        signDelta({ baseModelHash: baseHash, samples: 7, delta, contributor: victim }, key(2)),
      ),
    );
    const both = pool.deltasFor(baseHash);
    assert.deepEqual(
      both.map((v) => v.message.samples),
      [200, 7],
    );
  });

  it('a stale base is a context rejection (not punished)', () => {
    assert.equal(
      level(() => pool.add(signed(1, 300, new Uint8Array(32).fill(7)))),
      'context',
    );
  });

  it('bad signature, garbage and oversized bytes are invalid', () => {
    const bad = signed(2);
    bad[bad.length - 1]! ^= 1;
    assert.equal(
      level(() => pool.add(bad)),
      'invalid',
    );
    assert.equal(
      level(() => pool.add(new Uint8Array([1, 2, 3]))),
      'invalid',
    );
    assert.equal(
      level(() => pool.add(new Uint8Array(2_000_000))),
      'invalid',
    );
    assert.equal(pool.stats().rejected, 3);
    assert.equal(pool.stats().size, 0);
  });

  it("checks signatures with the verifier it is given (a node's native one): same verdicts as noble's", () => {
    const seen: Uint8Array[] = [];
    const native = new DeltaPool(
      {},
      {
        params: devnetParams,
        currentModelHash: () => current,
        verifier: {
          verifySync: (c) => {
            seen.push(c.pubkey);
            return bcryptoVerifier.verifySync(c);
          },
        },
      },
    );
    assert.equal(native.add(signed(3)), true);
    const bad = signed(4);
    bad[bad.length - 1]! ^= 1;
    assert.equal(
      level(() => native.add(bad)),
      'invalid',
    );
    assert.equal(seen.length, 2, 'both signatures went to the given verifier');
    // a verifier that refuses everything refuses a delta noble accepts: the dependency decides
    const refusing = new DeltaPool(
      {},
      { params: devnetParams, currentModelHash: () => current, verifier: { verifySync: () => false } },
    );
    assert.equal(
      level(() => refusing.add(signed(3))),
      'invalid',
    );
  });

  it('is bounded (oldest contributor dropped) and forgets everything when the tip model changes', () => {
    for (let i = 1; i <= 4; i++) pool.add(signed(i));
    assert.equal(pool.deltasFor(baseHash).length, 3);
    assert.equal(pool.deltasFor(new Uint8Array(32)).length, 0);
    current = new Uint8Array(32).fill(1);
    assert.equal(pool.stats().size, 0);
    assert.equal(pool.deltasFor(baseHash).length, 0);
  });
});
