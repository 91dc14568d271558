// Scoring worker bootstrap. Plain JavaScript so that it starts the same under mocha + tsx, under
// `tsx`, and from compiled output (spawned with an empty execArgv): it registers the tsx loader
// itself (a dependency), then loads the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./workerMain.js');
