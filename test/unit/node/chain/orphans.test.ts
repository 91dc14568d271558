import { strict as assert } from 'node:assert';
import { toHex } from '../../../../consensus/index.js';
import { OrphanPool } from '../../../../node/chain/orphans.js';
import { TestChain } from '../../../utils/chainBuilder.js';
import { P } from './helpers.js';

describe('node/chain OrphanPool', () => {
  const tc = new TestChain(P);
  const blocks = Array.from({ length: 6 }, (_, i) => tc.buildBlock({ time: tc.tip.time + 1 + i }));
  const size = blocks[0]!.size;

  it('evicts the oldest beyond the count limit', () => {
    const pool = new OrphanPool({ maxOrphans: 3, maxOrphanBytes: 1e9, orphanExpirySeconds: 1e9 });
    for (const b of blocks.slice(0, 3)) assert.deepEqual(pool.add(b, 'peer', 0), []);
    assert.deepEqual(pool.add(blocks[3]!, 'peer', 0), [toHex(blocks[0]!.hash)]);
    assert.equal(pool.size, 3);
    assert.ok(!pool.has(toHex(blocks[0]!.hash)));
    assert.ok(pool.has(toHex(blocks[3]!.hash)));
  });

  it('evicts the oldest beyond the byte limit and refuses a block larger than the limit', () => {
    const pool = new OrphanPool({ maxOrphans: 100, maxOrphanBytes: size * 2, orphanExpirySeconds: 1e9 });
    pool.add(blocks[0]!, undefined, 0);
    pool.add(blocks[1]!, undefined, 0);
    assert.equal(pool.bytes, size * 2);
    assert.deepEqual(pool.add(blocks[2]!, undefined, 0), [toHex(blocks[0]!.hash)]);
    assert.equal(pool.bytes, size * 2);
    const tiny = new OrphanPool({ maxOrphans: 100, maxOrphanBytes: size - 1, orphanExpirySeconds: 1e9 });
    assert.deepEqual(tiny.add(blocks[0]!, undefined, 0), [toHex(blocks[0]!.hash)]);
    assert.equal(tiny.size, 0);
  });

  it('expires old orphans and hands out the children of a parent', () => {
    const pool = new OrphanPool({ maxOrphans: 100, maxOrphanBytes: 1e9, orphanExpirySeconds: 60 });
    pool.add(blocks[0]!, 'a', 100);
    pool.add(blocks[1]!, 'b', 150);
    assert.deepEqual(pool.expire(161), [toHex(blocks[0]!.hash)]);
    assert.equal(pool.size, 1);
    // All test blocks share the same parent (the genesis block).
    const children = pool.takeChildren(toHex(blocks[1]!.block.header.prevHash));
    assert.deepEqual(
      children.map((o) => [toHex(o.block.hash), o.source]),
      [[toHex(blocks[1]!.hash), 'b']],
    );
    assert.equal(pool.size, 0);
    assert.equal(pool.bytes, 0);
    assert.deepEqual(pool.takeChildren(toHex(blocks[1]!.block.header.prevHash)), []);
  });
});
