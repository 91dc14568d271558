// Worker bootstrap, plain JavaScript: workers are spawned with an empty execArgv, so they inherit
// no TypeScript loader. Compiled (dist/), the worker body beside this file is JavaScript and loads
// as it is; in the source tree it is TypeScript, loaded through tsx (a dev tool, installed wherever
// the sources are run: mocha, `npm run bench`, bin/qenex.js without dist/). The body is
// workerData.main (a module name beside this file, without extension): 'workerMain' (the scoring
// helper, the default) or 'improvementMain' (the improvement worker).
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const main = workerData?.main === 'improvementMain' ? 'improvementMain' : 'workerMain';
if (!existsSync(new URL(`./${main}.js`, import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(main === 'improvementMain' ? './improvementMain.js' : './workerMain.js');
