/**
 * `npm run bench [-- name...]`: runs every benchmark module below in sequence (or only the named
 * ones). To add one, write `scripts/bench/<name>.ts` exporting `async function run()` (use
 * harness.ts's `measure` / `printTable`) and add a line to BENCHES.
 */
interface BenchModule {
  run(): Promise<void>;
}

/** `partOf`: a part of another bench, run only when named (the whole run has it in its parent). */
const BENCHES: ReadonlyArray<{ name: string; load: () => Promise<BenchModule>; partOf?: string }> = [
  { name: 'signatures', load: () => import('./signatures.js') },
  { name: 'consensus', load: () => import('./consensus.js') },
  { name: 'pow', load: () => import('./pow.js') },
  { name: 'node', load: () => import('./node.js') },
  { name: 'connect', load: () => import('./connect.js'), partOf: 'node' },
  { name: 'rpc', load: () => import('./rpc.js'), partOf: 'node' },
  { name: 'cli', load: () => import('./cli.js') },
  { name: 'network', load: () => import('./network.js') },
  { name: 'sync', load: () => import('./sync.js'), partOf: 'network' },
  { name: 'propagation', load: () => import('./propagation.js'), partOf: 'network' },
  { name: 'training', load: () => import('./training.js') },
  { name: 'verify', load: () => import('./verify.js') },
];

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length > 0) {
    console.error(`unknown bench: ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const selected =
    args.length === 0 ? BENCHES.filter((b) => !b.partOf) : BENCHES.filter((b) => args.includes(b.name));
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  for (const bench of selected) {
    console.log(`\n== ${bench.name} ==`);
    const mod = await bench.load();
    await mod.run();
  }
}

await main(process.argv.slice(2));
