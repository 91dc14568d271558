import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../utils/proc.js';

/** Relative link targets of a Markdown file: `[text](target)`, without #fragments. */
function relativeLinks(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (target !== '' && !/^[a-z]+:/i.test(target)) out.push(target);
  }
  return out;
}

describe('docs', () => {
  for (const doc of ['README.md', 'docs/architecture.md', 'docs/consensus.md', 'docs/training.md']) {
    it(`${doc} links only to files inside the repository`, () => {
      const file = join(ROOT, doc);
      for (const target of relativeLinks(readFileSync(file, 'utf8'))) {
        const path = resolve(dirname(file), target);
        assert.ok(!relative(ROOT, path).startsWith('..'), `${doc} links outside the repository: ${target}`);
        assert.ok(existsSync(path), `${doc} links to a missing file: ${target}`);
      }
    });
  }
});
