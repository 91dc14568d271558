#!/usr/bin/env node
// qenex command-line entry. Runs the TypeScript sources directly (no build step) through tsx.
import { register } from 'tsx/esm/api';

// `qenex rpc ... | head`: the reader went away; that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

register();
await import('../node/polyfill.ts');
const { main } = await import('../node/cli/index.ts');
process.exitCode = await main(process.argv);
