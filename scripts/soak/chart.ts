/**
 * A self-contained SVG chart of a soak run, as text (no DOM, no browser): the top panel plots each
 * model domain's held-out accuracy over time (one polyline per domain, with a marked point and an
 * `L<n>` label wherever the domain's level is first seen or changes); the bottom panel plots the
 * verified improvement of each update block (bars, ppm; log scale when the values span two or more
 * decades) and the running count of update blocks (a step line on the right axis).
 */

export interface ChartPoint {
  /** Minutes since the start. */
  readonly x: number;
  readonly y: number;
  readonly level?: number | null;
}

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
}

export interface ChartBar {
  /** Minutes since the start. */
  readonly x: number;
  /** Verified improvement, ppm (> 0). */
  readonly value: number;
}

export interface SoakChartInput {
  readonly title: string;
  readonly subtitle?: string;
  /** Right end of the time axis in minutes (extended if the data go further). */
  readonly xMaxMin: number;
  /** Held-out accuracy (0..1) per domain. */
  readonly accuracy: readonly ChartSeries[];
  /** One bar per update block. */
  readonly updates: readonly ChartBar[];
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const COUNT_COLOR = '#333333';
const BAR_COLOR = '#4c9f70';

export function escapeXml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function f(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/** Round ticks covering [min, max] (min < max), about `count` intervals. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) max = min + 1;
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-6; i++) ticks.push(Number((lo + i * step).toPrecision(12)));
  return ticks;
}

function decimalsFor(step: number): number {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
}

function formatPpm(v: number): string {
  if (v >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (v >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

interface Panel {
  readonly top: number;
  readonly bottom: number;
}

export function renderSvgChart(input: SoakChartInput): string {
  const W = input.width ?? 960;
  const H = input.height ?? 680;
  const left = 76;
  const right = W - 76;
  const topPanel: Panel = { top: 96, bottom: Math.round(H * 0.56) };
  const botPanel: Panel = { top: topPanel.bottom + 62, bottom: H - 62 };
  const out: string[] = [];

  // Time axis, shared by both panels.
  const dataXMax = Math.max(
    0,
    ...input.accuracy.flatMap((s) => s.points.map((p) => p.x)),
    ...input.updates.map((b) => b.x),
  );
  // Data a little past the planned end (the last poll, the last block) do not add another tick.
  const xEnd = dataXMax > input.xMaxMin * 1.02 ? dataXMax : input.xMaxMin;
  const xTicks = niceTicks(0, Math.max(xEnd, 1e-3), 8);
  const xMax = xTicks.at(-1)!;
  const xDec = decimalsFor(xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1);
  const sx = (x: number) => left + (Math.min(xMax, Math.max(0, x)) / xMax) * (right - left);

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(input.title)}</text>`,
  );
  if (input.subtitle)
    out.push(
      `<text x="${W / 2}" y="46" text-anchor="middle" font-size="12" fill="#555555">${escapeXml(input.subtitle)}</text>`,
    );

  const xAxis = (p: Panel, withTitle: boolean) => {
    for (const t of xTicks) {
      const x = f(sx(t));
      out.push(
        `<line x1="${x}" y1="${p.top}" x2="${x}" y2="${p.bottom}" stroke="#e6e6e6"/>`,
        `<line x1="${x}" y1="${p.bottom}" x2="${x}" y2="${p.bottom + 5}" stroke="#000000"/>`,
        `<text x="${x}" y="${p.bottom + 18}" text-anchor="middle">${t.toFixed(xDec)}</text>`,
      );
    }
    out.push(
      `<rect x="${left}" y="${p.top}" width="${right - left}" height="${p.bottom - p.top}" fill="none" stroke="#000000"/>`,
    );
    if (withTitle)
      out.push(`<text x="${(left + right) / 2}" y="${p.bottom + 36}" text-anchor="middle">minutes</text>`);
  };

  // ---- top panel: held-out accuracy per domain ----
  const ys = input.accuracy.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  let yMin = ys.length > 0 ? Math.min(...ys) : 0;
  let yMax = ys.length > 0 ? Math.max(...ys) : 1;
  if (yMax - yMin < 0.02) {
    yMin -= 0.01;
    yMax += 0.01;
  }
  const yTicks = niceTicks(Math.max(0, yMin), Math.min(1, yMax), 6);
  const y0 = yTicks[0]!;
  const y1 = yTicks.at(-1)!;
  const yDec = Math.max(0, decimalsFor((y1 - y0) / Math.max(1, yTicks.length - 1)) - 2);
  const sy = (y: number) => topPanel.bottom - ((y - y0) / (y1 - y0)) * (topPanel.bottom - topPanel.top);
  xAxis(topPanel, false);
  for (const t of yTicks) {
    const y = f(sy(t));
    out.push(
      `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e6e6e6"/>`,
      `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${(t * 100).toFixed(yDec)}%</text>`,
    );
  }
  out.push(
    `<text x="${left}" y="${topPanel.top - 8}" font-weight="bold">Held-out accuracy of the chain model per domain</text>`,
    `<text transform="translate(18 ${(topPanel.top + topPanel.bottom) / 2}) rotate(-90)" text-anchor="middle">held-out accuracy</text>`,
  );
  // Legend, one entry per domain, plus the level marker.
  let lx = left;
  input.accuracy.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    out.push(
      `<line x1="${lx}" y1="66" x2="${lx + 22}" y2="66" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${lx + 28}" y="66" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
    lx += 40 + 7.5 * s.name.length;
  });
  if (input.accuracy.some((s) => s.points.some((p) => p.level !== null && p.level !== undefined)))
    out.push(
      `<circle cx="${lx + 6}" cy="66" r="4" fill="#777777" stroke="#ffffff"/>`,
      `<text x="${lx + 16}" y="66" dominant-baseline="middle">level first seen / changed (L&lt;n&gt;)</text>`,
    );
  input.accuracy.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    out.push(
      `<polyline class="accuracy" data-series="${escapeXml(s.name)}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${pts.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(' ')}"/>`,
    );
    let level: number | null = null;
    for (const p of pts) {
      if (p.level === null || p.level === undefined || p.level === level) continue;
      level = p.level;
      const cx = f(sx(p.x));
      const cy = f(sy(p.y));
      out.push(
        `<circle class="level" cx="${cx}" cy="${cy}" r="4.5" fill="${color}" stroke="#ffffff" stroke-width="1.5"/>`,
        `<text x="${cx}" y="${f(sy(p.y) - 9)}" text-anchor="middle" font-size="11" fill="${color}">L${escapeXml(String(level))}</text>`,
      );
    }
  });
  if (ys.length === 0)
    out.push(
      `<text x="${(left + right) / 2}" y="${(topPanel.top + topPanel.bottom) / 2}" text-anchor="middle" fill="#777777">no samples</text>`,
    );

  // ---- bottom panel: verified improvement per update block, running count ----
  const bars = [...input.updates].filter((b) => b.value > 0).sort((a, b) => a.x - b.x);
  const vMin = bars.length > 0 ? Math.min(...bars.map((b) => b.value)) : 1;
  const vMax = bars.length > 0 ? Math.max(...bars.map((b) => b.value)) : 1;
  const log = vMax / vMin >= 100;
  let vTicks: number[];
  let sv: (v: number) => number;
  const ph = botPanel.bottom - botPanel.top;
  if (log) {
    const d0 = Math.floor(Math.log10(vMin));
    const d1 = Math.ceil(Math.log10(vMax));
    vTicks = Array.from({ length: d1 - d0 + 1 }, (_, i) => 10 ** (d0 + i));
    sv = (v) => botPanel.bottom - ((Math.log10(v) - d0) / (d1 - d0)) * ph;
  } else {
    vTicks = niceTicks(0, vMax, 4);
    const top = vTicks.at(-1)!;
    sv = (v) => botPanel.bottom - (v / top) * ph;
  }
  xAxis(botPanel, true);
  for (const t of vTicks) {
    const y = f(sv(t));
    out.push(
      `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e6e6e6"/>`,
      `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatPpm(t)}</text>`,
    );
  }
  const bw = Math.max(1, Math.min(8, ((right - left) / Math.max(1, bars.length)) * 0.6));
  for (const b of bars) {
    const y = sv(b.value);
    out.push(
      `<rect class="update" x="${f(sx(b.x) - bw / 2)}" y="${f(y)}" width="${f(bw)}" height="${f(botPanel.bottom - y)}" fill="${BAR_COLOR}" fill-opacity="0.8"/>`,
    );
  }
  // Running count of update blocks: a step line on the right axis.
  const cTicks = niceTicks(0, Math.max(1, bars.length), 4);
  const cTop = cTicks.at(-1)!;
  const sc = (c: number) => botPanel.bottom - (c / cTop) * ph;
  for (const t of cTicks) {
    const y = f(sc(t));
    out.push(
      `<line x1="${right}" y1="${y}" x2="${right + 5}" y2="${y}" stroke="${COUNT_COLOR}"/>`,
      `<text x="${right + 8}" y="${y}" dominant-baseline="middle" fill="${COUNT_COLOR}">${t}</text>`,
    );
  }
  const steps: string[] = [`${f(sx(0))},${f(sc(0))}`];
  bars.forEach((b, i) => {
    steps.push(`${f(sx(b.x))},${f(sc(i))}`, `${f(sx(b.x))},${f(sc(i + 1))}`);
  });
  steps.push(`${f(sx(Math.max(dataXMax, bars.at(-1)?.x ?? 0)))},${f(sc(bars.length))}`);
  out.push(
    `<polyline class="update-count" fill="none" stroke="${COUNT_COLOR}" stroke-width="1.5" points="${steps.join(' ')}"/>`,
    `<text x="${left}" y="${botPanel.top - 8}" font-weight="bold">Verified improvement per update block (ppm${log ? ', log scale' : ''}, bars)</text>`,
    `<text x="${right}" y="${botPanel.top - 8}" text-anchor="end" fill="${COUNT_COLOR}">update blocks so far (line, right axis): ${bars.length}</text>`,
    `<text transform="translate(18 ${(botPanel.top + botPanel.bottom) / 2}) rotate(-90)" text-anchor="middle">improvement (ppm)</text>`,
    `<text transform="translate(${W - 16} ${(botPanel.top + botPanel.bottom) / 2}) rotate(90)" text-anchor="middle" fill="${COUNT_COLOR}">update blocks</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
