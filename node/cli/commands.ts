/**
 * Handlers for the commands that need the node itself. Not written yet: they fail with
 * NOT_IMPLEMENTED instead of pretending. The node lead replaces them.
 */
import type { NodeOptions } from '../config/index.js';
import { CliError } from './errors.js';

/** `qenex node`: open the datadir, start every service, run until SIGINT/SIGTERM. */
export async function runNode(_opts: NodeOptions): Promise<void> {
  throw new CliError({ code: 'NOT_IMPLEMENTED', command: 'node' });
}

/** `qenex chain verify`: re-validate the stored chain from genesis. */
export async function runChainVerify(_opts: NodeOptions): Promise<void> {
  throw new CliError({ code: 'NOT_IMPLEMENTED', command: 'chain verify' });
}
