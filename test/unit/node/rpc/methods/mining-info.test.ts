/**
 * getmininginfo's local hash rate on a real in-process devnet node: what the node's miner measured
 * over its last 10 s (Miner.status().hashrate), not a figure derived from the difficulty.
 */
import { strict as assert } from 'node:assert';
import { devnetParams } from '../../../../../consensus/index.js';
import { RpcClient } from '../../../../../node/rpc/index.js';
import { encodeAddress } from '../../../../../wallet/index.js';
import { keyPair } from '../../../../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../../../utils/node.js';

const minerAddr = encodeAddress(keyPair('hashrate-miner').pkh, devnetParams);

interface MiningInfo {
  readonly mining: boolean;
  readonly localhashps: number;
  readonly blocksfound: number;
}

describe('getmininginfo: the local hash rate', function () {
  this.timeout(120_000);
  const nodes: TestNode[] = [];

  async function start(mine: boolean): Promise<{ t: TestNode; info: () => Promise<MiningInfo> }> {
    const t = await startTestNode(mine ? { mine: true, address: minerAddr } : {});
    nodes.push(t);
    const rpc = new RpcClient({ url: t.node.rpc.url, cookieFile: t.node.rpc.cookieFile! });
    return { t, info: async () => (await rpc.call('getmininginfo')) as MiningInfo };
  }

  afterEach(async () => {
    await Promise.all(nodes.map((t) => t.close()));
    nodes.length = 0;
  });

  it('is above 0 while the node mines, and 0 once it stopped', async () => {
    const { t, info } = await start(true);
    const end = Date.now() + 30_000;
    while ((await info()).blocksfound < 2) {
      assert.ok(Date.now() < end, 'the node’s miner found no block');
      await new Promise((r) => setTimeout(r, 100));
    }
    const mining = await info();
    assert.equal(mining.mining, true);
    assert.ok(mining.localhashps > 0, `localhashps ${mining.localhashps}`);
    await t.node.miner!.stop();
    const stopped = await info();
    assert.equal(stopped.mining, false);
    assert.equal(stopped.localhashps, 0);
  });

  it('is 0 on a node that does not mine', async () => {
    const { info } = await start(false);
    const i = await info();
    assert.equal(i.mining, false);
    assert.equal(i.localhashps, 0);
  });
});
