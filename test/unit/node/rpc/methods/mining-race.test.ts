/**
 * generatetoaddress on a node that also mines (--mine), called several times at once: the calls
 * race the node's miner and each other for the tip. A block that loses the race must be mined again
 * on the new tip (or the call must fail with a clear block-submission error), never surface as an
 * internal error (-32603) and never be logged at error level.
 */
import { strict as assert } from 'node:assert';
import { devnetParams } from '../../../../../consensus/index.js';
import type { Logger } from '../../../../../node/logger.js';
import { RpcClient, RpcError } from '../../../../../node/rpc/index.js';
import { encodeAddress } from '../../../../../wallet/index.js';
import { keyPair } from '../../../../utils/chainBuilder.js';
import { startTestNode, type TestNode } from '../../../../utils/node.js';

const minerAddr = encodeAddress(keyPair('race-miner').pkh, devnetParams);
const callerAddr = encodeAddress(keyPair('race-caller').pkh, devnetParams);

/** Keeps error and fatal records; everything else is dropped. */
function errorRecorder(): Logger & { errors: unknown[] } {
  const errors: unknown[] = [];
  const noop = (): void => {};
  const keep = (...args: unknown[]): void => {
    errors.push(args);
  };
  const logger: Logger & { errors: unknown[] } = {
    errors,
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: keep,
    fatal: keep,
    child: () => logger,
  };
  return logger;
}

describe('generatetoaddress racing the node’s own miner', function () {
  this.timeout(120_000);
  let t: TestNode;
  let rpc: RpcClient;
  const log = errorRecorder();

  before(async () => {
    t = await startTestNode({ mine: true, address: minerAddr }, { logger: log });
    rpc = new RpcClient({ url: t.node.rpc.url, cookieFile: t.node.rpc.cookieFile! });
  });
  after(async () => {
    await t?.close();
  });

  it('every call returns blocks on the best chain or a clear -25, never -32603', async () => {
    const blocksFound = async () =>
      ((await rpc.call('getmininginfo')) as { blocksfound: number }).blocksfound;
    const end = Date.now() + 30_000;
    while ((await blocksFound()) === 0) {
      assert.ok(Date.now() < end, 'the node’s miner found no block');
      await new Promise((r) => setTimeout(r, 100));
    }
    const mined: string[] = [];
    const failures: RpcError[] = [];
    for (let round = 0; round < 8; round++) {
      const calls = Array.from({ length: 3 }, () => rpc.call('generatetoaddress', [2, callerAddr]));
      for (const r of await Promise.allSettled(calls)) {
        if (r.status === 'fulfilled') mined.push(...(r.value as string[]));
        else if (r.reason instanceof RpcError) failures.push(r.reason);
        else throw r.reason;
      }
    }
    for (const f of failures) {
      assert.equal(f.rpcCode, -25, f.message);
      assert.match(f.message, /lost the race for the tip/);
      assert.ok(Array.isArray((f.data as { blocks: unknown }).blocks));
    }
    assert.ok(mined.length >= 2 * 3 * 8 - 2 * failures.length, `${mined.length} blocks`);
    for (const hash of mined) {
      const h = (await rpc.call('getblockheader', [hash])) as { confirmations: number };
      assert.ok(h.confirmations >= 1, `${hash} is on the best chain`);
    }
    assert.ok((await blocksFound()) > 0);
    assert.deepEqual(log.errors, [], 'nothing logged at error level');
  });
});
