/** Handlers for the commands that run the node itself. */
import { join } from 'node:path';
import { NETWORKS } from '../../consensus/index.js';
import { networkEvaluator } from '../../training/index.js';
import { Chain } from '../chain/index.js';
import { acquireLock, type NodeOptions } from '../config/index.js';
import { createNode } from '../createNode.js';
import { ChainDb } from '../db/index.js';
import { createLogger } from '../logger.js';
import { VerifyPool } from '../verify/index.js';

/** `qenex node`: open the datadir, start every service, run until SIGINT/SIGTERM or RPC `stop`. */
export async function runNode(opts: NodeOptions): Promise<void> {
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const node = createNode(opts, { onStopRequested: () => void shutdown('rpc stop') });
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    node.logger.info({ why }, 'shutting down');
    await node.stop();
    resolveDone();
  };
  const onSignal = (sig: NodeJS.Signals) => void shutdown(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await node.start();
    await done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `qenex chain verify`: re-validate the stored chain from genesis and compare the UTXO set. */
export async function runChainVerify(opts: NodeOptions): Promise<void> {
  const lock = acquireLock(opts.datadir);
  const logger = createLogger({ level: opts.log.level === 'info' ? 'warn' : opts.log.level });
  const db = new ChainDb({ backend: 'level', path: join(opts.datadir, 'chain') });
  const verifier = new VerifyPool({});
  try {
    await db.open();
    await verifier.start();
    const chain = new Chain(
      {},
      {
        db,
        params: NETWORKS[opts.network],
        evaluator: networkEvaluator,
        verifier,
        logger,
        clock: () => Math.floor(Date.now() / 1000),
      },
    );
    await chain.start();
    const report = await chain.verifyChain();
    process.stdout.write(
      `${JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
    );
    await chain.stop();
  } finally {
    await verifier.stop();
    await db.close();
    lock.release();
  }
}
