/** Starts real qenex nodes (in-process) on temp data dirs and free loopback ports. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliFlags, parseArgs } from '../../node/config/index.js';
import { createNode, type NodeDeps, type QenexNode } from '../../node/createNode.js';
import { silentLogger } from '../../node/logger.js';

export interface TestNode {
  node: QenexNode;
  datadir: string;
  close(): Promise<void>;
}

/** `deps` overrides the node's (default: a silent logger). */
export async function startTestNode(flags: Partial<CliFlags> = {}, deps: NodeDeps = {}): Promise<TestNode> {
  const datadir = await mkdtemp(join(tmpdir(), 'qenex-test-'));
  const opts = parseArgs(
    { network: 'devnet', datadir, rpcPort: 0, p2pPort: 0, ...flags },
    { homedir: datadir },
  );
  const node = createNode(opts, { logger: silentLogger, ...deps });
  await node.start();
  return {
    node,
    datadir,
    async close() {
      await node.stop();
      await rm(datadir, { recursive: true, force: true });
    },
  };
}
