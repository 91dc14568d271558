/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (the format Prometheus scrapes
 * and prom-client writes), for tests. It throws on anything a scraper could refuse or misread:
 * a malformed line, a bad metric or label name, a bad escape, a duplicate series, a TYPE after
 * its samples or given twice, samples of one family not kept together, a histogram whose buckets
 * are not ordered, cumulative and closed by `+Inf` equal to `_count`, a counter or a bucket count
 * that is negative, a missing final newline.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  type: MetricType;
  help: string | null;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export class ExpositionError extends Error {
  constructor(line: number, reason: string, text: string) {
    super(`line ${line}: ${reason}: ${JSON.stringify(text)}`);
    this.name = 'ExpositionError';
  }
}

/** A sample value as Go's strconv.ParseFloat reads it (what Prometheus parses with); NaN and Inf in any case. */
function parseValue(s: string): number | undefined {
  if (/^nan$/i.test(s)) return Number.NaN;
  const inf = /^([+-]?)inf(inity)?$/i.exec(s);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** `docstring` of a HELP line: only `\\` and `\n` are escapes. */
function unescapeHelp(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === '\\') out += '\\';
    else if (n === 'n') out += '\n';
    else return undefined;
  }
  return out;
}

/** Parses `{a="x",b="y"}` starting at `s[0] === '{'`; returns the labels and the rest of the line. */
function parseLabels(s: string): { labels: Record<string, string>; rest: string } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf('=', i);
    if (eq < 0) return 'label without "="';
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) return `bad label name ${JSON.stringify(name)}`;
    if (name in labels) return `label ${name} given twice`;
    if (s[eq + 1] !== '"') return 'label value not quoted';
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = s[j];
      if (c === undefined) return 'unterminated label value';
      if (c === '"') break;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else return 'bad escape in label value';
        j += 2;
        continue;
      }
      if (c === '\n') return 'newline in label value';
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') return 'expected "," or "}" after a label';
  }
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(name: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

function seriesKey(s: Sample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`);
  return `${s.name}{${labels.join(',')}}`;
}

/** Parses an exposition; throws ExpositionError on the first violation. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n'))
    throw new ExpositionError(0, 'no final newline', text.slice(-40));
  const families = new Map<string, MetricFamily>();
  const series = new Set<string>();
  const finished = new Set<string>();
  const typed = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  lines.pop();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: null, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (reason: string): never => {
      throw new ExpositionError(line, reason, raw);
    };
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) fail('bad metric name');
      if (finished.has(name!)) fail('metadata after the family ended');
      const f = family(name!);
      if (kind === 'HELP') {
        if (f.help !== null) fail('second HELP');
        const help = unescapeHelp(rest);
        if (help === undefined) fail('bad escape in HELP');
        f.help = help ?? '';
      } else {
        if (f.samples.length > 0) fail('TYPE after samples');
        if (!TYPES.includes(rest as MetricType)) fail('unknown TYPE');
        if (typed.has(name!)) fail('second TYPE');
        typed.add(name!);
        f.type = rest as MetricType;
      }
      if (current !== null && current !== name) finished.add(current);
      current = name!;
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) fail('bad metric name');
    const name = nameMatch![0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest);
      if (typeof parsed === 'string') fail(parsed);
      else {
        labels = parsed.labels;
        rest = parsed.rest;
      }
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) fail('expected " value [timestamp]"');
    const value = parseValue(parts[0]!);
    if (value === undefined) fail('bad value');
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail('bad timestamp');
    const fam = familyOf(name, families);
    if (finished.has(fam)) fail('samples of a family not kept together');
    if (current !== null && current !== fam) finished.add(current);
    current = fam;
    const sample: Sample = { name, labels, value: value! };
    const key = seriesKey(sample);
    if (series.has(key)) fail('duplicate series');
    series.add(key);
    family(fam).samples.push(sample);
  });
  for (const f of families.values()) checkFamily(f);
  return families;
}

function checkFamily(f: MetricFamily): void {
  const bad = (reason: string): never => {
    throw new ExpositionError(0, `${f.name}: ${reason}`, '');
  };
  if (f.type === 'counter') {
    for (const s of f.samples) {
      if (s.name !== f.name) bad(`counter sample ${s.name}`);
      if (!(s.value >= 0)) bad('negative or NaN counter');
    }
  }
  if (f.type === 'gauge' || f.type === 'untyped') {
    for (const s of f.samples) if (s.name !== f.name) bad(`sample ${s.name} outside its family`);
  }
  if (f.type !== 'histogram') return;
  // Group by the labels other than `le`.
  const groups = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey({ name: '', labels: rest, value: 0 });
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) bad('bucket without le');
      const bound = parseValue(le!);
      if (bound === undefined || Number.isNaN(bound)) bad(`bad le ${le}`);
      g.buckets.push([bound!, s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else bad(`unexpected sample ${s.name}`);
  }
  for (const g of groups.values()) {
    if (g.count === undefined || g.sum === undefined) bad('no _count or _sum');
    const last = g.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) bad('no +Inf bucket last');
    if (last![1] !== g.count) bad('+Inf bucket differs from _count');
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) bad('bucket bounds not increasing');
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) bad('bucket counts not cumulative');
    }
  }
}

/** The value of one series, or undefined. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const want = seriesKey({ name, labels, value: 0 });
  for (const f of families.values()) {
    for (const s of f.samples) if (seriesKey(s) === want) return s.value;
  }
  return undefined;
}
