/**
 * Handlers for the commands that run the node itself. The CLI imports this module only when such a
 * command runs: it loads the node, libp2p and the training code.
 */
// libp2p needs Promise.withResolvers (Node 22+), polyfilled before the node's modules evaluate.
import '../polyfill.js';
import { join } from 'node:path';
import { NETWORKS } from '../../consensus/index.js';
import { networkEvaluator } from '../../training/index.js';
import { Chain } from '../chain/index.js';
import { acquireLock, type NodeOptions } from '../config/index.js';
import { createNode, type NodeDeps } from '../createNode.js';
import { ChainDb } from '../db/index.js';
import { createLogger } from '../logger.js';
import { VerifyPool } from '../verify/index.js';
import { ProgressBar } from './progressBar.js';
import type { CliIo } from './types.js';

export interface RunNodeDeps {
  /** Where the progress bar (stderr) and, on a terminal, log lines (stdout) go. */
  readonly io: CliIo;
}

/**
 * `qenex node`: start every service and run until SIGINT or SIGTERM (or RPC `stop`), then stop
 * them in reverse order, which removes `.cookie` and `.lock`, as bitcoind does. SIGHUP reopens the
 * log file (log.file) instead of ending the process. In a terminal, catching up with the network
 * shows as a progress bar on stderr rather than log lines.
 */
export async function runNode(opts: NodeOptions, deps: RunNodeDeps): Promise<void> {
  const nodeDeps: { -readonly [K in keyof NodeDeps]: NodeDeps[K] } = {
    onStopRequested: () => void shutdown('rpc stop'),
  };
  if (process.stderr.isTTY) {
    const bar = new ProgressBar({ write: (t) => deps.io.err(t), columns: process.stderr.columns });
    nodeDeps.syncReporter = bar;
    // Log lines on the same terminal take the bar down while they are written.
    if (process.stdout.isTTY && opts.log.file === undefined) {
      nodeDeps.logOutput = bar.wrap({ write: (line: string) => deps.io.out(line) });
    }
  }
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const node = createNode(opts, nodeDeps);
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    node.logger.info({ why }, 'shutting down');
    await node.stop();
    resolveDone();
  };
  const onSignal = (sig: NodeJS.Signals) => void shutdown(sig);
  const onHangup = () => {
    if (!node.reopenLog()) node.logger.info('SIGHUP: no log file to reopen (log.file is unset)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  try {
    await node.start();
    await done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
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
