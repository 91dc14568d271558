/**
 * Tiny benchmark harness: `measure` warms a function up, then calls it repeatedly for at least
 * `minMs`; `measureInterleaved` measures rows to compare in turns; `printTable` prints ops/s and the ratio to a baseline row measured in the same run
 * (ratios from one run on one machine are the numbers worth comparing).
 */
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Measure for at least this long (after warm-up). Default 2000 ms. */
  minMs?: number;
  /** Operations done by one call of `fn` (e.g. signatures in a batch). Default 1. */
  opsPerCall?: number;
  /** Warm-up time before measuring. Default min(500, minMs / 4) ms, and at least one call. */
  warmupMs?: number;
}

export interface BenchResult {
  readonly name: string;
  readonly opsPerSec: number;
  readonly ops: number;
  readonly calls: number;
  readonly elapsedMs: number;
  readonly msPerCall: number;
}

type BenchFn = () => void | Promise<void>;

async function callOnce(fn: BenchFn): Promise<void> {
  const r = fn();
  if (r !== undefined) await r;
}

async function runFor(fn: BenchFn, ms: number): Promise<{ calls: number; elapsedMs: number }> {
  const start = performance.now();
  let calls = 0;
  let elapsedMs = 0;
  do {
    await callOnce(fn);
    calls++;
    elapsedMs = performance.now() - start;
  } while (elapsedMs < ms);
  return { calls, elapsedMs };
}

export async function measure(name: string, fn: BenchFn, opts: MeasureOptions = {}): Promise<BenchResult> {
  const minMs = opts.minMs ?? 2000;
  const opsPerCall = opts.opsPerCall ?? 1;
  await runFor(fn, opts.warmupMs ?? Math.min(500, minMs / 4));
  const { calls, elapsedMs } = await runFor(fn, minMs);
  const ops = calls * opsPerCall;
  return { name, opsPerSec: (ops * 1000) / elapsedMs, ops, calls, elapsedMs, msPerCall: elapsedMs / calls };
}

/** The middle value (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Nearest-rank percentile: the smallest value with at least `p` (0 < p ≤ 1) of `xs` at or below
 * it (p 0.99 of 100 values is the 99th smallest, of 900 the 891st).
 */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

export interface InterleavedRow {
  readonly name: string;
  readonly fn: BenchFn;
  /** Operations done by one call of `fn`. Default 1. */
  readonly opsPerCall?: number;
}

/**
 * Measures rows that are compared with each other in turns (A B C A B C …, `rounds` turns of
 * `msPerTurn` each, after one warm-up turn), so that a slow spell of a shared machine falls on
 * every row alike; each row's rate is the median of its turns' rates.
 */
export async function measureInterleaved(
  rows: readonly InterleavedRow[],
  opts: { rounds?: number; msPerTurn?: number } = {},
): Promise<BenchResult[]> {
  const rounds = opts.rounds ?? 5;
  const msPerTurn = opts.msPerTurn ?? 1000;
  for (const r of rows) await runFor(r.fn, Math.min(500, msPerTurn));
  const turns = rows.map(() => [] as { calls: number; elapsedMs: number }[]);
  for (let k = 0; k < rounds; k++) {
    for (const [i, r] of rows.entries()) turns[i]!.push(await runFor(r.fn, msPerTurn));
  }
  return rows.map((r, i) => {
    const ts = turns[i]!;
    const opsPerCall = r.opsPerCall ?? 1;
    const rates = ts.map((t) => (t.calls * opsPerCall * 1000) / t.elapsedMs);
    const calls = ts.reduce((s, t) => s + t.calls, 0);
    const elapsedMs = ts.reduce((s, t) => s + t.elapsedMs, 0);
    return {
      name: r.name,
      opsPerSec: median(rates),
      ops: calls * opsPerCall,
      calls,
      elapsedMs,
      msPerCall: elapsedMs / calls,
    };
  });
}

function fmtRate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

/** Prints the rows as a table; `baselineName` names the row the ratio column is relative to. */
export function printTable(title: string, rows: readonly BenchResult[], baselineName: string): void {
  const base = rows.find((r) => r.name === baselineName);
  const table = rows.map((r) => [
    r.name,
    `${fmtRate(r.opsPerSec)}/s`,
    `${r.msPerCall.toFixed(2)} ms`,
    String(r.calls),
    base === undefined ? '?' : `${(r.opsPerSec / base.opsPerSec).toFixed(2)}×`,
  ]);
  const header = ['name', 'ops/s', 'per call', 'calls', `vs ${baselineName}`];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}
