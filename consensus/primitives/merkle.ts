/**
 * Merkle root over a block's contents.
 *
 * Bitcoin pairs an odd last node with itself, so the lists [a,b,c] and [a,b,c,c] share a root
 * (CVE-2012-2459). Here an odd last node is carried up unchanged instead, leaves and inner nodes
 * are domain-separated by tagged hashes (a leaf can never be mistaken for an inner node, which also
 * closes the 64-byte-transaction ambiguity), and the leaf count is committed in the final root.
 * Two different leaf lists therefore cannot produce the same root short of a sha256 collision.
 */
import { type Hash, taggedHash } from './hash.js';

const LEAF_TAG = 'qenex/merkle-leaf';
const UPDATE_LEAF_TAG = 'qenex/merkle-update-leaf';
const NODE_TAG = 'qenex/merkle-node';
const ROOT_TAG = 'qenex/merkle-root';

export function merkleLeaf(id: Hash): Hash {
  return taggedHash(LEAF_TAG, id);
}

/** The model update a block carries is a leaf of its own kind, after the transactions. */
export function merkleUpdateLeaf(updateId: Hash): Hash {
  return taggedHash(UPDATE_LEAF_TAG, updateId);
}

export function merkleRootOfLeaves(leaves: readonly Hash[]): Hash {
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, leaves.length, true);
  if (leaves.length === 0) return taggedHash(ROOT_TAG, count);
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      next.push(right === undefined ? left : taggedHash(NODE_TAG, left, right));
    }
    level = next;
  }
  return taggedHash(ROOT_TAG, count, level[0]!);
}

/** Root committed in the header: every transaction's wtxid, then the update id if present. */
export function blockMerkleRoot(wtxids: readonly Hash[], updateId: Hash | null): Hash {
  const leaves = wtxids.map(merkleLeaf);
  if (updateId) leaves.push(merkleUpdateLeaf(updateId));
  return merkleRootOfLeaves(leaves);
}
