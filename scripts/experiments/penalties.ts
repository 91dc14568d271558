/**
 * Who charges whom, and why, in an honest devnet: N mining and training nodes at log level info
 * for some minutes, then every `peer misbehaved` line of their logs counted by penalty code (with
 * each distinct detail). Honest nodes should charge each other nothing.
 *
 *   npx tsx scripts/experiments/penalties.ts [--minutes 10] [--nodes 3] [--dir /tmp/qenex-penalties]
 *   npx tsx scripts/experiments/penalties.ts --logs D [--nodes 3]   (count only: the logs of a devnet
 *     or soak run at log level info, D/node-i/node.log)
 *
 * Runs the built node (dist/): `npm run build` first.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDevnet } from '../devnetProcs.js';
import { arg } from './common.js';

const minutes = Number(arg('minutes', '10'));
const nodes = Number(arg('nodes', '3'));
const logs = arg('logs', '');
const dir = logs || arg('dir', '/tmp/qenex-penalties');
if (!logs) {
  rmSync(dir, { recursive: true, force: true });
  const devnet = await startDevnet({
    nodes,
    miners: nodes,
    trainers: nodes,
    dir,
    logLevel: 'info',
    output: 'file',
  });
  await sleep(minutes * 60_000);
  await devnet.stop();
}

const byCode = new Map<string, Map<string, number>>();
for (let i = 0; i < nodes; i++) {
  for (const line of readFileSync(join(dir, `node-${i}`, 'node.log'), 'utf8').split('\n')) {
    if (!line.includes('peer misbehaved')) continue;
    let entry: { code?: string; detail?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const code = entry.code ?? '?';
    const details = byCode.get(code) ?? new Map<string, number>();
    byCode.set(code, details);
    const detail = `node ${i}: ${entry.detail ?? ''}`;
    details.set(detail, (details.get(detail) ?? 0) + 1);
  }
}
console.log(logs ? `${nodes} nodes' logs in ${dir}` : `${nodes} nodes, ${minutes} minutes (logs in ${dir})`);
if (byCode.size === 0) console.log('no peer was charged');
for (const [code, details] of byCode) {
  let total = 0;
  for (const n of details.values()) total += n;
  console.log(`${code}: ${total}`);
  for (const [d, n] of details) console.log(`  ${n} × ${d}`);
}
