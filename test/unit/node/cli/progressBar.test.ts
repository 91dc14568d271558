import { strict as assert } from 'node:assert';
import { ProgressBar, renderBar } from '../../../../node/cli/progressBar.js';
import { formatEta, formatPercent, type SyncStatus } from '../../../../node/sync/index.js';

function status(over: Partial<SyncStatus> = {}): SyncStatus {
  return {
    initialBlockDownload: false,
    verificationProgress: 1,
    height: 10,
    headers: 10,
    blocksPerSecond: 0,
    etaSeconds: null,
    ...over,
  };
}

describe('node/cli ProgressBar', () => {
  it('renders percent, blocks, rate and ETA', () => {
    assert.equal(
      renderBar(
        status({
          verificationProgress: 0.375,
          height: 1200,
          headers: 3200,
          blocksPerSecond: 45.2,
          etaSeconds: 44.4,
        }),
      ),
      'syncing [#########---------------]  37.5%  1200/3200 blocks  45 blk/s  ETA 0:44',
    );
    assert.equal(formatEta(3 * 3600 + 7 * 60 + 44), '3:07:44');
    assert.equal(formatEta(null), '?');
    assert.equal(formatPercent(0.99999), '99.9%');
  });

  it('takes the bar down around log lines written to the same terminal', () => {
    const term: string[] = [];
    const logs: string[] = [];
    const bar = new ProgressBar({ write: (t) => term.push(t), columns: 200 });
    const out = bar.wrap({ write: (l: string) => void logs.push(l) });
    out.write('before\n');
    assert.equal(term.length, 0);
    bar.progress(status({ initialBlockDownload: true, verificationProgress: 0.5, height: 5, headers: 10 }));
    out.write('during\n');
    assert.deepEqual(logs, ['before\n', 'during\n']);
    assert.equal(term[1], '\r\x1b[2K');
    assert.equal(term[2], term[0]!.slice('\r\x1b[2K'.length));
    bar.done(status({ height: 10 }));
    assert.equal(term.at(-1), 'initial block download done at height 10\n');
  });
});
