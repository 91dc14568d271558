/** The end-of-run summary of a soak: pure functions over its samples and update blocks. */
import type { SoakBlock, SoakSample } from './types.js';

export interface WindowCount {
  readonly fromMin: number;
  readonly toMin: number;
  readonly updates: number;
  readonly improvementPpm: number;
}

export interface DomainSnapshot {
  readonly elapsedS: number;
  readonly timeIso: string;
  readonly height: number;
  readonly domains: Readonly<Record<string, { accuracy: number; level: number | null }>>;
}

export interface LevelChange {
  readonly domain: string;
  readonly from: number | null;
  readonly to: number;
  /** First poll that saw the new level (the change happened at or before it). */
  readonly height: number;
  readonly elapsedS: number;
  readonly timeIso: string;
}

export interface SoakSummary {
  readonly nodes: number;
  readonly plannedMinutes: number;
  readonly durationS: number;
  /** False while the run is going on, or when it was interrupted. */
  readonly complete: boolean;
  readonly polls: number;
  readonly failedPolls: number;
  readonly finalHeight: number | null;
  readonly updateBlocks: number;
  readonly totalImprovementPpm: number;
  readonly updatesPerWindow: readonly WindowCount[];
  readonly updatesFirstHalf: number;
  readonly updatesLastHalf: number;
  /**
   * Longest time in the last half with no update block, in minutes: between the half-way mark, the
   * update blocks after it, and the end of the run (the "one update every 3 minutes" criterion).
   */
  readonly longestGapLastHalfMin: number;
  readonly atHalf: DomainSnapshot | null;
  readonly atEnd: DomainSnapshot | null;
  readonly levelChanges: readonly LevelChange[];
  readonly notes: readonly string[];
}

export interface SummaryInput {
  readonly nodes: number;
  readonly plannedMinutes: number;
  /** Length of the run so far, in seconds. */
  readonly durationS: number;
  readonly complete: boolean;
  readonly samples: readonly SoakSample[];
  readonly failedPolls: number;
  readonly blocks: readonly SoakBlock[];
  /** Default 10. */
  readonly windowMin?: number;
  readonly notes?: readonly string[];
}

function snapshot(s: SoakSample | undefined): DomainSnapshot | null {
  if (!s) return null;
  const domains: Record<string, { accuracy: number; level: number | null }> = {};
  for (const d of s.domains) domains[d.domain] = { accuracy: d.accuracy, level: d.level };
  return { elapsedS: s.elapsedS, timeIso: s.timeIso, height: s.height, domains };
}

export function updatesPerWindow(
  blocks: readonly SoakBlock[],
  durationS: number,
  windowMin: number,
): WindowCount[] {
  const w = windowMin * 60;
  const count = Math.max(1, Math.ceil(durationS / w));
  const out = Array.from({ length: count }, (_, i) => ({
    fromMin: i * windowMin,
    toMin: Math.max(i * windowMin, Math.min((i + 1) * windowMin, durationS / 60)),
    updates: 0,
    improvementPpm: 0,
  }));
  for (const b of blocks) {
    const i = Math.min(count - 1, Math.max(0, Math.floor(b.elapsedS / w)));
    out[i]!.updates++;
    out[i]!.improvementPpm += b.improvementPpm;
  }
  return out.map((x) => ({ ...x, toMin: Number(x.toMin.toFixed(2)) }));
}

export function levelChanges(samples: readonly SoakSample[]): LevelChange[] {
  const last = new Map<string, number>();
  const out: LevelChange[] = [];
  for (const s of samples) {
    for (const d of s.domains) {
      if (d.level === null) continue;
      const prev = last.get(d.domain);
      if (prev !== undefined && prev !== d.level) {
        out.push({
          domain: d.domain,
          from: prev,
          to: d.level,
          height: s.height,
          elapsedS: s.elapsedS,
          timeIso: s.timeIso,
        });
      }
      last.set(d.domain, d.level);
    }
  }
  return out;
}

/** Longest stretch in [fromS, toS] with no update block, in minutes (2 decimals). */
export function longestGapMin(blocks: readonly SoakBlock[], fromS: number, toS: number): number {
  const times = blocks
    .map((b) => b.elapsedS)
    .filter((t) => t >= fromS && t <= toS)
    .sort((a, b) => a - b);
  let prev = fromS;
  let gap = 0;
  for (const t of [...times, toS]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Number((gap / 60).toFixed(2));
}

export function summarize(input: SummaryInput): SoakSummary {
  const { samples, blocks, durationS } = input;
  const half = durationS / 2;
  const halfSample = samples.find((s) => s.elapsedS >= half) ?? samples.at(-1);
  const lastHalf = blocks.filter((b) => b.elapsedS >= half).length;
  return {
    nodes: input.nodes,
    plannedMinutes: input.plannedMinutes,
    durationS: Number(durationS.toFixed(1)),
    complete: input.complete,
    polls: samples.length,
    failedPolls: input.failedPolls,
    finalHeight: samples.at(-1)?.height ?? null,
    updateBlocks: blocks.length,
    totalImprovementPpm: blocks.reduce((a, b) => a + b.improvementPpm, 0),
    updatesPerWindow: updatesPerWindow(blocks, durationS, input.windowMin ?? 10),
    updatesFirstHalf: blocks.length - lastHalf,
    updatesLastHalf: lastHalf,
    longestGapLastHalfMin: longestGapMin(blocks, half, durationS),
    atHalf: snapshot(halfSample),
    atEnd: snapshot(samples.at(-1)),
    levelChanges: levelChanges(samples),
    notes: input.notes ?? [],
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function describeSnapshot(s: DomainSnapshot | null): string {
  if (!s) return '(no poll)';
  const ds = Object.entries(s.domains).map(
    ([name, d]) => `${name} ${pct(d.accuracy)}${d.level === null ? '' : ` (level ${d.level})`}`,
  );
  return `at ${(s.elapsedS / 60).toFixed(1)} min, height ${s.height}: ${ds.join(', ') || '(no domains)'}`;
}

/** The summary as text for the terminal. */
export function formatSummary(s: SoakSummary): string {
  const lines = [
    `soak of ${s.nodes} nodes, ${(s.durationS / 60).toFixed(1)} of ${s.plannedMinutes} minutes${s.complete ? '' : ' (incomplete)'}`,
    `  polls: ${s.polls} (${s.failedPolls} failed), final height ${s.finalHeight ?? '-'}`,
    `  update blocks: ${s.updateBlocks}, total verified improvement ${s.totalImprovementPpm} ppm`,
    '  updates per window:',
    ...s.updatesPerWindow.map(
      (w) =>
        `    ${w.fromMin.toFixed(0).padStart(3)}-${w.toMin.toFixed(1).padEnd(5)} min: ${String(w.updates).padStart(4)} updates, ${w.improvementPpm} ppm`,
    ),
    `  updates in the first half: ${s.updatesFirstHalf}, in the last half: ${s.updatesLastHalf} (longest gap ${s.longestGapLastHalfMin} min)`,
    `  held-out accuracy half-way ${describeSnapshot(s.atHalf)}`,
    `  held-out accuracy at the end ${describeSnapshot(s.atEnd)}`,
    s.levelChanges.length === 0 ? '  level changes: none' : '  level changes:',
    ...s.levelChanges.map(
      (c) =>
        `    ${c.domain}: ${c.from ?? '-'} -> ${c.to} by height ${c.height} at ${(c.elapsedS / 60).toFixed(1)} min (${c.timeIso})`,
    ),
    ...s.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join('\n');
}
