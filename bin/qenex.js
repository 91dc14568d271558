#!/usr/bin/env node
// qenex command-line entry. Runs the compiled JavaScript in dist/ (built by `npm run build`, which
// `npm ci` runs through the `prepare` script). Without dist/, or with QENEX_FROM_SOURCE=1 (the
// e2e tests, so that they exercise the working tree), it runs the TypeScript sources through tsx,
// a dev tool that compiles each module at start (1–2 s more per command).
import { existsSync } from 'node:fs';

// `qenex rpc ... | head`: the reader went away; that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const compiled = new URL('../dist/node/cli/index.js', import.meta.url);
let entry = compiled.href;
if (process.env.QENEX_FROM_SOURCE === '1' || !existsSync(compiled)) {
  if (process.env.QENEX_FROM_SOURCE !== '1') {
    process.stderr.write('qenex: dist/ is not built (run `npm run build`); running the TypeScript sources\n');
  }
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write(
      'qenex: neither dist/ nor tsx is installed here: run `npm ci` in the qenex folder\n',
    );
    process.exit(1);
  }
  tsx.register();
  entry = new URL('../node/cli/index.ts', import.meta.url).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
