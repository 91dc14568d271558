/**
 * Three in-process nodes that mine and train: their signed deltas are gossiped, aggregated by
 * the miners into model updates, verified by every node, and the chain model's accuracy on data
 * nobody trains on (the evaluator's heldOut at math level 0: held-out corpus positions and a fixed
 * seed's math tasks, the domains weighed 3 : 1 as in a block's evaluation sample) rises over the
 * blocks.
 */
import { strict as assert } from 'node:assert';
import { devnetParams, fromHex, toHex } from '../../consensus/index.js';
import { runAiImprovements, runAiStatus } from '../../node/cli/index.js';
import type { ChainEntry } from '../../node/db/index.js';
import { RpcClient, readCookieFile } from '../../node/rpc/index.js';
import type { NetworkModel, ShardSpec } from '../../training/index.js';
import { initialNetworkModel, networkEvaluator, networkModelHash } from '../../training/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { trainCentrally } from '../utils/centralTraining.js';
import { keyPair } from '../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../utils/node.js';
import { waitFor } from '../utils/proc.js';

const addrOf = (n: TestNode) => n.node.p2p.multiaddrs.find((a) => a.includes('127.0.0.1'))!;
/** Weights of the domains (lm, math) in a block's evaluation sample. */
const WEIGHTS = [0.75, 0.25];
/** Largest gap (points of weighted held-out accuracy) the chain may trail central training by. */
const MAX_GAP = 0.12;
/** Update blocks the test waits for: compressed deltas need a few short rounds to catch up. */
const UPDATES = 5;

function byDomain(model: unknown): number[] {
  return networkEvaluator.heldOut(model as NetworkModel, [0]).map((d) => d.correct / d.total);
}

