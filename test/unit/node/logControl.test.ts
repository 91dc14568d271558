/** Run-time log levels on a real pino logger: base level, per-category levels, children made later. */
import { strict as assert } from 'node:assert';
import { LogLevelControl } from '../../../node/logControl.js';
import { createLogger } from '../../../node/logger.js';

function capture() {
  const lines: Array<{ level: number; module?: string; msg: string }> = [];
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

describe('log level control', () => {
  it('sets a category apart from the base level, and back', () => {
    const out = capture();
    const control = new LogLevelControl({ level: 'info' });
    const root = createLogger({ level: 'info', destination: out.stream, onChild: control.onChild });
    control.attach(root);
    const chain = root.child({ module: 'chain' });
    const mempool = root.child({ module: 'mempool' });
    chain.debug('c1');
    mempool.debug('m1');
    assert.equal(out.lines.length, 0);

    control.setCategory('mempool', 'debug');
    chain.debug('c2');
    mempool.debug('m2');
    root.debug('r2');
    assert.deepEqual(
      out.lines.map((l) => l.msg),
      ['m2'],
    );
    // a child made later for the category gets its level too
    root.child({ module: 'mempool' }).debug('m3');
    assert.equal(out.lines.at(-1)!.msg, 'm3');

    control.setCategory('mempool', null);
    mempool.debug('m4');
    mempool.info('m5');
    assert.equal(out.lines.at(-1)!.msg, 'm5');
    assert.ok(control.categories().includes('chain'));
    assert.deepEqual([control.levelOf('chain'), control.levelOf('mempool')], ['info', 'info']);
  });

  it('a base level change reaches every category without a level of its own', () => {
    const out = capture();
    const control = new LogLevelControl({ level: 'info' });
    const root = createLogger({ level: 'info', destination: out.stream, onChild: control.onChild });
    control.attach(root);
    const chain = root.child({ module: 'chain' });
    const miner = root.child({ module: 'miner' });
    const plain = root.child({ peer: 'x' });
    control.setCategory('miner', 'error');
    control.setBase('warn');
    chain.info('c-info');
    chain.warn('c-warn');
    miner.warn('m-warn');
    plain.info('p-info');
    plain.warn('p-warn');
    root.warn('r-warn');
    assert.deepEqual(
      out.lines.map((l) => l.msg),
      ['c-warn', 'p-warn', 'r-warn'],
    );
    assert.equal(control.level, 'warn');
    assert.equal(control.levelOf('miner'), 'error');
  });

  it('learns a category from a new module name', () => {
    const control = new LogLevelControl({ level: 'info' });
    const root = createLogger({ level: 'info', destination: capture().stream, onChild: control.onChild });
    control.attach(root);
    assert.equal(control.has('newservice'), false);
    root.child({ module: 'newservice' });
    assert.equal(control.has('newservice'), true);
  });
});
