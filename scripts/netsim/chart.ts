/**
 * The netsim's SVG chart, as text: (1) the distribution of block propagation delays per scenario
 * (the share of (block, node) pairs that had the block within x ms: connected, solid; arrived,
 * dashed, in the scenario's colour), (2) peers per node over the
 * run (min, median, max of each sample round) with the scenarios' spans shaded, (3) the machine:
 * the nodes' CPU (cores) and total resident memory (GiB).
 */
import { escapeXml } from '../soak/chart.js';
import type { NetsimReport } from './types.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const W = 960;
const PANEL_H = 260;
const LEFT = 70;
const RIGHT = 70;
const TOP = 60;
const GAP = 70;

function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

interface Panel {
  readonly y0: number;
  readonly title: string;
  /** Log-10 x axis from xMin (decade ticks). */
  readonly logX?: { readonly xMin: number };
  readonly xMax: number;
  readonly yMax: number;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly y2?: { readonly max: number; readonly label: string };
}

function axes(
  p: Panel,
  out: string[],
): { x: (v: number) => number; y: (v: number) => number; y2: (v: number) => number } {
  const w = W - LEFT - RIGHT;
  const lx = p.logX;
  const x = lx
    ? (v: number) =>
        LEFT +
        ((Math.log10(Math.max(v, lx.xMin)) - Math.log10(lx.xMin)) /
          (Math.log10(p.xMax) - Math.log10(lx.xMin))) *
          w
    : (v: number) => LEFT + (v / p.xMax) * w;
  const y = (v: number) => p.y0 + PANEL_H - (v / p.yMax) * PANEL_H;
  const y2 = (v: number) => p.y0 + PANEL_H - (v / (p.y2?.max ?? 1)) * PANEL_H;
  out.push(
    `<text x="${LEFT}" y="${p.y0 - 10}" font-size="14" font-weight="bold">${escapeXml(p.title)}</text>`,
  );
  out.push(`<rect x="${LEFT}" y="${p.y0}" width="${w}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 5; i++) {
    const xv = (p.xMax * i) / 5;
    const yv = (p.yMax * i) / 5;
    out.push(`<line x1="${n(x(xv))}" y1="${p.y0}" x2="${n(x(xv))}" y2="${p.y0 + PANEL_H}" stroke="#eee"/>`);
    out.push(
      `<text x="${n(x(xv))}" y="${p.y0 + PANEL_H + 15}" font-size="11" text-anchor="middle">${n(xv)}</text>`,
    );
    out.push(`<text x="${LEFT - 6}" y="${n(y(yv) + 4)}" font-size="11" text-anchor="end">${n(yv)}</text>`);
    if (p.y2) {
      const v2 = (p.y2.max * i) / 5;
      out.push(`<text x="${W - RIGHT + 6}" y="${n(y2(v2) + 4)}" font-size="11">${n(v2)}</text>`);
    }
  }
  out.push(
    `<text x="${LEFT + w / 2}" y="${p.y0 + PANEL_H + 32}" font-size="12" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(${LEFT - 48},${p.y0 + PANEL_H / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
  );
  if (p.y2) {
    out.push(
      `<text transform="translate(${W - RIGHT + 50},${p.y0 + PANEL_H / 2}) rotate(90)" font-size="12" text-anchor="middle">${escapeXml(p.y2.label)}</text>`,
    );
  }
  return { x, y, y2 };
}

function polyline(points: ReadonlyArray<readonly [number, number]>, color: string, extra = ''): string {
  const d = points.map(([a, b]) => `${n(a)},${n(b)}`).join(' ');
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.8" ${extra}/>`;
}

export function renderNetsimChart(r: NetsimReport): string {
  const out: string[] = [];
  const o = r.options;
  const height = TOP + 3 * (PANEL_H + GAP) + 20;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">`,
  );
  out.push(`<rect width="${W}" height="${height}" fill="white"/>`);
  out.push(
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${escapeXml(
      `qenex netsim: ${o.nodes} node processes, ${o.latency.baseMs} ± ${o.latency.jitterMs} ms one-way, ${o.spacingMs / 1000} s block spacing`,
    )}</text>`,
  );
  out.push(
    `<text x="${LEFT}" y="42" font-size="12" fill="#555">${escapeXml(
      `${o.miners} miners, ${o.trainers} trainers; started ${r.startedAt}; final height ${r.final.height ?? '-'}, ${r.final.equalTips && r.final.equalUtxo && r.final.equalModel ? 'equal tips, UTXO sets and models' : 'NOT all equal at the end'}`,
    )}</text>`,
  );

  // (1) propagation CDF per scenario
  const scen = r.scenarios.filter((s) => s.kind !== 'warmup');
  const delaysOf = (name: string, at: 'connect' | 'arrival' = 'connect') =>
    r.blocks
      .filter((b) => {
        const s = r.scenarios.find((x) => x.name === name)!;
        return b.best && b.t0 >= s.start && b.t0 < s.end;
      })
      .flatMap((b) => b.delays.map((d) => (at === 'connect' ? d.ms : d.arrivalMs)))
      .sort((a, b) => a - b);
  const all = scen.flatMap((s) => delaysOf(s.name));
  const p99all = all.length === 0 ? 1000 : all[Math.min(all.length - 1, Math.ceil(0.99 * all.length) - 1)]!;
  const xMax = niceMax(Math.max(500, p99all * 1.2));
  const p1: Panel = {
    y0: TOP + 10,
    title:
      "Block propagation: share of (block, node) pairs within x ms of the miner's connect (solid: connected, dashed: arrived)",
    xMax,
    yMax: 1,
    xLabel: 'delay after the miner connected the block (ms)',
    yLabel: 'share of nodes',
  };
  const a1 = axes(p1, out);
  const cdf = (d: readonly number[]): Array<[number, number]> => {
    const pts: Array<[number, number]> = [[a1.x(0), a1.y(0)]];
    d.forEach((v, k) => {
      const xv = Math.min(v, xMax);
      pts.push([a1.x(xv), a1.y(k / d.length)], [a1.x(xv), a1.y((k + 1) / d.length)]);
    });
    return pts;
  };
  scen.forEach((s, i) => {
    const d = delaysOf(s.name);
    if (d.length === 0) return;
    const color = PALETTE[i % PALETTE.length]!;
    out.push(polyline(cdf(d), color));
    out.push(polyline(cdf(delaysOf(s.name, 'arrival')), color, 'stroke-dasharray="5,3"'));
    const p = s.propagation.perNode;
    const a = s.propagation.arrival.perNode;
    out.push(
      `<text x="${W - RIGHT - 10}" y="${p1.y0 + PANEL_H - 12 - 16 * i}" font-size="12" text-anchor="end" fill="${color}">${escapeXml(
        `${s.name}: p50 ${p.p50 ?? '-'} ms, p99 ${p.p99 ?? '-'} ms (${p.n} pairs); arrival p50 ${a.p50 ?? '-'} ms, p99 ${a.p99 ?? '-'} ms`,
      )}</text>`,
    );
  });

  // (2) peers over time
  const t0 = Date.parse(r.startedAt);
  const end = Math.max(...r.scenarios.map((s) => s.end), t0 + 1);
  const minutes = (t: number) => (t - t0) / 60_000;
  const xMax2 = niceMax(minutes(end));
  const p2: Panel = {
    y0: TOP + 10 + PANEL_H + GAP,
    title: 'Peers per node (min, median, max of each sample round); shaded: scenarios',
    xMax: xMax2,
    yMax: niceMax(Math.max(4, ...r.peerRounds.map((x) => x.max)) * 1.1),
    xLabel: 'minutes since start',
    yLabel: 'peers',
  };
  const a2 = axes(p2, out);
  scen.forEach((s, i) => {
    const x1 = a2.x(minutes(s.start));
    const x2 = a2.x(minutes(s.end));
    const color = PALETTE[i % PALETTE.length]!;
    out.push(
      `<rect x="${n(x1)}" y="${p2.y0}" width="${n(Math.max(0, x2 - x1))}" height="${PANEL_H}" fill="${color}" opacity="0.08"/>`,
    );
    out.push(
      `<text x="${n(x1 + 3)}" y="${p2.y0 + 14}" font-size="11" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  for (const [key, color] of [
    ['min', '#d62728'],
    ['p50', '#333333'],
    ['max', '#1f77b4'],
  ] as const) {
    out.push(
      polyline(
        r.peerRounds.map((x) => [a2.x(minutes(x.t)), a2.y(x[key])] as const),
        color,
      ),
    );
  }

  // (3) machine
  const ms = r.machineSamples;
  const cpuMax = niceMax(Math.max(1, ...ms.map((m) => m.nodesCpuCores + m.driverCpuCores)));
  const rssMax = niceMax(Math.max(1, ...ms.map((m) => m.nodesRssMiB / 1024)));
  const p3: Panel = {
    y0: TOP + 10 + 2 * (PANEL_H + GAP),
    title: `The machine (${r.machine.cpus} cores, ${(r.machine.memMiB / 1024).toFixed(0)} GiB): CPU in cores (nodes: blue, driver + proxy: orange), nodes' RSS (green)`,
    xMax: xMax2,
    yMax: cpuMax,
    xLabel: 'minutes since start',
    yLabel: 'CPU (cores)',
    y2: { max: rssMax, label: 'resident memory of all nodes (GiB)' },
  };
  const a3 = axes(p3, out);
  out.push(
    polyline(
      ms.map((m) => [a3.x(minutes(m.t)), a3.y(m.nodesCpuCores)] as const),
      '#1f77b4',
    ),
  );
  out.push(
    polyline(
      ms.map((m) => [a3.x(minutes(m.t)), a3.y(m.driverCpuCores)] as const),
      '#ff7f0e',
    ),
  );
  out.push(
    polyline(
      ms.map((m) => [a3.x(minutes(m.t)), a3.y2(m.nodesRssMiB / 1024)] as const),
      '#2ca02c',
    ),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
