/**
 * Network throughput (real nodes on loopback, LevelDB data dirs): initial sync from one and two
 * peers beside local import (sync.ts; `npm run bench -- sync` alone), then block propagation on
 * a 10-node mesh, in this process and across node processes (propagation.ts; `npm run bench --
 * propagation` alone).
 */
import { run as propagationRun } from './propagation.js';
import { run as syncRun } from './sync.js';

export async function run(): Promise<void> {
  await syncRun();
  await propagationRun();
}
