import { strict as assert } from 'node:assert';
import { createLogger, formatPrettyLine, type Logger, silentLogger } from '../../../node/logger.js';

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
});
