import { strict as assert } from 'node:assert';
import {
  checkProofOfWork,
  computeMerkleRoot,
  genesisBlock,
  NETWORKS,
  toHex,
  ZERO_HASH,
} from '../../../../consensus/index.js';
import { initialNetworkModel, networkModelHash } from '../../../../training/index.js';

describe('network params and genesis blocks', () => {
  for (const params of Object.values(NETWORKS)) {
    it(`${params.name}: genesis hash, proof of work and merkle root re-verify`, () => {
      const g = genesisBlock(params);
      assert.equal(toHex(g.hash), params.genesis.hash);
      checkProofOfWork(g.hash, g.block.header.bits, params.powLimitBits);
      assert.deepEqual(g.block.header.prevHash, ZERO_HASH);
      assert.deepEqual(computeMerkleRoot(g), g.block.header.merkleRoot);
      assert.equal(g.block.header.bits, params.powLimitBits);
    });
    it(`${params.name}: genesis commits to the evaluator's initial model`, () => {
      assert.deepEqual(params.genesis.modelHash, networkModelHash(initialNetworkModel()));
    });
    it(`${params.name}: params are frozen`, () => {
      assert.ok(Object.isFrozen(params));
      assert.throws(() => {
        (params as { maxBlockSize: number }).maxBlockSize = 1;
      });
    });
  }
  it('networks have distinct magics, prefixes, ports and genesis hashes', () => {
    const all = Object.values(NETWORKS);
    for (const key of ['magic', 'addressPrefix', 'defaultP2pPort', 'defaultRpcPort'] as const) {
      assert.equal(new Set(all.map((p) => p[key])).size, all.length, key);
    }
    assert.equal(new Set(all.map((p) => p.genesis.hash)).size, all.length);
  });
  it('a changed nonce breaks the genesis proof of work (main)', () => {
    const p = NETWORKS.main;
    const g = genesisBlock({ ...p, genesis: { ...p.genesis, nonce: p.genesis.nonce + 1n } });
    assert.notEqual(toHex(g.hash), p.genesis.hash);
    assert.throws(() => checkProofOfWork(g.hash, g.block.header.bits, p.powLimitBits));
  });
});
