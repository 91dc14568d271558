/**
 * A mining node turns pooled deltas from three contributors into model updates that carry their
 * signed contributions and claim the improvement bonus; the next block pays the contributors by
 * measured credit; a fresh node that joins later syncs the chain, re-verifies every update and
 * ends on the same model hash and the same payouts.
 */
import { strict as assert } from 'node:assert';
import {
  blockReward,
  contributorPool,
  devnetParams,
  improvementBonus,
  toHex,
} from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair } from '../utils/chainBuilder.js';
import { trainedSignedDelta } from '../utils/deltas.js';
import { startTestNode, type TestNode } from '../utils/node.js';
import { waitFor } from '../utils/proc.js';

const addrOf = (n: TestNode) => n.node.p2p.multiaddrs.find((a) => a.includes('127.0.0.1'))!;
const contributors = [1, 2, 3].map((i) => keyPair(`model-sync contributor ${i}`));

/** Each contributor trains 800 samples on its own shard from the tip model and pools a signed delta. */
function poolDeltas(n: TestNode, round: number): void {
  contributors.forEach((k, i) => {
    const shard = { index: i, count: 3 };
    const seed = `model-sync/${round}/${i}`;
    n.node.deltaPool.add(trainedSignedDelta(n.node, { shard, seed, samples: 800, secretKey: k.sk }));
  });
}

function updateHeights(n: TestNode): number[] {
  const out: number[] = [];
  for (let h = 1; h <= n.node.chain.tip.height; h++) {
    if (n.node.chain.getEntryByHeight(h)!.improvementPpm > 0) out.push(h);
  }
  return out;
}

describe('e2e: model updates pay contributors and a late joiner syncs the model', function () {
  this.timeout(120_000);
  const nodes: TestNode[] = [];
  after(async () => {
    for (const n of nodes.splice(0)) await n.close();
  });

  it('mines two updates with contributor payouts; a fresh node syncs to the same model hash', async () => {
    const miner = keyPair('model-sync miner');
    const a = await startTestNode({ mine: true, address: encodeAddress(miner.pkh, devnetParams) });
    nodes.push(a);
    for (let round = 0; updateHeights(a).length < 2; round++) {
      assert.ok(round < 6, 'two updates within six rounds of deltas');
      const before = toHex(a.node.chain.tip.modelHash);
      poolDeltas(a, round);
      await waitFor(
        async () => toHex(a.node.chain.tip.modelHash) !== before || false,
        30_000,
        'the miner includes an update',
      );
    }
    const heights = updateHeights(a);

    await waitFor(
      async () => a.node.chain.tip.height > heights.at(-1)!,
      30_000,
      'a block after the last update',
    );
    // every update block claims a bonus less the contributors' pool; the next block pays the pool
    // by credit, right after its genesis output
    for (const h of heights) {
      const e = a.node.chain.getEntryByHeight(h)!;
      const block = (await a.node.chain.getBlock(e.hash))!;
      const u = block.update!;
      assert.ok(u.claimedPpm >= devnetParams.minImprovementPpm && u.claimedPpm <= e.improvementPpm);
      const signers = contributors.map((k) => toHex(k.pkh));
      for (const c of u.contributions) assert.ok(signers.includes(toHex(c.payout)));
      const issuedBefore = a.node.chain.getEntryByHeight(h - 1)!.issuedAfter;
      const input = { height: h, improvementPpm: u.claimedPpm, issuedBefore };
      const pool = contributorPool(improvementBonus(input, devnetParams), devnetParams);
      const created = block.txs[0]!.outputs.reduce((t, o) => t + o.value, 0n);
      const owedByParent = a.node.chain.getEntryByHeight(h - 1)!.owed.reduce((t, p) => t + p.value, 0n);
      assert.equal(created - owedByParent, blockReward(input, devnetParams) - pool);
      assert.ok(e.owed.length > 0, `height ${h}: some contribution earned credit`);
      const next = (await a.node.chain.getBlock(a.node.chain.getEntryByHeight(h + 1)!.hash))!;
      const hex = (ps: readonly { pubKeyHash: Uint8Array; value: bigint }[]) =>
        ps.map((p) => `${toHex(p.pubKeyHash)}:${p.value}`);
      assert.deepEqual(hex(next.txs[0]!.outputs.slice(1, 1 + e.owed.length)), hex(e.owed));
      const paid = e.owed.reduce((t, p) => t + p.value, 0n);
      assert.ok(paid <= pool && paid > 0n);
    }

    // a node that was not there syncs the chain and re-verifies every update
    const b = await startTestNode({});
    nodes.push(b);
    await b.node.p2p.connect(addrOf(a));
    await waitFor(
      async () => b.node.chain.tip.height >= heights.at(-1)! || false,
      60_000,
      'the late joiner syncs past the last update',
    );
    const target = b.node.chain.tip.height;
    await waitFor(
      async () => a.node.chain.getEntryByHeight(target) !== undefined,
      10_000,
      'height present on the miner',
    );
    assert.equal(
      toHex(b.node.chain.getEntryByHeight(target)!.hash),
      toHex(a.node.chain.getEntryByHeight(target)!.hash),
    );
    assert.deepEqual(updateHeights(b).slice(0, heights.length), heights);
    for (const h of heights) {
      assert.equal(
        b.node.chain.getEntryByHeight(h)!.improvementPpm,
        a.node.chain.getEntryByHeight(h)!.improvementPpm,
        `height ${h}: both nodes measured the same improvement`,
      );
      const owed = (n: TestNode) =>
        n.node.chain.getEntryByHeight(h)!.owed.map((p) => `${toHex(p.pubKeyHash)}:${p.value}`);
      assert.deepEqual(owed(b), owed(a), `height ${h}: both nodes credit the contributors alike`);
    }
    const bModel = toHex(b.node.chain.getEntryByHeight(heights.at(-1)!)!.modelHash);
    assert.equal(bModel, toHex(a.node.chain.getEntryByHeight(heights.at(-1)!)!.modelHash));
    const claims: string[] = [];
    for (const h of heights) {
      const blk = (await a.node.chain.getBlock(a.node.chain.getEntryByHeight(h)!.hash))!;
      claims.push(`${blk.update!.claimedPpm}/${a.node.chain.getEntryByHeight(h)!.improvementPpm}`);
    }
    console.log(
      `      updates at heights ${heights.join(', ')} (claimed/measured ppm: ${claims.join(', ')}); late joiner synced to ${target}, model ${bModel.slice(0, 16)}…`,
    );
  });
});
