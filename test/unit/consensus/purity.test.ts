import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** consensus/ must stay pure: no I/O, clocks, randomness, timers or networking. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/from\s+['"]node:/, 'node: built-in import'],
  [/from\s+['"](fs|path|os|crypto|child_process|net|http|worker_threads)['"]/, 'node built-in import'],
  [/from\s+['"](?!@noble\/|\.)[^'"]+['"]/, 'import of a package other than @noble/*'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\b/, 'Date'],
  [/\bperformance\b/, 'performance clock'],
  [/\bset(Timeout|Interval|Immediate)\b/, 'timer'],
  [/\bprocess\./, 'process'],
  [/libp2p/, 'libp2p'],
  [/\bMath\.(exp|log|sin|cos|tan|pow|sqrt)\b/, 'transcendental float math'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('consensus purity', () => {
  const list = files(join(import.meta.dirname, '../../../consensus'));
  it('finds the consensus sources', () => assert.ok(list.length > 10));
  it('no consensus file imports I/O, clocks, randomness, timers or libp2p', () => {
    const bad: string[] = [];
    for (const f of list) {
      const src = readFileSync(f, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const [re, what] of FORBIDDEN) if (re.test(src)) bad.push(`${f}: ${what}`);
    }
    assert.deepEqual(bad, []);
  });
});
