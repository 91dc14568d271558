// Training worker bootstrap, plain JavaScript: workers are spawned with an empty execArgv, so they
// inherit no TypeScript loader. Compiled (dist/), the worker body beside this file is JavaScript and
// loads as it is; in the source tree it is TypeScript, loaded through tsx (a dev tool, installed
// wherever the sources are run: mocha, `npm run bench`, bin/qenex.js without dist/).
import { existsSync } from 'node:fs';

if (!existsSync(new URL('./workerMain.js', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./workerMain.js');
