/**
 * `qenex rpc`'s argument table (node/cli/rpcParams.ts) is the node's own parameter schemas, as
 * bitcoin-cli's conversion table is checked against bitcoind's (Bitcoin Core's rpc_help.py).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { RPC_PARAM_KINDS } from '../../../../node/cli/rpcParams.js';
import { parseArgs } from '../../../../node/config/index.js';
import { createNode } from '../../../../node/createNode.js';
import { amountSchema, hashHexSchema, paramKind } from '../../../../node/rpc/index.js';

describe("qenex rpc's parameter table", () => {
  it('a parameter is passed as typed when its schema takes strings only, else as JSON', () => {
    assert.equal(paramKind(z.string()), 'string');
    assert.equal(paramKind(z.enum(['add', 'remove'])), 'string');
    assert.equal(paramKind(hashHexSchema), 'string');
    assert.equal(paramKind(z.number().int()), 'json');
    assert.equal(paramKind(z.union([z.boolean(), z.number()])), 'json');
    assert.equal(paramKind(amountSchema), 'json');
    assert.equal(paramKind(z.array(z.string())), 'json');
  });

  it('equals the node registry’s schemas (regenerate: npx tsx --import ./node/polyfill.ts scripts/rpcParams.ts)', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'qenex-rpcparams-'));
    try {
      const opts = parseArgs({ network: 'devnet', datadir, rpcPort: 0, p2pPort: 0 }, { homedir: datadir });
      // constructed, not started: every method is registered
      const node = createNode(opts, { logOutput: { write: () => {} } });
      const kinds = node.rpc.registry.paramKinds();
      // the chain database opens itself on construction
      await node.db.close();
      assert.deepEqual({ ...RPC_PARAM_KINDS }, kinds);
    } finally {
      await rm(datadir, { recursive: true, force: true });
    }
  });

  it('is a plain table: the CLI loads nothing of the node for it', async () => {
    const source = await readFile(new URL('../../../../node/cli/rpcParams.ts', import.meta.url), 'utf8');
    assert.doesNotMatch(source, /^import /m);
  });
});
