// Proof-of-work thread bootstrap, plain JavaScript: PowWorker spawns it with an empty execArgv, so
// it inherits no TypeScript loader. Compiled (dist/), the body beside this file is JavaScript and
// loads as it is; in the source tree it is TypeScript, loaded through tsx (a dev tool, installed
// wherever the sources are run: mocha, `npm run bench`, bin/qenex.js without dist/).
import { existsSync } from 'node:fs';

if (!existsSync(new URL('./powWorkerMain.js', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./powWorkerMain.js');
