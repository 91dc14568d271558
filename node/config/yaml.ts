/**
 * The YAML library, loaded on first use: most commands read no config file, and loading the
 * parser (about 50 ms) at every `qenex rpc` call would cost more than the call itself. `require`
 * rather than `import()` because option parsing is synchronous.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let loaded: Yaml | undefined;

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml;
  return loaded;
}
