/** CSV text for soak samples and blocks, and an atomic file writer. */
import { renameSync, writeFileSync } from 'node:fs';
import type { SoakBlock, SoakSample } from './types.js';

type Cell = string | number | null;

function cell(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows]
    .map((r) => r.map(cell).join(','))
    .join('\n')
    .concat('\n');
}

/** Every domain seen in `samples`, in order of first appearance. */
export function domainNames(samples: readonly SoakSample[]): string[] {
  const names: string[] = [];
  for (const s of samples) for (const d of s.domains) if (!names.includes(d.domain)) names.push(d.domain);
  return names;
}

/** One row per poll: elapsed_s, time_iso, node, height, modelversion, parameters, then per domain its accuracy, correct, total and level. */
export function samplesCsv(samples: readonly SoakSample[]): string {
  const domains = domainNames(samples);
  const header = ['elapsed_s', 'time_iso', 'node', 'height', 'modelversion', 'parameters'];
  for (const d of domains) header.push(`${d}_accuracy`, `${d}_correct`, `${d}_total`, `${d}_level`);
  const rows = samples.map((s) => {
    const row: Cell[] = [s.elapsedS.toFixed(1), s.timeIso, s.node, s.height, s.modelVersion, s.parameters];
    for (const name of domains) {
      const d = s.domains.find((x) => x.domain === name);
      row.push(
        d ? Number(d.accuracy.toFixed(6)) : null,
        d?.correct ?? null,
        d?.total ?? null,
        d?.level ?? null,
      );
    }
    return row;
  });
  return toCsv(header, rows);
}

/** One row per update block (height ascending). */
export function blocksCsv(blocks: readonly SoakBlock[]): string {
  const header = [
    'height',
    'time',
    'time_iso',
    'elapsed_s',
    'improvementppm',
    'claimedppm',
    'contributors',
    'contributor_pay_qxc',
    'hash',
  ];
  const rows = blocks.map((b) => [
    b.height,
    b.time,
    new Date(b.time * 1000).toISOString(),
    b.elapsedS.toFixed(1),
    b.improvementPpm,
    b.claimedPpm,
    b.contributors,
    b.contributorPay,
    b.hash,
  ]);
  return toCsv(header, rows);
}

/** Writes `text` to `path` through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
