import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetParams } from '../../../consensus/index.js';
import {
  createLogger,
  formatPrettyLine,
  type Logger,
  openLogDestination,
  silentLogger,
} from '../../../node/logger.js';
import { encodeAddress } from '../../../wallet/index.js';
import { keyPair } from '../../utils/chainBuilder.js';
import { startTestNode } from '../../utils/node.js';

/** The top-level keys of one JSON object text, in order, duplicates kept (JSON.parse drops them). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(json.slice(i + 1, j));
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

describe('node/logger', () => {
  it('writes JSON lines at or above the level, with child bindings', () => {
    const out = capture();
    const log: Logger = createLogger({ level: 'info', destination: out });
    log.debug('hidden');
    log.child({ module: 'chain' }).info({ height: 3 }, 'connected');
    log.warn('careful');
    assert.equal(out.lines.length, 2);
    const rec = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.equal(rec.level, 30);
    assert.equal(rec.module, 'chain');
    assert.equal(rec.height, 3);
    assert.equal(rec.msg, 'connected');
    assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal((JSON.parse(out.lines[1]!) as { level: number }).level, 40);
  });

  it('silent level and silentLogger write nothing', () => {
    const out = capture();
    createLogger({ level: 'silent', destination: out }).fatal('x');
    assert.equal(out.lines.length, 0);
    silentLogger.child({ a: 1 }).error({ b: 2 }, 'nothing');
  });

  it('pretty prints one readable line per record', () => {
    const out = capture();
    createLogger({ level: 'trace', pretty: true, destination: out })
      .child({ module: 'p2p' })
      .warn({ peer: 'x' }, 'slow');
    assert.equal(out.lines.length, 1);
    assert.match(out.lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[p2p\] slow peer=x\n$/);
    assert.equal(formatPrettyLine('not json'), 'not json\n');
  });

  it('appends to a log file and reopens it by name after a rename (SIGHUP, logrotate)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qenex-log-'));
    try {
      const file = join(dir, 'sub', 'debug.log');
      const dest = openLogDestination({ file });
      const log = createLogger({ level: 'info', destination: dest.stream });
      log.info('first');
      renameSync(file, `${file}.1`);
      log.info('second');
      dest.reopen();
      log.info('third');
      const msgs = (f: string) =>
        readFileSync(f, 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { msg: string }).msg);
      assert.deepEqual(msgs(`${file}.1`), ['first', 'second']);
      assert.deepEqual(msgs(file), ['third']);
      assert.equal(dest.file, file);
      assert.equal(openLogDestination({ output: { write: () => {} } }).file, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a running node writes each key once per JSON line (no repeated "module")', async function () {
    this.timeout(60_000);
    assert.deepEqual(topLevelKeys('{"a":1,"module":"x","o":{"module":"y"},"module":"z"}'), [
      'a',
      'module',
      'o',
      'module',
    ]);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      destination: { write: (l: string) => void lines.push(l) },
    });
    const t = await startTestNode({}, { logger });
    try {
      await t.node.generate(2, encodeAddress(keyPair('log-keys').pkh, devnetParams));
    } finally {
      await t.close();
    }
    const modules = new Set<string>();
    for (const line of lines) {
      const keys = topLevelKeys(line);
      assert.equal(new Set(keys).size, keys.length, `repeated key in ${line}`);
      const m = (JSON.parse(line) as { module?: string }).module;
      if (m !== undefined) modules.add(m);
    }
    for (const m of ['chain', 'wallet', 'miner', 'p2p', 'rpc']) assert.ok(modules.has(m), `no ${m} line`);
  });
});
