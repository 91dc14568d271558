import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { blockMerkleRoot, merkleRootOfLeaves, sha256d } from '../../../../consensus/index.js';

const leaf = (i: number) => sha256d(Uint8Array.of(i));

describe('merkle root', () => {
  it('is not vulnerable to the duplicated-last-leaf mutation (CVE-2012-2459)', () => {
    for (let n = 1; n <= 9; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      const dup = [...leaves, leaves[n - 1]!];
      assert.notDeepEqual(merkleRootOfLeaves(dup), merkleRootOfLeaves(leaves), `n=${n}`);
      if (n % 2 === 1) {
        // Bitcoin's mutation duplicates the odd last node at every level; none of it may collide.
        const dup2 = [...leaves, leaves[n - 1]!, leaves[n - 1]!];
        assert.notDeepEqual(merkleRootOfLeaves(dup2), merkleRootOfLeaves(leaves));
      }
    }
  });

  it('different leaf lists give different roots', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }),
        (a, b) => {
          const ra = merkleRootOfLeaves(a.map(leaf));
          const rb = merkleRootOfLeaves(b.map(leaf));
          assert.equal(Buffer.from(ra).equals(Buffer.from(rb)), a.join() === b.join());
        },
      ),
    );
  });

  it('commits to the model update separately from transactions', () => {
    const ids = [leaf(1), leaf(2)];
    const u = leaf(3);
    assert.notDeepEqual(blockMerkleRoot(ids, u), blockMerkleRoot([...ids, u], null));
    assert.notDeepEqual(blockMerkleRoot(ids, u), blockMerkleRoot(ids, null));
  });
});