function accuracy(model: unknown): number {
  return byDomain(model).reduce((s, a, i) => s + WEIGHTS[i]! * a, 0);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * The chain model at `tip`, rebuilt from the genesis model by applying each block's model
 * update, and the training samples behind it (the sum of every update's contributor counts).
 */
async function replayUpdates(
  n: TestNode,
  tip: ChainEntry,
): Promise<{ model: NetworkModel; samples: number; updates: string[] }> {
  const path: ChainEntry[] = [];
  for (let e: ChainEntry | undefined = tip; e && e.height > 0; e = n.node.chain.getEntry(e.prevHash))
    path.push(e);
  let model = initialNetworkModel();
  let samples = 0;
  const updates: string[] = [];
  for (const e of path.reverse()) {
    const u = (await n.node.chain.getBlock(e.hash))!.update;
    if (!u) continue;
    if (u.grow !== null) {
      model = networkEvaluator.grow(model, u.grow)!;
      continue;
    }
    model = networkEvaluator.combine(
      model,
      u.contributions.map((c) => c.delta),
      u.rule,
    ).model;
    for (const c of u.contributions) samples += c.samples;
    updates.push(`${e.height}:[${u.contributions.map((c) => c.samples).join(',')}]`);
  }
  assert.equal(toHex(networkModelHash(model)), toHex(tip.modelHash), 'replayed updates give the chain model');
  return { model, samples, updates };
}

function improvements(n: TestNode): number[] {
  const out: number[] = [];
  for (let h = 1; h <= n.node.chain.tip.height; h++) {
    const e = n.node.chain.getEntryByHeight(h)!;
    if (e.improvementPpm > 0) out.push(h);
  }
  return out;
}

describe('e2e: training network (3 nodes mining and training)', function () {
  this.timeout(240_000);
  const nodes: TestNode[] = [];
  after(async () => {
    for (const n of nodes.splice(0)) await n.close();
  });

  it("gossiped deltas become verified model updates and the chain model's held-out accuracy rises", async () => {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startTestNode({
          train: true,
          trainCpuShare: 0.3, // three trainers share the 2-core machine with three miners
          // short rounds: a compressed delta carries most of a short round's learning (the rest
          // waits in error feedback), little of a long one's (docs/training.md)
          deltaInterval: 1_000,
          mine: true,
          address: encodeAddress(keyPair(`trainer-${i}`).pkh, devnetParams),
        }),
      );
    }
    for (let i = 1; i < nodes.length; i++) {
      await nodes[i]!.node.p2p.connect(addrOf(nodes[i - 1]!));
    }
    const a = nodes[0]!;
    // the genesis model (not the tip's: with fast trainers an update can land before this line)
    const genesisModel = initialNetworkModel();
    assert.equal(toHex(networkModelHash(genesisModel)), toHex(a.node.chain.getEntryByHeight(0)!.modelHash));
    const initial = accuracy(genesisModel);
    const updated = await waitFor(
      async () => {
        const hs = improvements(a);
        return hs.length >= UPDATES ? hs : false;
      },
      90_000,
      `${UPDATES} model updates on the best chain`,
    );
    const final = accuracy(a.node.chain.getTipModel());
    console.log(
      `      held-out accuracy ${pct(initial)} -> ${pct(final)} (lm, math ${byDomain(a.node.chain.getTipModel()).map(pct).join(', ')}) after updates at heights ${updated.join(', ')} (tip ${a.node.chain.tip.height})`,
    );
    // measured: 3.3% -> 48.5–53.1% after two updates
    assert.ok(final > initial + 0.3, `accuracy rose: ${initial} -> ${final}`);
    // every node verified the same model updates (they converge on one chain model)
    await waitFor(
      async () => new Set(nodes.map((n) => toHex(n.node.chain.tip.modelHash))).size === 1 || false,
      30_000,
      'nodes agree on the chain model',
    );

    // the training RPCs report the same story
    const rpc = new RpcClient({ url: a.node.rpc.url, cookieFile: a.node.rpc.cookieFile! });
    const info = (await rpc.call('gettraininginfo')) as {
      running: boolean;
      deltassent: number;
      deltasreceived: number;
      lastimprovement: { height: number; ppm: number } | null;
      localaccuracy: Record<string, { accuracy: number }> | null;
    };
    assert.equal(info.running, true);
    assert.ok(info.deltassent >= 1 && info.deltasreceived >= info.deltassent);
    assert.ok(info.lastimprovement && info.lastimprovement.ppm > 0);
    assert.deepEqual(Object.keys(info.localaccuracy ?? {}), ['lm', 'math']);
    const imps = (await rpc.call('getimprovements', [5])) as Array<{
      height: number;
      hash: string;
      improvementppm: number;
      contributions: Array<{ address: string; samples: number }>;
    }>;
    assert.ok(imps.length >= 2);
    assert.ok(imps.every((i) => i.improvementppm > 0 && i.contributions.length >= 1));
    for (let k = 1; k < imps.length; k++) assert.ok(imps[k]!.height < imps[k - 1]!.height, 'newest first');
    // every listed block is an update block, at the height listed, with the improvement it
    // measured (checked by hash: the three miners race at the tip, so the best chain may have
    // reorganised since the call)…
    for (const i of imps) {
      const e = a.node.chain.getEntry(fromHex(i.hash));
      assert.ok(e, `block ${i.hash} is known`);
      assert.equal(e.height, i.height);
      assert.equal(i.improvementppm, e.improvementPpm, `height ${i.height} carries an update`);
    }
    // …and, unless a reorganisation replaced one of them meanwhile, they are the best chain's
    const onBest = imps.filter(
      (i) => toHex(a.node.chain.getEntryByHeight(i.height)?.hash ?? new Uint8Array()) === i.hash,
    );
    const nowUpdated = new Set(improvements(a));
    for (const i of onBest) assert.ok(nowUpdated.has(i.height), `height ${i.height} carries an update`);
    assert.ok(onBest.length >= 1, 'the listed update blocks are on the best chain');
    await assert.rejects(rpc.call('submitdelta', ['00ff']), /delta rejected/);

    // and so do `qenex ai status` / `qenex ai improvements --last 2`
    const cookie = (await readCookieFile(a.node.rpc.cookieFile!))!;
    const endpoint = { url: a.node.rpc.url, user: cookie.user, password: cookie.password, timeoutMs: 10_000 };
    let out = '';
    const write = (t: string): void => {
      out += t;
    };
    const io = { out: write, err: write };
    await runAiStatus(a.node.opts, io, { endpoint });
    const status = JSON.parse(out) as {
      model: { modelversion: number; domains: Array<{ domain: string }> };
      training: { running: boolean };
    };
    assert.equal(status.model.modelversion, 2);
    assert.deepEqual(
      status.model.domains.map((d) => d.domain),
      ['lm', 'math'],
    );
    assert.ok(status.training.running);
    out = '';
    await runAiImprovements(a.node.opts, 2, io, { endpoint });
    assert.equal((JSON.parse(out) as unknown[]).length, 2);

    // Federated vs central: the chain model against the same model trained centrally on the
    // three nodes' shards, from the initial model, for as many samples as the chain's verified
    // updates report (their contributors' sample counts summed).
    const shards: ShardSpec[] = nodes.map((n) => n.node.training!.shard);
    const chain = await replayUpdates(a, a.node.chain.tip);
    for (const n of nodes.splice(0)) await n.close(); // free the cores for the central run
    assert.ok(chain.updates.length >= 2 && chain.samples > 0);
    const t0 = performance.now();
    const central = trainCentrally(genesisModel, shards, chain.samples);
    const centralMs = performance.now() - t0;
    const chainAcc = accuracy(chain.model);
    const centralAcc = accuracy(central);
    console.log(
      `      chain (federated, updates height:[samples] ${chain.updates.join(' ')}; shards ${shards.map((s) => `${s.index}/${s.count}`).join(' ')}) ${pct(chainAcc)} (lm, math ${byDomain(chain.model).map(pct).join(', ')}) vs central on the same shards ${pct(centralAcc)} (${byDomain(central).map(pct).join(', ')}), ${chain.samples} samples each (central run ${(centralMs / 1000).toFixed(1)} s)`,
    );
    assert.ok(centralAcc > initial + 0.3, `central training improves: ${initial} -> ${centralAcc}`);
    // Measured over 5 runs: the chain trails central by 5.6–8.4 points (language 1.5–3.9, math
    // 14–23: two updates, each averaging the nodes' deltas, give about one node's math progress;
    // see federated.test.ts).
    assert.ok(
      centralAcc - chainAcc <= MAX_GAP,
      `chain ${chainAcc} within ${100 * MAX_GAP} points of central ${centralAcc}`,
    );
  });
});
