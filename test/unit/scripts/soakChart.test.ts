import { strict as assert } from 'node:assert';
import { escapeXml, niceTicks, renderSvgChart } from '../../../scripts/soak/chart.js';

function polylines(svg: string, cls: string): string[][] {
  const re = new RegExp(`<polyline class="${cls}"[^>]*points="([^"]*)"`, 'g');
  return [...svg.matchAll(re)].map((m) => (m[1]!.trim() === '' ? [] : m[1]!.trim().split(/\s+/)));
}

describe('scripts/soak/chart', () => {
  const input = {
    title: 'soak <2 nodes> & "friends"',
    subtitle: "it's a test",
    xMaxMin: 10,
    accuracy: [
      {
        name: 'digits',
        points: [
          { x: 0, y: 0.5, level: 0 },
          { x: 2, y: 0.6, level: 0 },
          { x: 4, y: 0.7, level: 1 },
          { x: 6, y: 0.72, level: 1 },
        ],
      },
      {
        name: 'math<&>',
        points: [
          { x: 0, y: 0.2, level: null },
          { x: 5, y: 0.25, level: null },
        ],
      },
    ],
    updates: [
      { x: 1, value: 50_000 },
      { x: 3, value: 200 },
      { x: 7, value: 1_000 },
    ],
  };

  it('emits an <svg> with one accuracy polyline per series, one point per sample', () => {
    const svg = renderSvgChart(input);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    const lines = polylines(svg, 'accuracy');
    assert.deepEqual(
      lines.map((l) => l.length),
      [4, 2],
    );
    for (const p of lines.flat()) assert.match(p, /^-?\d+(\.\d)?,-?\d+(\.\d)?$/);
    // the running count is a step line: origin, two points per update block, the end
    assert.equal(polylines(svg, 'update-count')[0]!.length, 2 + 2 * input.updates.length);
    assert.equal((svg.match(/<rect class="update"/g) ?? []).length, 3);
    // level markers where a level is first seen and where it changes; none for null levels
    assert.equal((svg.match(/<circle class="level"/g) ?? []).length, 2);
    assert.ok(svg.includes('>L0<') && svg.includes('>L1<'));
    // values spanning more than two decades get a log axis
    assert.ok(svg.includes('log scale'));
  });

  it('escapes text', () => {
    const svg = renderSvgChart(input);
    assert.ok(svg.includes('soak &lt;2 nodes&gt; &amp; &quot;friends&quot;'));
    assert.ok(svg.includes('it&apos;s a test'));
    assert.ok(svg.includes('data-series="math&lt;&amp;&gt;"'));
    assert.ok(!svg.includes('<2 nodes>'));
    assert.ok(!svg.includes('math<&>'));
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('renders an empty run without failing', () => {
    const svg = renderSvgChart({ title: 'empty', xMaxMin: 60, accuracy: [], updates: [] });
    assert.ok(svg.includes('no samples'));
    assert.equal(polylines(svg, 'accuracy').length, 0);
    assert.equal(polylines(svg, 'update-count')[0]!.length, 2);
  });

  it('does not extend the time axis for data just past the planned end', () => {
    const svg = renderSvgChart({
      title: 't',
      xMaxMin: 60,
      accuracy: [{ name: 'digits', points: [{ x: 60.2, y: 0.5 }] }],
      updates: [],
    });
    assert.ok(svg.includes('>60</text>'));
    assert.ok(!svg.includes('>70</text>'));
  });

  it('picks round ticks', () => {
    assert.deepEqual(niceTicks(0, 60, 8), [0, 10, 20, 30, 40, 50, 60]);
    assert.deepEqual(niceTicks(0.42, 0.78, 4), [0.4, 0.5, 0.6, 0.7, 0.8]);
  });
});
